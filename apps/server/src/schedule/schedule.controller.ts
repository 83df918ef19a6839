import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { UuidParam } from '../common/params';
import { CreateSlotDto } from './dto/create-slot.dto';
import { ListSlotsQuery } from './dto/list-slots.dto';
import { ScheduleService } from './schedule.service';

@ApiTags('schedule')
@ApiBearerAuth()
@Controller('slots')
export class ScheduleController {
  constructor(private readonly schedule: ScheduleService) {}

  @Get()
  list(@Query() query: ListSlotsQuery) {
    return this.schedule.list({
      stationId: query.stationId,
      from: query.from && new Date(query.from).toISOString(),
      to: query.to && new Date(query.to).toISOString(),
    });
  }

  @Roles('admin', 'editor')
  @Post()
  create(@Body() body: CreateSlotDto, @CurrentPrincipal() who: Principal) {
    return this.schedule.create(body, who.kind === 'user' ? who.userId : null);
  }

  @Roles('admin', 'editor')
  @Delete(':id')
  cancel(@Param('id', UuidParam) id: string) {
    return this.schedule.cancel(id);
  }
}
