import type { Provider } from '@nestjs/common';
import { PlanTargetsRepository, TypeormPlanTargetsRepository } from '../plan-targets/plan-targets.repository';
import { ReportsRepository, TypeormReportsRepository } from '../reports/reports.repository';
import { ChuyenMucRepository, TypeormChuyenMucRepository } from '../programmes/chuyen-muc.repository';
import { ProgrammesRepository, TypeormProgrammesRepository } from '../programmes/programmes.repository';
import { CalendarRepository, TypeormCalendarRepository } from './calendar.repository';
import { LookAhead } from './look-ahead.service';
import { OperatorConsole } from './operator-console.service';
import { ScheduleAuthoring } from './schedule-authoring.service';
import { ScheduleQueries } from './schedule-queries.service';
import { ScheduleRepository, TypeormScheduleRepository } from './schedule.repository';

/** The schedule's services, and the stores of scheduling's capabilities: each service sees only its store. */
export const SCHEDULE_PROVIDERS: Provider[] = [
  { provide: ScheduleRepository, useClass: TypeormScheduleRepository },
  { provide: PlanTargetsRepository, useClass: TypeormPlanTargetsRepository },
  { provide: ReportsRepository, useClass: TypeormReportsRepository },
  { provide: ProgrammesRepository, useClass: TypeormProgrammesRepository },
  { provide: ChuyenMucRepository, useClass: TypeormChuyenMucRepository },
  { provide: CalendarRepository, useClass: TypeormCalendarRepository },
  ScheduleQueries,
  ScheduleAuthoring,
  LookAhead,
  OperatorConsole,
];
