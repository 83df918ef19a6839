import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { Writable } from 'node:stream';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { LocalTime } from '../logbook/local-time';
import { PlanTargetsService } from '../plan-targets/plan-targets.service';
import { ChuyenMucService } from '../programmes/chuyen-muc.service';
import { Programme } from '../programmes/programme.entity';
import { ScheduleService } from '../schedule/schedule.service';
import { occurrenceIdOf } from '../schedule/snapshot';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
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

export interface ReportRequest {
  period: ReportPeriod;
  year: number;
  convention?: WindowConvention;
  unitId?: string;
}

/** Reads what the report needs from the logbook and the schedule, and hands it to the arithmetic. */
@Injectable()
export class ReportsService {
  private readonly local: LocalTime;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly units: UnitsService,
    private readonly schedule: ScheduleService,
    private readonly planTargets: PlanTargetsService,
    private readonly chuyenMuc: ChuyenMucService,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.local = new LocalTime(config.timezone);
  }

  async report(req: ReportRequest): Promise<PeriodicReport> {
    const window = reportWindow(req.period, req.year, req.convention ?? 'cchc');
    const from = this.local.startOfDay(isoDay(window.start));
    const to = this.local.startOfDay(isoDay(window.end));
    const unitIds = req.unitId ? await this.units.subtreeIds(req.unitId) : null;
    const stations = await this.db.getRepository(Station).find({ where: unitIds ? { unitId: In(unitIds) } : {}, order: { name: 'ASC' } });
    const unitNames = new Map((await this.db.getRepository(Unit).find()).map((u) => [u.id, u.name]));
    const stationIds = stations.map((s) => s.id);

    const rows = stationIds.length
      ? await this.db
          .getRepository(LogbookLine)
          .createQueryBuilder('l')
          .select(['l.stationId', 'l.occurrenceId', 'l.revision', 'l.programmeId', 'l.chuyenMuc', 'l.topic', 'l.source', 'l.priority', 'l.plannedStart', 'l.result', 'l.durationMs', 'l.airVerdict'])
          .where('l.stationId IN (:...stationIds)', { stationIds })
          .andWhere('l.plannedStart >= :from AND l.plannedStart < :to', { from, to })
          .getMany()
      : [];
    // Only the latest revision of each airing counts: a correction replaces what it amends.
    const latest = new Map<string, LogbookLine>();
    for (const r of rows) {
      const key = `${r.stationId}|${r.occurrenceId}`;
      const seen = latest.get(key);
      if (!seen || seen.revision < r.revision) latest.set(key, r);
    }
    const airings = stationIds.length ? await this.schedule.plannedAirings(stationIds, Date.parse(from), Date.parse(to)) : [];
    const programmeIds = [...new Set([...[...latest.values()].map((l) => l.programmeId), ...airings.map((a) => a.programmeId)])];
    const programmes = new Map((programmeIds.length ? await this.db.getRepository(Programme).findBy({ id: In(programmeIds) }) : []).map((p) => [p.id, p]));

    const lines: ReportLine[] = [...latest.values()].map((l) => ({
      stationId: l.stationId,
      occurrenceId: l.occurrenceId,
      programmeId: l.programmeId,
      chuyenMuc: l.chuyenMuc,
      chuyenMucId: programmes.get(l.programmeId)?.chuyenMucId ?? null,
      topic: l.topic,
      source: l.source,
      priority: l.priority,
      day: this.local.day(l.plannedStart),
      result: l.result,
      durationMs: l.durationMs,
      airVerdict: l.airVerdict,
    }));
    const planned: (ScheduledAiring & { at: number })[] = airings.map((a) => ({
      stationId: a.stationId,
      occurrenceId: occurrenceIdOf(a.slotId, new Date(a.at).toISOString()),
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
    return buildReport(window, reportStations, lines, scheduled, { targets: await this.targetsFor(reportStations), today: this.today(), ahead });
  }

  /** The plan targets with the stations each covers, as they are now. */
  private async targetsFor(stations: readonly StationInfo[]): Promise<ReportTarget[]> {
    const targets = await this.planTargets.list();
    if (!targets.length) return [];
    const names = new Map((await this.chuyenMuc.list()).map((c) => [c.id, c.name]));
    const out: ReportTarget[] = [];
    for (const t of targets) {
      const chuyenMuc = names.get(t.chuyenMucId);
      if (!chuyenMuc) continue;
      const units = t.scope === 'each_station' && t.unitId ? new Set(await this.units.subtreeIds(t.unitId)) : null;
      const stationIds = stations.filter((s) => (units ? units.has(s.unitId) : s.id === t.stationId)).map((s) => s.id);
      out.push({ id: t.id, name: t.name, chuyenMucId: t.chuyenMucId, chuyenMuc, minPerMonth: t.minPerMonth, stationIds });
    }
    return out;
  }

  private today(): LocalDate {
    const [y, m, d] = this.local.day(this.clock.nowInstant()).split('-').map(Number);
    return { y, m, d };
  }

  async exportXlsx(req: ReportRequest, out: Writable, issuer: { unitId?: string | null } = {}): Promise<void> {
    const report = await this.report(req);
    await writeReportXlsx(out, report, await this.units.issuerName(req.unitId ?? issuer.unitId), this.local.dateTime(this.clock.nowInstant()));
  }

  async exportPdf(req: ReportRequest, out: Writable, issuer: { unitId?: string | null } = {}): Promise<void> {
    const report = await this.report(req);
    await writeReportPdf(out, report, await this.units.issuerName(req.unitId ?? issuer.unitId), this.local.dateTime(this.clock.nowInstant()));
  }
}
