import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { LOA_VERSION } from '@loa/protocol';
import { Public } from '../auth/principal';
import { Clock } from '../common/clock';
import { HealthRepository } from './health.repository';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: HealthRepository,
    private readonly clock: Clock,
  ) {}

  @Public()
  @Get()
  async health() {
    await this.db.ping();
    return { status: 'ok', time: this.clock.nowInstant(), version: LOA_VERSION };
  }
}
