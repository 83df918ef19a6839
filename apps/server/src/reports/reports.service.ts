import { Inject, Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { AccessPolicy, subtreeOf } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { LocalTime } from '../logbook/local-time';
import { issuerOf, LogbookService, type IssuerHint } from '../logbook/logbook.service';
import { PlanTargetsService } from '../plan-targets/plan-targets.service';
import { ChuyenMucService } from '../programmes/chuyen-muc.service';
import { ScheduleQueries } from '../schedule/schedule-queries.service';
import { occurrenceIdOf } from '../schedule/snapshot';
import { UnitsService } from '../units/units.service';
import {
  buildReport,
  isoDay,
  LocalDate,
  PeriodicReport,
  ReportLine,
  ReportTarget,
  reportWindow,
  ScheduledAiring,
  StationInfo,
  type ReportPeriod,
  type WindowConvention,
} from './report-math';
import { writeReportPdf, writeReportXlsx } from './report-forms';
import { ReportsRepository } from './reports.repository';
import { fromInstant, toInstant } from '@loa/protocol';

export interface ReportRequest {
  period: ReportPeriod;
  year: number;
  convention?: WindowConvention;
  unitId?: string;
  /** One station only (a station's dossier), inside `unitId` when both are given. */
  stationId?: string;
}

export type ReportExportFormat = 'xlsx' | 'pdf';

/** A report export checked and recorded, ready to write: the request is already narrowed to the caller's reach. */
export interface ReportExportPlan {
  readonly format: ReportExportFormat;
  readonly req: ReportRequest;
  readonly issuer: IssuerHint;
}

const OUTSIDE_REPORT = 'Bạn chỉ xem được nhật ký của các trạm thuộc đơn vị mình.';

/** Reads what the report needs from the logbook and the schedule, and hands it to the arithmetic. */
@Injectable()
export class ReportsService {
  private readonly local: LocalTime;

  constructor(
    private readonly store: ReportsRepository,
    @Inject(UnitsService) private readonly units: Pick<UnitsService, 'subtreeIds' | 'issuerName'>,
    @Inject(ScheduleQueries) private readonly schedule: Pick<ScheduleQueries, 'plannedAirings'>,
    @Inject(PlanTargetsService) private readonly planTargets: Pick<PlanTargetsService, 'list'>,
    @Inject(ChuyenMucService) private readonly chuyenMuc: Pick<ChuyenMucService, 'list'>,
    private readonly clock: Clock,
    @Inject(AppConfig) config: Pick<AppConfig, 'timezone'>,
    private readonly access: AccessPolicy,
    @Inject(LogbookService) private readonly exports: Pick<LogbookService, 'recordExport'>,
  ) {
    this.local = new LocalTime(config.timezone);
  }

  /** The report of the unit asked for, or of `who`'s own unit; a unit outside `who`'s reach is refused. */
  async reportFor(who: Principal, req: Omit<ReportRequest, 'stationId'>): Promise<PeriodicReport> {
    return this.report(await this.scope(who, req));
  }

  /** Checks a report export before its first byte and records who took it; `writeExport` then writes it. */
  async prepareExport(who: Principal, format: ReportExportFormat, req: Omit<ReportRequest, 'stationId'>): Promise<ReportExportPlan> {
    const scoped = await this.scope(who, req);
    await this.exports.recordExport(who, `report.${format}`, scoped);
    return { format, req: scoped, issuer: issuerOf(who) };
  }

  async writeExport(plan: ReportExportPlan, out: Writable): Promise<void> {
    if (plan.format === 'xlsx') await this.exportXlsx(plan.req, out, plan.issuer);
    else await this.exportPdf(plan.req, out, plan.issuer);
  }

  private async scope(who: Principal, req: Omit<ReportRequest, 'stationId'>): Promise<ReportRequest> {
    const { unitId } = await this.access.narrow(who, { unitId: req.unitId }, OUTSIDE_REPORT);
    return { period: req.period, year: req.year, convention: req.convention, unitId };
  }

  async report(req: ReportRequest): Promise<PeriodicReport> {
    const window = reportWindow(req.period, req.year, req.convention ?? 'cchc');
    const from = this.local.startOfDay(isoDay(window.start));
    const to = this.local.startOfDay(isoDay(window.end));
    const unitIds = req.unitId ? await this.units.subtreeIds(req.unitId) : null;
    const [stations, units] = await Promise.all([this.store.stations(unitIds, req.stationId), this.store.units()]);
    const unitNames = new Map(units.map((u) => [u.id, u.name]));
    const stationIds = stations.map((s) => s.id);

    const lines = stationIds.length ? await this.latestLines(stationIds, from, to) : [];
    const airings = stationIds.length ? await this.schedule.plannedAirings(stationIds, fromInstant(from), fromInstant(to)) : [];
    const programmeIds = [...new Set([...lines.map((l) => l.programmeId), ...airings.map((a) => a.programmeId)])];
    const programmes = new Map((await this.store.programmes(programmeIds)).map((p) => [p.id, p]));
    for (const l of lines) l.chuyenMucId = programmes.get(l.programmeId)?.chuyenMucId ?? null;
    const planned: (ScheduledAiring & { at: number })[] = airings.map((a) => ({
      stationId: a.stationId,
      occurrenceId: occurrenceIdOf(a.slotId, toInstant(a.at)),
      programmeId: a.programmeId,
      day: this.local.day(a.at),
      chuyenMucId: programmes.get(a.programmeId)?.chuyenMucId ?? null,
      chuyenMuc: programmes.get(a.programmeId)?.chuyenMuc,
      at: a.at,
    }));
    // The figures count the airings whose time has come; those still ahead only tell whether a target is on track.
    const now = this.clock.now();
    const scheduled = planned.filter((a) => a.at <= now).map(({ at: _at, ...a }) => a);
    const ahead = planned.filter((a) => a.at > now).map(({ at: _at, ...a }) => a);

    const reportStations: StationInfo[] = stations.map((s) => ({ id: s.id, name: s.name, unitId: s.unitId, unitName: unitNames.get(s.unitId) ?? '' }));
    return buildReport(window, reportStations, lines, scheduled, { targets: await this.targetsFor(reportStations, units), today: this.today(), ahead });
  }

  /**
   * The latest revision of each airing's line (a correction replaces what it amends). The many repeated
   * values (station, programme, day, result…) share one string each, so a quarter of a hundred thousand
   * lines stays a few megabytes.
   */
  private async latestLines(stationIds: string[], from: string, to: string): Promise<ReportLine[]> {
    const shared = new Map<string, string>();
    const one = <T extends string | null>(v: T): T => {
      if (v === null) return v;
      const seen = shared.get(v);
      if (seen !== undefined) return seen as T;
      shared.set(v, v);
      return v;
    };
    const out: ReportLine[] = [];
    await this.store.eachLatestLine(stationIds, from, to, (r) => {
      out.push({
        stationId: one(r.stationId),
        occurrenceId: r.occurrenceId,
        programmeId: one(r.programmeId),
        chuyenMuc: one(r.chuyenMuc),
        chuyenMucId: null,
        topic: one(r.topic),
        source: one(r.source),
        priority: one(r.priority),
        day: one(this.local.day(r.plannedStart)),
        result: one(r.result),
        durationMs: r.durationMs,
        airVerdict: one(r.airVerdict),
      });
    });
    return out;
  }

  /** The plan targets with the stations each covers, as they are now. */
  private async targetsFor(stations: readonly StationInfo[], allUnits: readonly { id: string; parentId: string | null }[]): Promise<ReportTarget[]> {
    const targets = await this.planTargets.list();
    if (!targets.length) return [];
    const names = new Map((await this.chuyenMuc.list()).map((c) => [c.id, c.name]));
    const out: ReportTarget[] = [];
    for (const t of targets) {
      const chuyenMuc = names.get(t.chuyenMucId);
      if (!chuyenMuc) continue;
      const units = t.scope === 'each_station' && t.unitId ? new Set(subtreeOf(allUnits, t.unitId)) : null;
      const stationIds = stations.filter((s) => (units ? units.has(s.unitId) : s.id === t.stationId)).map((s) => s.id);
      out.push({ id: t.id, name: t.name, chuyenMucId: t.chuyenMucId, chuyenMuc, minPerMonth: t.minPerMonth, stationIds });
    }
    return out;
  }

  private today(): LocalDate {
    const [y, m, d] = this.local.day(this.clock.nowInstant()).split('-').map(Number);
    return { y, m, d };
  }

  /** `report`: one already made for `req`, when the caller writes it in more than one form. */
  async exportXlsx(req: ReportRequest, out: Writable, issuer: { unitId?: string | null } = {}, report?: PeriodicReport): Promise<void> {
    report ??= await this.report(req);
    await writeReportXlsx(out, report, await this.units.issuerName(req.unitId ?? issuer.unitId), this.local.dateTime(this.clock.nowInstant()));
  }

  async exportPdf(req: ReportRequest, out: Writable, issuer: { unitId?: string | null } = {}, report?: PeriodicReport): Promise<void> {
    report ??= await this.report(req);
    await writeReportPdf(out, report, await this.units.issuerName(req.unitId ?? issuer.unitId), this.local.dateTime(this.clock.nowInstant()));
  }
}
