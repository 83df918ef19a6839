import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { AudioProbeService } from './audio-probe.service';
import { FfmpegService } from './ffmpeg.service';
import { LoudnessTarget } from './loudness-target.entity';
import { MediaAccess } from './media-access';
import { MediaAsset } from './media-asset.entity';
import { MediaEvents } from './media-events';
import { MediaJob } from './media-job.entity';
import { MediaStorage, MediaStore } from './media-store';
import { MediaController } from './media.controller';
import { MediaRepository } from './media.repository';
import { MediaService } from './media.service';
import { MediaJobsService } from './media-jobs.service';
import { MediaUploadService } from './media-upload.service';
import { ConversionService } from './conversion.service';
import { LoudnessTargetsService } from './loudness-targets.service';
import { RetentionService } from './retention.service';
import { CommandEngine } from './tts/command-engine';
import { EspeakEngine } from './tts/espeak-engine';
import { TTS_ENGINE, TtsEngine } from './tts/tts-engine';
import { TtsService } from './tts/tts.service';
import { UploadInterceptor } from './upload.interceptor';

/**
 * Uploads, checks and normalises programme audio (EBU R128) in persisted background jobs, speaks text
 * bulletins, applies the retention policy, and serves the broadcast files to agents.
 */
@Module({
  imports: [TypeOrmModule.forFeature([MediaAsset, MediaJob, LoudnessTarget])],
  controllers: [MediaController],
  providers: [
    { provide: MediaStorage, useFactory: (config: AppConfig) => new MediaStore(config.mediaDir), inject: [AppConfig] },
    FfmpegService,
    AudioProbeService,
    {
      provide: TTS_ENGINE,
      useFactory: (config: AppConfig, store: MediaStorage): TtsEngine =>
        config.tts.engine === 'command' ? new CommandEngine(config.tts.command, () => store.tempPath('.wav')) : new EspeakEngine(),
      inject: [AppConfig, MediaStorage],
    },
    MediaEvents,
    MediaRepository,
    MediaService,
    LoudnessTargetsService,
    ConversionService,
    MediaJobsService,
    MediaUploadService,
    MediaAccess,
    TtsService,
    RetentionService,
    UploadInterceptor,
  ],
  exports: [MediaService, TtsService, MediaStorage],
})
export class MediaModule {}
