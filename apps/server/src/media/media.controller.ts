import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  MessageEvent,
  Param,
  ParseUUIDPipe,
  PipeTransform,
  Post,
  Put,
  Req,
  Res,
  Sse,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { concat, map, Observable, of, takeWhile } from 'rxjs';
import { AllowAgent, AllowQueryToken, CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { LoudnessTargetDto, SetLoudnessTargetDto } from './dto/loudness-target.dto';
import { MediaAssetDto } from './dto/media-asset.dto';
import { TtsRequestDto } from './dto/tts-request.dto';
import { MediaAccess } from './media-access';
import { MediaAsset } from './media-asset.entity';
import { MediaStore } from './media-store';
import { MediaService } from './media.service';
import { sendBroadcastFile } from './send-file';
import { TtsService } from './tts/tts.service';
import { UPLOAD_FIELD, UploadedAudio, UploadInterceptor } from './upload.interceptor';
import { toInstant } from '@loa/protocol';

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
  constructor(
    private readonly media: MediaService,
    private readonly tts: TtsService,
    private readonly access: MediaAccess,
    private readonly clock: Clock,
  ) {}

  @Post()
  @Roles('admin', 'editor', 'operator')
  @UseInterceptors(UploadInterceptor)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: [UPLOAD_FIELD],
      properties: {
        [UPLOAD_FIELD]: { type: 'string', format: 'binary', description: 'MP3, WAV, M4A, OGG, Opus, FLAC, AMR, 3GP, WMA, or a video' },
        chuyenMuc: { type: 'string', description: 'Chuyên mục, for its own loudness target' },
      },
    },
  })
  @ApiCreatedResponse({ type: MediaAssetDto, description: 'Accepted; conversion runs in the background' })
  async upload(
    @UploadedFile() file: UploadedAudio | undefined,
    @Req() req: Request,
    @CurrentPrincipal() principal: Principal,
  ): Promise<MediaAssetDto> {
    if (!file) throw new LoaError('validation_failed', `Thiếu tệp âm thanh trong trường "${UPLOAD_FIELD}".`);
    const fields = (req.body ?? {}) as Record<string, unknown>;
    return MediaAssetDto.from(
      await this.media.upload(file.path, file.originalname, userIdOf(principal), { chuyenMuc: fields['chuyenMuc'] }),
    );
  }

  @Post('tts')
  @Roles('admin', 'editor', 'operator')
  @ApiCreatedResponse({ type: MediaAssetDto, description: 'Spoken; normalisation runs in the background' })
  async speak(@Body() body: TtsRequestDto, @CurrentPrincipal() principal: Principal): Promise<MediaAssetDto> {
    return MediaAssetDto.from(await this.tts.speak(body.text, body.voice, userIdOf(principal), body.chuyenMuc?.trim() || null));
  }

  @Post('assets/:id/cancel')
  @HttpCode(200)
  @Roles('admin', 'editor', 'operator')
  @ApiOkResponse({ type: MediaAssetDto })
  async cancel(@Param('id', assetId) id: string, @CurrentPrincipal() principal: Principal): Promise<MediaAssetDto> {
    return MediaAssetDto.from(await this.access.cancel(id, principal));
  }

  /**
   * The asset's state now, then each change (progress in percent, then ready, failed or cancelled), as
   * server-sent events; the stream ends with the conversion.
   */
  @Sse('assets/:id/events')
  @AllowQueryToken()
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'access_token', required: false, description: 'For EventSource, which cannot send Authorization' })
  async events(@Param('id', assetId) id: string, @CurrentPrincipal() principal: Principal): Promise<Observable<MessageEvent>> {
    const current = await this.access.get(id, principal);
    const stream = current.status === 'processing' ? concat(of(current), this.media.changes(id)) : of(current);
    return stream.pipe(
      takeWhile((a: MediaAsset) => a.status === 'processing', true),
      map((a) => ({ type: a.status === 'processing' ? 'progress' : a.status, data: MediaAssetDto.from(a) })),
    );
  }

  @Get('loudness-targets')
  @ApiOkResponse({ type: LoudnessTargetDto, isArray: true })
  async targets(): Promise<LoudnessTargetDto[]> {
    return (await this.media.listTargets()).map((t) => LoudnessTargetDto.from(t));
  }

  @Put('loudness-targets')
  @Roles('admin', 'editor')
  @ApiOkResponse({ type: LoudnessTargetDto, description: 'Applies to what is uploaded from now on' })
  async setTarget(@Body() body: SetLoudnessTargetDto, @CurrentPrincipal() principal: Principal): Promise<LoudnessTargetDto> {
    return LoudnessTargetDto.from(await this.media.setTarget(body.chuyenMuc, body.targetLufs, userIdOf(principal)));
  }

  @Delete('loudness-targets/:chuyenMuc')
  @HttpCode(204)
  @Roles('admin', 'editor')
  async removeTarget(@Param('chuyenMuc') chuyenMuc: string): Promise<void> {
    await this.media.removeTarget(chuyenMuc);
  }

  @Get('assets')
  @ApiOkResponse({ type: MediaAssetDto, isArray: true })
  async list(@CurrentPrincipal() principal: Principal): Promise<MediaAssetDto[]> {
    return (await this.access.list(principal)).map((a) => MediaAssetDto.from(a));
  }

  @Get('assets/:id')
  @ApiOkResponse({ type: MediaAssetDto })
  async get(@Param('id', assetId) id: string, @CurrentPrincipal() principal: Principal): Promise<MediaAssetDto> {
    return MediaAssetDto.from(await this.access.get(id, principal));
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
      const since = toInstant(this.clock.now() - AGENT_MEDIA_GRACE_MS);
      if (!(await this.media.stationMayRead(principal.stationId, sha256, since))) {
        throw new LoaError('not_found', 'Trạm không có lịch phát nào dùng tệp này.');
      }
    } else {
      await this.access.requireFile(sha256, principal);
    }
    sendBroadcastFile(req, res, await this.media.fileFor(sha256));
  }
}

function userIdOf(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.userId : null;
}
