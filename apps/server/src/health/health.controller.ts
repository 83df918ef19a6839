import { Controller, Get } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { LOA_VERSION } from '@loa/protocol';
import { Public } from '../auth/principal';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @Public()
  @Get()
  async health() {
    await this.db.query('SELECT 1');
    return { status: 'ok', time: new Date().toISOString(), version: LOA_VERSION };
  }
}
