import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { ChuyenMucService } from '../programmes/chuyen-muc.service';
import { Programme } from '../programmes/programme.entity';
import { ScheduleQueries } from '../schedule/schedule-queries.service';
import { Station } from '../stations/station.entity';
import { StationsService } from '../stations/stations.service';
import { UnitsService } from '../units/units.service';
import { judge, monthsBetween, STATUS_LABELS, worst } from './compliance';
import { PlanTarget } from './plan-target.entity';

export interface NewPlanTarget {
  name: string;
  chuyenMucId: string;
  scope: 'station' | 'each_station';
  stationId?: string;
  unitId?: string;
  minPerMonth: number;
}

/** Results in the logbook that count as aired. */
const AIRED = ['complete', 'partial'];
const MAX_PERIOD_MS = 400 * 24 * 3600_000;

@Injectable()
export class PlanTargetsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly chuyenMuc: ChuyenMucService,
    private readonly stations: StationsService,
    private readonly units: UnitsService,
    private readonly schedule: ScheduleQueries,
    private readonly access: AccessPolicy,
  ) {}

  async create(input: NewPlanTarget, userId: string | null) {
    await this.chuyenMuc.get(input.chuyenMucId);
    if (input.scope === 'station') {
      if (!input.stationId || input.unitId) throw new LoaError('validation_failed', 'Chỉ tiêu cho một trạm cần stationId (và không có unitId).', { field: 'stationId' });
      await this.stations.get(input.stationId);
    } else {
      if (!input.unitId || input.stationId) throw new LoaError('validation_failed', 'Chỉ tiêu cho từng trạm của đơn vị cần unitId (và không có stationId).', { field: 'unitId' });
      await this.units.get(input.unitId);
    }
    const repo = this.db.getRepository(PlanTarget);
    return repo.save(
      repo.create({
        name: input.name.trim(),
        chuyenMucId: input.chuyenMucId,
        scope: input.scope,
        stationId: input.stationId ?? null,
        unitId: input.unitId ?? null,
        minPerMonth: input.minPerMonth,
        createdBy: userId,
        createdAt: this.clock.nowInstant(),
      }),
    );
  }

  /**
   * Every target, or for `who` bound to a unit: those set on its subtree and on the units above it
   * (targets set upstream apply to it), never a sibling's.
   */
  async list(who?: Principal) {
    const all = await this.db.getRepository(PlanTarget).find({ order: { createdAt: 'ASC' } });
    const visible = who ? await this.access.visibleUnitsWithAncestors(who) : undefined;
    if (!visible) return all;
    const stationIds = all.filter((t) => t.stationId).map((t) => t.stationId!);
    const stationUnits = stationIds.length
      ? new Map((await this.db.getRepository(Station).find({ select: { id: true, unitId: true }, where: { id: In(stationIds) } })).map((s) => [s.id, s.unitId]))
      : new Map<string, string>();
    return all.filter((t) => {
      const unitId = t.scope === 'station' ? stationUnits.get(t.stationId ?? '') : t.unitId;
      return unitId !== undefined && unitId !== null && visible.has(unitId);
    });
  }

  /**
   * Each target, month by month over [from, to): met (the logbook shows enough aired), on track (enough
   * approved airings still to come), at risk (not enough even scheduled) or missed (the month is over).
   * Only the stations `who` may see (and, given `only`, those of them) are counted; a target on none of
   * them is left out.
   */
  async compliance(fromIso: string, toIso: string, who: Principal, only?: ReadonlySet<string>) {
    const from = Date.parse(fromIso);
    const to = Date.parse(toIso);
    if (!(to > from) || to - from > MAX_PERIOD_MS) throw new LoaError('validation_failed', 'Khoảng thời gian không hợp lệ (tối đa khoảng một năm).');
    const now = this.clock.now();
    const zone = this.config.timezone;
    const months = monthsBetween(from, to, zone);
    const span = { from: months[0].from, to: months[months.length - 1].to };
    const targets = await this.list();
    const all = await this.chuyenMuc.list();
    const visible = await this.access.visibleStations(who);
    const allStations = (await this.db.getRepository(Station).find({ select: { id: true, name: true, unitId: true } })).filter((s) => (!visible || visible.has(s.id)) && (!only || only.has(s.id)));
    const out = [];
    for (const target of targets) {
      const cm = all.find((c) => c.id === target.chuyenMucId);
      if (!cm) continue;
      const stationIds = (
        target.scope === 'station' ? [target.stationId!] : (await this.units.subtreeIds(target.unitId!).then((u) => allStations.filter((s) => u.includes(s.unitId)))).map((s) => s.id)
      ).filter((id) => (!visible || visible.has(id)) && (!only || only.has(id)));
      if ((visible || only) && !stationIds.length) continue;
      const lines = stationIds.length
        ? await this.db
            .getRepository(LogbookLine)
            .createQueryBuilder('l')
            .select(['l.stationId', 'l.plannedStart', 'l.programmeId', 'l.chuyenMuc'])
            .where('l.stationId IN (:...stationIds)', { stationIds })
            .andWhere('l.result IN (:...aired)', { aired: AIRED })
            .andWhere('l.plannedStart >= :from AND l.plannedStart < :to', { from: new Date(span.from).toISOString(), to: new Date(span.to).toISOString() })
            .getMany()
        : [];
      const linePrograms = lines.length ? await this.db.getRepository(Programme).findBy({ id: In([...new Set(lines.map((l) => l.programmeId))]) }) : [];
      const countsForTarget = (programmeId: string, chuyenMucName: string) =>
        linePrograms.find((p) => p.id === programmeId)?.chuyenMucId === cm.id || chuyenMucName.toLocaleLowerCase('vi') === cm.name.toLocaleLowerCase('vi');
      const ahead = await this.schedule.plannedAirings(stationIds, Math.max(now, span.from), span.to);
      const aheadPrograms = ahead.length ? await this.db.getRepository(Programme).findBy({ id: In([...new Set(ahead.map((a) => a.programmeId))]) }) : [];
      const aheadForTarget = ahead.filter((a) => {
        const p = aheadPrograms.find((x) => x.id === a.programmeId);
        return p && (p.chuyenMucId === cm.id || p.chuyenMuc.toLocaleLowerCase('vi') === cm.name.toLocaleLowerCase('vi'));
      });
      const stations = stationIds.map((stationId) => ({
        stationId,
        stationName: allStations.find((s) => s.id === stationId)?.name ?? '',
        months: months.map((mo) => {
          const aired = lines.filter((l) => l.stationId === stationId && inMonth(l.plannedStart, mo) && countsForTarget(l.programmeId, l.chuyenMuc)).length;
          const scheduled = aheadForTarget.filter((a) => a.stationId === stationId && a.at >= mo.from && a.at < mo.to).length;
          const status = judge(aired, scheduled, target.minPerMonth, mo.to, now);
          return { month: mo.month, aired, scheduled, status, label: STATUS_LABELS[status] };
        }),
      }));
      out.push({
        id: target.id,
        name: target.name,
        chuyenMuc: cm.name,
        scope: target.scope,
        minPerMonth: target.minPerMonth,
        months: months.map((mo, i) => {
          const status = stationIds.length ? worst(stations.map((s) => s.months[i].status)) : mo.to <= now ? 'missed' : 'at_risk';
          return { month: mo.month, status, label: STATUS_LABELS[status], stationsMet: stations.filter((s) => s.months[i].status === 'met').length, stations: stations.length };
        }),
        stations,
      });
    }
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), timeZone: zone, targets: out };
  }
}

function inMonth(instant: string, mo: { from: number; to: number }): boolean {
  const t = Date.parse(instant);
  return t >= mo.from && t < mo.to;
}
