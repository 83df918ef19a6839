import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles } from '../auth/principal';
import { OptionalUuidQuery, UuidParam } from '../common/params';
import { UnitsService } from '../units/units.service';
import { CreateStationDto } from './dto/create-station.dto';
import { EnrolmentService } from './enrolment.service';
import { StationsService } from './stations.service';

@ApiTags('stations')
@ApiBearerAuth()
@Controller('stations')
export class StationsController {
  constructor(
    private readonly stations: StationsService,
    private readonly units: UnitsService,
    private readonly enrolment: EnrolmentService,
  ) {}

  @ApiQuery({ name: 'unitId', required: false, description: 'Chỉ các trạm thuộc đơn vị này (kể cả đơn vị cấp dưới)' })
  @Get()
  async list(@CurrentPrincipal() who: Principal, @Query('unitId', OptionalUuidQuery) unitId?: string) {
    return this.stations.listFor(who, unitId ? await this.units.subtreeIds(unitId) : undefined);
  }

  @Roles('admin')
  @Post()
  /** The answer carries the station's first enrolment code (for `loa-agent enrol`) and its token, each shown only here. */
  async create(@Body() body: CreateStationDto) {
    const created = await this.stations.create(body);
    return { ...created, enrolment: await this.enrolment.issue(created.station.id) };
  }

  @Roles('admin')
  @Post(':id/token')
  rotate(@Param('id', UuidParam) id: string) {
    return this.stations.rotateToken(id);
  }

  @Roles('admin')
  @Delete(':id/token')
  revoke(@Param('id', UuidParam) id: string) {
    return this.stations.revokeToken(id);
  }
}
