import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { FfmpegService } from './ffmpeg.service';
import { MediaAsset } from './media-asset.entity';
import { MediaStore } from './media-store';
import { MediaController } from './media.controller';
import { MediaService } from './media.service';
import { UploadInterceptor } from './upload.interceptor';

/** Uploads, checks and converts programme audio, and serves the broadcast files to agents. */
@Module({
  imports: [TypeOrmModule.forFeature([MediaAsset])],
  controllers: [MediaController],
  providers: [
    { provide: MediaStore, useFactory: (config: AppConfig) => new MediaStore(config.mediaDir), inject: [AppConfig] },
    FfmpegService,
    MediaService,
    UploadInterceptor,
  ],
  exports: [MediaService],
})
export class MediaModule {}
