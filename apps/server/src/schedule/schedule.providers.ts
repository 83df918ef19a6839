import type { Provider } from '@nestjs/common';
import { LookAhead } from './look-ahead.service';
import { ScheduleAuthoring } from './schedule-authoring.service';
import { ScheduleQueries } from './schedule-queries.service';
import { ScheduleRepository, TypeormScheduleRepository } from './schedule.repository';

/** The schedule's services and the store behind them. */
export const SCHEDULE_PROVIDERS: Provider[] = [{ provide: ScheduleRepository, useClass: TypeormScheduleRepository }, ScheduleQueries, ScheduleAuthoring, LookAhead];
