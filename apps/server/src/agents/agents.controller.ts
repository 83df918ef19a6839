import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { StationsService } from '../stations/stations.service';
import { AgentGateway } from './agent.gateway';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('agents')
export class AgentsController {
  constructor(
    private readonly gateway: AgentGateway,
    private readonly stations: StationsService,
  ) {}

  /** Agents connected now, with the status each last reported; an operator sees its own stations' only. */
  @Get('status')
  async status(@CurrentPrincipal() who: Principal) {
    const all = this.gateway.statuses();
    if ((await this.stations.unitScope(who)) === undefined) return all;
    const visible = new Set((await this.stations.listFor(who)).map((s) => s.id));
    return all.filter((a) => visible.has(a.stationId));
  }
}
