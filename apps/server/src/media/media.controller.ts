import { Controller, Get, Param, ParseUUIDPipe, PipeTransform, Post, Req, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowAgent, CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { LoaError } from '../common/errors';
import { MediaAssetDto } from './dto/media-asset.dto';
import { MediaStore } from './media-store';
import { MediaService } from './media.service';
import { sendBroadcastFile } from './send-file';
import { UPLOAD_FIELD, UploadedAudio, UploadInterceptor } from './upload.interceptor';

const assetId = new ParseUUIDPipe({
  exceptionFactory: () => new LoaError('validation_failed', 'Mã tệp âm thanh không hợp lệ.'),
});

/** Checked before the disk is touched: the hash becomes part of a path. */
class ParseSha256Pipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!MediaStore.isSha256(value)) {
      throw new LoaError('validation_failed', 'Mã băm tệp không hợp lệ (cần 64 ký tự 0-9, a-f).');
    }
    return value;
  }
}

/** How long after its last airing a station may still fetch a file (to finish a late download). */
const AGENT_MEDIA_GRACE_MS = 6 * 3600 * 1000;

@ApiTags('media')
@ApiBearerAuth()
@Controller('media')
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @Post()
  @Roles('admin', 'editor', 'operator')
  @UseInterceptors(UploadInterceptor)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: [UPLOAD_FIELD],
      properties: { [UPLOAD_FIELD]: { type: 'string', format: 'binary', description: 'MP3, WAV, M4A, OGG…' } },
    },
  })
  @ApiCreatedResponse({ type: MediaAssetDto, description: 'Accepted; conversion runs in the background' })
  async upload(
    @UploadedFile() file: UploadedAudio | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<MediaAssetDto> {
    if (!file) throw new LoaError('validation_failed', `Thiếu tệp âm thanh trong trường "${UPLOAD_FIELD}".`);
    const userId = principal.kind === 'user' ? principal.userId : null;
    return MediaAssetDto.from(await this.media.upload(file.path, file.originalname, userId));
  }

  @Get('assets')
  @ApiOkResponse({ type: MediaAssetDto, isArray: true })
  async list(): Promise<MediaAssetDto[]> {
    return (await this.media.list()).map((a) => MediaAssetDto.from(a));
  }

  @Get('assets/:id')
  @ApiOkResponse({ type: MediaAssetDto })
  async get(@Param('id', assetId) id: string): Promise<MediaAssetDto> {
    return MediaAssetDto.from(await this.media.get(id));
  }

  @Get('files/:sha256')
  @AllowAgent()
  @ApiParam({ name: 'sha256', schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } })
  @ApiProduces('audio/mpeg')
  @ApiOkResponse({ description: 'The broadcast MP3; send Range to resume (206)' })
  async download(
    @Param('sha256', ParseSha256Pipe) sha256: string,
    @Req() req: Request,
    @Res() res: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    if (principal.kind === 'agent') {
      const since = new Date(Date.now() - AGENT_MEDIA_GRACE_MS).toISOString();
      if (!(await this.media.stationMayRead(principal.stationId, sha256, since))) {
        throw new LoaError('not_found', 'Trạm không có lịch phát nào dùng tệp này.');
      }
    }
    sendBroadcastFile(req, res, await this.media.fileFor(sha256));
  }
}
