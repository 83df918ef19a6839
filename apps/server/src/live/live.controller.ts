import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Principal, Public, Roles } from '../auth/principal';
import { OUTSIDE_UNIT, UnitScope } from '../auth/unit-scope';
import { LoaError } from '../common/errors';
import { UuidParam } from '../common/params';
import { StartEmergencyDto, StartRelayDto } from './dto/start-live.dto';
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
    private readonly scope: UnitScope,
  ) {}

  /** A commune's staff see the relays that reach one of its stations, and nothing of other communes'. */
  @Get('relays')
  async list(@CurrentPrincipal() who: Principal) {
    return this.live.list(50, await this.scope.visibleStations(who));
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
  async status(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    await this.within(id, who, 'some');
    return this.live.status(id);
  }

  /** A commune operator stops only what airs on its own stations alone: a province-wide relay is not its to end. */
  @Roles('admin', 'editor', 'operator')
  @Post('relays/:id/stop')
  async stop(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    await this.within(id, who, 'every');
    return this.live.stop(id);
  }

  @Get('relays/:id/recording.mp3')
  async recording(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal, @Res() res: Response) {
    await this.within(id, who, 'some');
    res.type('audio/mpeg').sendFile(await this.live.recordingPath(id));
  }

  private async within(id: string, who: Principal, how: 'some' | 'every'): Promise<void> {
    const visible = await this.scope.visibleStations(who);
    if (!visible) return;
    const targets = await this.live.targetsOf(id);
    if (how === 'some' && !targets.some((t) => visible.has(t))) throw new LoaError('forbidden', OUTSIDE_UNIT);
    if (how === 'every' && !targets.every((t) => visible.has(t))) {
      throw new LoaError('forbidden', 'Buổi phát này có cả các trạm ngoài đơn vị của bạn, nên chỉ cấp trên mới dừng được.');
    }
  }

  /** The relay as a plain MP3 stream for VLC, ffplay, IP loudspeakers or an `<audio>` tag. */
  @Public()
  @Get('relays/:id/stream.mp3')
  stream(@Param('id', UuidParam) id: string, @Query('token') token: string | undefined, @Res() res: Response) {
    const { title } = this.live.authorizeStream(id, typeof token === 'string' ? token : undefined);
    res.writeHead(200, {
      'Content-Type': 'audio/mpeg',
      'Cache-Control': 'no-cache, no-store',
      'icy-name': asciiTitle(title),
      'icy-br': '64',
      'icy-pub': '0',
    });
    res.flushHeaders();
    this.live.listen(id, res);
  }
}
