import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Roles, ScopedBy } from '../auth/principal';
import { LoaError } from '../common/errors';
import { UuidParam } from '../common/params';
import { CreateAlertSubscriptionDto } from './alerts.dto';
import { AlertsService } from './alerts.service';

function stateParam(value: string | undefined): 'open' | 'resolved' {
  if (value === undefined || value === 'open') return 'open';
  if (value === 'resolved') return 'resolved';
  throw new LoaError('validation_failed', 'Tham số state chỉ nhận open hoặc resolved.', { field: 'state' });
}

function limitParam(value: string | undefined): number {
  if (value === undefined) return 100;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new LoaError('validation_failed', 'Tham số limit phải là số nguyên từ 1 đến 500.', { field: 'limit' });
  return n;
}

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  /** Alerts of the caller's stations: the open ones (newest first), or with `state=resolved` the latest cleared. */
  @ApiQuery({ name: 'state', required: false, enum: ['open', 'resolved'] })
  @ApiQuery({ name: 'limit', required: false })
  @Get()
  list(@CurrentPrincipal() who: Principal, @Query('state') state?: string, @Query('limit') limit?: string) {
    return this.alerts.listFor(who, stateParam(state), limitParam(limit));
  }

  @Roles('admin')
  @Get('subscriptions')
  subscriptions(@CurrentPrincipal() who: Principal) {
    return this.alerts.subscriptionsFor(who);
  }

  /** A webhook subscription's answer carries its signing secret, shown this once. */
  @Roles('admin')
  @Post('subscriptions')
  subscribe(@CurrentPrincipal() who: Principal, @Body() body: CreateAlertSubscriptionDto) {
    return this.alerts.subscribe(who, body);
  }

  @Roles('admin')
  @HttpCode(204)
  @Delete('subscriptions/:id')
  unsubscribe(@CurrentPrincipal() who: Principal, @Param('id', UuidParam) id: string) {
    return this.alerts.unsubscribe(who, id);
  }
}

@ApiTags('stations')
@ApiBearerAuth()
@Controller('stations')
export class StationHealthController {
  constructor(private readonly alerts: AlertsService) {}

  /** Clock offset, output device, disk, cache readiness, agent version, uptime, temperature and open alerts. */
  @ScopedBy('station')
  @Get(':id/health')
  health(@Param('id', UuidParam) id: string) {
    return this.alerts.health(id);
  }
}
