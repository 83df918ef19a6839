import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { actorOf, CurrentPrincipal, Principal, Roles, ScopedBy } from '../auth/principal';
import { UuidParam } from '../common/params';
import { CreateSlotDto, EditAiringDto, RejectSlotDto, UpdateSlotDto } from './dto/create-slot.dto';
import { ListSlotsQuery, TimelineQuery } from './dto/list-slots.dto';
import { ScheduleAuthoring } from './schedule-authoring.service';
import { ScheduleQueries } from './schedule-queries.service';


@ApiTags('schedule')
@ApiBearerAuth()
@Controller('slots')
export class ScheduleController {
  constructor(
    private readonly queries: ScheduleQueries,
    private readonly schedule: ScheduleAuthoring,
  ) {}

  /** Someone bound to a unit sees only the slots that air on one of its stations. */
  @Get()
  list(@Query() query: ListSlotsQuery, @CurrentPrincipal() who: Principal) {
    return this.queries.list({ stationId: query.stationId, from: query.from, to: query.to, status: query.status }, actorOf(who));
  }

  @Get('mine')
  mine(@CurrentPrincipal() who: Principal) {
    return this.queries.mine(actorOf(who));
  }

  @ScopedBy('slot')
  @Get(':id')
  get(@Param('id', UuidParam) id: string) {
    return this.queries.describe(id);
  }

  @Roles('admin', 'editor', 'approver', 'operator')
  @Post()
  create(@Body() body: CreateSlotDto, @CurrentPrincipal() who: Principal) {
    return this.schedule.create(body, actorOf(who));
  }

  @Roles('admin', 'editor', 'approver', 'operator')
  @ScopedBy('slot')
  @Patch(':id')
  update(@Param('id', UuidParam) id: string, @Body() body: UpdateSlotDto, @CurrentPrincipal() who: Principal) {
    return this.schedule.update(id, body, actorOf(who));
  }

  @Roles('admin', 'editor', 'approver', 'operator')
  @ScopedBy('slot')
  @Post(':id/submit')
  submit(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.schedule.submit(id, actorOf(who));
  }

  @Roles('admin', 'approver', 'operator')
  @ScopedBy('slot')
  @Post(':id/approve')
  approve(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.schedule.approve(id, actorOf(who));
  }

  @Roles('admin', 'approver', 'operator')
  @ScopedBy('slot')
  @Post(':id/reject')
  reject(@Param('id', UuidParam) id: string, @Body() body: RejectSlotDto, @CurrentPrincipal() who: Principal) {
    return this.schedule.reject(id, actorOf(who), body.reason.trim());
  }

  @Roles('admin', 'editor', 'approver', 'operator')
  @ScopedBy('slot')
  @Post(':id/airings')
  editAiring(@Param('id', UuidParam) id: string, @Body() body: EditAiringDto, @CurrentPrincipal() who: Principal) {
    return this.schedule.editAiring(id, body, actorOf(who));
  }

  @Roles('admin', 'editor', 'approver', 'operator')
  @ScopedBy('slot')
  @Delete(':id')
  cancel(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.schedule.cancel(id, actorOf(who));
  }
}

@ApiTags('schedule')
@ApiBearerAuth()
@Controller('stations')
export class TimelineController {
  constructor(private readonly schedule: ScheduleQueries) {}

  @ScopedBy('station')
  @Get(':id/timeline')
  timeline(@Param('id', UuidParam) id: string, @Query() query: TimelineQuery) {
    return this.schedule.timeline(id, query.from, query.to);
  }
}
