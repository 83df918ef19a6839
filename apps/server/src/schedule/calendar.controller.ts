import { Body, Controller, Delete, Get, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, Principal, Public, Roles, ScopedBy } from '../auth/principal';
import { UuidParam } from '../common/params';
import { CalendarService } from './calendar.service';
import { IssueCalendarTokenDto } from './dto/calendar-token.dto';

@ApiTags('schedule')
@Controller()
export class CalendarController {
  constructor(private readonly calendar: CalendarService) {}

  @ApiBearerAuth()
  @Roles('admin', 'editor', 'approver', 'operator')
  @ScopedBy('station')
  @Post('stations/:id/calendar-token')
  forStation(@Param('id', UuidParam) id: string, @Body() body: IssueCalendarTokenDto, @CurrentPrincipal() who: Principal) {
    return this.calendar.issue('station', id, who, body.days);
  }

  @ApiBearerAuth()
  @Roles('admin', 'editor', 'approver', 'operator')
  @ScopedBy('unit')
  @Post('units/:id/calendar-token')
  forUnit(@Param('id', UuidParam) id: string, @Body() body: IssueCalendarTokenDto, @CurrentPrincipal() who: Principal) {
    return this.calendar.issue('unit', id, who, body.days);
  }

  /** The calendar links the caller made (or, for those over a unit, that its people made), with whether each still works. */
  @ApiBearerAuth()
  @Roles('admin', 'editor', 'approver', 'operator')
  @Get('calendar-tokens')
  list(@CurrentPrincipal() who: Principal) {
    return this.calendar.list(who);
  }

  /** Revokes a calendar link: the feed answers 404 from now on. */
  @ApiBearerAuth()
  @Roles('admin', 'editor', 'approver', 'operator')
  @Delete('calendar-tokens/:id')
  revoke(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.calendar.revoke(id, who);
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
