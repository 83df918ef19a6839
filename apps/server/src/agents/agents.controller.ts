import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AgentGateway } from './agent.gateway';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('agents')
export class AgentsController {
  constructor(private readonly gateway: AgentGateway) {}

  /** Agents connected now, with the status each last reported. */
  @Get('status')
  status() {
    return this.gateway.statuses();
  }
}
