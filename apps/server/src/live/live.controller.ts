import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Principal, Public, Roles } from '../auth/principal';
import { UuidParam } from '../common/params';
import { StartEmergencyDto, StartRelayDto } from './dto/start-live.dto';
import { LiveAudience } from './live-audience';
import { LiveQueries } from './live-queries';
import { LiveService } from './live.service';

/** Icecast-style headers carry Latin-1 only: the title is written without its diacritics. */
export function asciiTitle(title: string): string {
  return title
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 200);
}

@ApiTags('live')
@ApiBearerAuth()
@Controller('live')
export class LiveController {
  constructor(
    private readonly live: LiveService,
    private readonly queries: LiveQueries,
    private readonly audience: LiveAudience,
  ) {}

  /** A commune's staff see the relays that reach one of its stations, and nothing of other communes'. */
  @Get('relays')
  list(@CurrentPrincipal() who: Principal) {
    return this.queries.list(who);
  }

  @Roles('admin', 'editor')
  @Post('relays')
  startRelay(@Body() body: StartRelayDto, @CurrentPrincipal() who: Principal) {
    return this.live.start({ ...body, kind: 'relay' }, who);
  }

  @Roles('admin', 'editor', 'operator')
  @Post('emergencies')
  startEmergency(@Body() body: StartEmergencyDto, @CurrentPrincipal() who: Principal) {
    return this.live.start({ ...body, kind: 'emergency' }, who);
  }

  @Get('relays/:id')
  status(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.queries.status(id, who);
  }

  /** A commune operator stops only what airs on its own stations alone: a province-wide relay is not its to end. */
  @Roles('admin', 'editor', 'operator')
  @Post('relays/:id/stop')
  stop(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.live.stop(id, who);
  }

  @Get('relays/:id/recording.mp3')
  async recording(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal, @Res() res: Response) {
    res.type('audio/mpeg').sendFile(await this.queries.recordingPath(id, who));
  }

  /** The relay as a plain MP3 stream for VLC, ffplay, IP loudspeakers or an `<audio>` tag. */
  @Public()
  @Get('relays/:id/stream.mp3')
  stream(@Param('id', UuidParam) id: string, @Query('token') token: string | undefined, @Res() res: Response) {
    const { title } = this.audience.authorizeStream(id, typeof token === 'string' ? token : undefined);
    res.writeHead(200, {
      'Content-Type': 'audio/mpeg',
      'Cache-Control': 'no-cache, no-store',
      'icy-name': asciiTitle(title),
      'icy-br': '64',
      'icy-pub': '0',
    });
    res.flushHeaders();
    this.audience.listen(id, res);
  }
}
