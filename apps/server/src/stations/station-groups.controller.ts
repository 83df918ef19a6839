import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles, ScopedBy } from '../auth/principal';
import { UuidParam } from '../common/params';
import { CreateClusterDto, CreateStationGroupDto } from './dto/station-group.dto';
import { StationGroupsService } from './station-groups.service';

@ApiTags('stations')
@ApiBearerAuth()
@Controller()
export class StationGroupsController {
  constructor(private readonly groups: StationGroupsService) {}

  @Get('station-groups')
  listGroups(@CurrentPrincipal() who: Principal) {
    return this.groups.listGroups(who);
  }

  @Roles('admin')
  @Post('station-groups')
  createGroup(@Body() body: CreateStationGroupDto) {
    return this.groups.createGroup(body.name, body.stationIds);
  }

  @ScopedBy('station')
  @Get('stations/:id/clusters')
  listClusters(@Param('id', UuidParam) id: string) {
    return this.groups.listClusters(id);
  }

  @Roles('admin')
  @ScopedBy('station')
  @Post('stations/:id/clusters')
  createCluster(@Param('id', UuidParam) id: string, @Body() body: CreateClusterDto) {
    return this.groups.createCluster(id, body.name);
  }
}
