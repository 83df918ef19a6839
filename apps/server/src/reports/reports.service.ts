import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { Writable } from 'node:stream';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { LocalTime } from '../logbook/local-time';
import { occurrenceIdOf } from '../schedule/snapshot';
import { Slot, SlotTarget } from '../schedule/slot.entity';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
import { UnitsService } from '../units/units.service';
import { buildReport, isoDay, PeriodicReport, ReportLine, reportWindow, ScheduledAiring, type ReportPeriod, type WindowConvention } from './report-math';
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
          .select(['l.stationId', 'l.occurrenceId', 'l.revision', 'l.programmeId', 'l.chuyenMuc', 'l.topic', 'l.source', 'l.priority', 'l.plannedStart', 'l.result', 'l.durationMs'])
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
    const lines: ReportLine[] = [...latest.values()].map((l) => ({
      stationId: l.stationId,
      occurrenceId: l.occurrenceId,
      programmeId: l.programmeId,
      chuyenMuc: l.chuyenMuc,
      topic: l.topic,
      source: l.source,
      priority: l.priority,
      day: this.local.day(l.plannedStart),
      result: l.result,
      durationMs: l.durationMs,
    }));

    const targets = stationIds.length
      ? await this.db
          .getRepository(SlotTarget)
          .createQueryBuilder('t')
          .innerJoin(Slot, 's', 's.id = t.slotId')
          .select(['t.stationId AS stationId', 's.id AS slotId', 's.startAt AS startAt', 's.programmeId AS programmeId'])
          .where('t.stationId IN (:...stationIds)', { stationIds })
          .andWhere('s.status = :status', { status: 'scheduled' })
          .andWhere('s.startAt >= :from AND s.startAt < :to', { from, to })
          .getRawMany<{ stationId: string; slotId: string; startAt: string; programmeId: string }>()
      : [];
    const scheduled: ScheduledAiring[] = targets.map((t) => ({
      stationId: t.stationId,
      occurrenceId: occurrenceIdOf(t.slotId, t.startAt),
      programmeId: t.programmeId,
      day: this.local.day(t.startAt),
    }));

    return buildReport(
      window,
      stations.map((s) => ({ id: s.id, name: s.name, unitId: s.unitId, unitName: unitNames.get(s.unitId) ?? '' })),
      lines,
      scheduled,
    );
  }

  async exportXlsx(req: ReportRequest, out: Writable): Promise<void> {
    const report = await this.report(req);
    await writeReportXlsx(out, report, await this.issuingUnit(req), this.local.dateTime(this.clock.nowInstant()));
  }

  async exportPdf(req: ReportRequest, out: Writable): Promise<void> {
    const report = await this.report(req);
    await writeReportPdf(out, report, await this.issuingUnit(req), this.local.dateTime(this.clock.nowInstant()));
  }

  private async issuingUnit(req: ReportRequest): Promise<string> {
    return req.unitId ? (await this.units.get(req.unitId)).name : 'Đơn vị quản lý';
  }
}
