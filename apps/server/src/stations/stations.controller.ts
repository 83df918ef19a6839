import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import type { CreatedStation } from '@loa/api-types';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles, ScopedBy } from '../auth/principal';
import { OptionalUuidQuery, UuidParam } from '../common/params';
import { CreateStationDto, UpdateStationDto } from './dto/create-station.dto';
import { EnrolmentService } from './enrolment.service';
import { StationsService } from './stations.service';

@ApiTags('stations')
@ApiBearerAuth()
@Controller('stations')
export class StationsController {
  constructor(
    private readonly stations: StationsService,
    private readonly enrolment: EnrolmentService,
  ) {}

  @ApiQuery({ name: 'unitId', required: false, description: 'Chỉ các trạm thuộc đơn vị này (kể cả đơn vị cấp dưới)' })
  @Get()
  list(@CurrentPrincipal() who: Principal, @Query('unitId', OptionalUuidQuery) unitId?: string) {
    return this.stations.listFor(who, unitId);
  }

  @Roles('admin')
  @Post()
  /** The answer carries the station's first enrolment code (for `loa-agent enrol`) and its token, each shown only here. */
  async create(@Body() body: CreateStationDto, @CurrentPrincipal() who: Principal): Promise<CreatedStation> {
    const created = await this.stations.create(body, who);
    return { ...created, enrolment: await this.enrolment.issue(created.station.id) };
  }

  @Roles('admin')
  @ScopedBy('station')
  @Post(':id/token')
  rotate(@Param('id', UuidParam) id: string) {
    return this.stations.rotateToken(id);
  }

  @Roles('admin')
  @ScopedBy('station')
  @Delete(':id/token')
  revoke(@Param('id', UuidParam) id: string) {
    return this.stations.revokeToken(id);
  }

  @Roles('admin')
  @ScopedBy('station')
  @Patch(':id')
  update(@Param('id', UuidParam) id: string, @Body() body: UpdateStationDto, @CurrentPrincipal() who: Principal) {
    return this.stations.update(id, body, who);
  }

  @Roles('admin')
  @ScopedBy('station')
  @Post(':id/disable')
  disable(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.stations.disable(id, who);
  }

  @Roles('admin')
  @ScopedBy('station')
  @Post(':id/enable')
  enable(@Param('id', UuidParam) id: string, @CurrentPrincipal() who: Principal) {
    return this.stations.enable(id, who);
  }
}
