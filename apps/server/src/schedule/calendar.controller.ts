import { Controller, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Principal, Public, Roles, ScopedBy } from '../auth/principal';
import { UuidParam } from '../common/params';
import { CalendarService } from './calendar.service';

@ApiTags('schedule')
@Controller()
export class CalendarController {
  constructor(private readonly calendar: CalendarService) {}

  @ApiBearerAuth()
  @Roles('admin', 'editor', 'approver', 'operator')
  @ScopedBy('station')
  @Post('stations/:id/calendar-token')
  forStation(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.calendar.issue('station', id, who.kind === 'user' ? who.userId : null);
  }

  @ApiBearerAuth()
  @Roles('admin', 'editor', 'approver', 'operator')
  @ScopedBy('unit')
  @Post('units/:id/calendar-token')
  forUnit(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.calendar.issue('unit', id, who.kind === 'user' ? who.userId : null);
  }

  /** Subscribed to from a phone's calendar app, which sends no sign-in: the secret link is the key. */
  @Public()
  @Get('calendar/:file')
  async feed(@Param('file') file: string, @Res() res: Response): Promise<void> {
    const body = await this.calendar.feed(file.replace(/\.ics$/, ''));
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.send(body);
  }
}
