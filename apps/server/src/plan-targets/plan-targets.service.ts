import { Inject, Injectable } from '@nestjs/common';
import { AccessPolicy, subtreeOf } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { ChuyenMucService } from '../programmes/chuyen-muc.service';
import { ScheduleQueries } from '../schedule/schedule-queries.service';
import { occurrenceIdOf } from '../schedule/snapshot';
import { StationsService } from '../stations/stations.service';
import { UnitsService } from '../units/units.service';
import { judge, monthsBetween, STATUS_LABELS, worst } from './compliance';
import { PlanTargetsRepository } from './plan-targets.repository';
import { countTargets, type TargetRule } from './target-count';
import { fromInstant, toInstant } from '@loa/protocol';

export interface NewPlanTarget {
  name: string;
  chuyenMucId: string;
  scope: 'station' | 'each_station';
  stationId?: string;
  unitId?: string;
  minPerMonth: number;
}

const MAX_PERIOD_MS = 400 * 24 * 3600_000;

@Injectable()
export class PlanTargetsService {
  constructor(
    private readonly store: PlanTargetsRepository,
    @Inject(AppConfig) private readonly config: Pick<AppConfig, 'timezone'>,
    private readonly clock: Clock,
    @Inject(ChuyenMucService) private readonly chuyenMuc: Pick<ChuyenMucService, 'get' | 'list'>,
    @Inject(StationsService) private readonly stations: Pick<StationsService, 'get'>,
    @Inject(UnitsService) private readonly units: Pick<UnitsService, 'get'>,
    @Inject(ScheduleQueries) private readonly schedule: Pick<ScheduleQueries, 'plannedAirings'>,
    @Inject(AccessPolicy) private readonly access: Pick<AccessPolicy, 'visibleUnitsWithAncestors' | 'visibleStations' | 'requireStation' | 'requireUnit'>,
  ) {}

  /** A target is set on a station or a unit; only someone who reaches that place sets or changes it. */
  async create(input: NewPlanTarget, userId: string | null, who?: Principal) {
    await this.chuyenMuc.get(input.chuyenMucId);
    if (input.scope === 'station') {
      if (!input.stationId || input.unitId) throw new LoaError('validation_failed', 'Chỉ tiêu cho một trạm cần stationId (và không có unitId).', { field: 'stationId' });
      await this.stations.get(input.stationId);
      if (who) await this.access.requireStation(who, input.stationId, 'write');
    } else {
      if (!input.unitId || input.stationId) throw new LoaError('validation_failed', 'Chỉ tiêu cho từng trạm của đơn vị cần unitId (và không có stationId).', { field: 'unitId' });
      await this.units.get(input.unitId);
      if (who) await this.access.requireUnit(who, input.unitId, 'write');
    }
    return this.store.insert({
      name: input.name.trim(),
      chuyenMucId: input.chuyenMucId,
      scope: input.scope,
      stationId: input.stationId ?? null,
      unitId: input.unitId ?? null,
      minPerMonth: input.minPerMonth,
      createdBy: userId,
      createdAt: this.clock.nowInstant(),
    });
  }

  /** A new name or monthly minimum; what it is set on and for which chuyên mục stay (a different target is a new one). */
  async update(id: string, change: { name?: string; minPerMonth?: number }, who: Principal) {
    const target = await this.store.get(id);
    if (!target) throw new LoaError('not_found', 'Không tìm thấy chỉ tiêu này.');
    if (target.stationId) await this.access.requireStation(who, target.stationId, 'write');
    if (target.unitId) await this.access.requireUnit(who, target.unitId, 'write');
    const next = { ...(change.name !== undefined ? { name: change.name.trim() } : {}), ...(change.minPerMonth !== undefined ? { minPerMonth: change.minPerMonth } : {}) };
    if (Object.keys(next).length) await this.store.update(id, next);
    return { ...target, ...next };
  }

  /**
   * Every target, or for `who` bound to a unit: those set on its subtree and on the units above it
   * (targets set upstream apply to it), never a sibling's.
   */
  async list(who?: Principal) {
    const all = await this.store.all();
    const visible = who ? await this.access.visibleUnitsWithAncestors(who) : undefined;
    if (!visible) return all;
    const stationUnits = all.some((t) => t.stationId) ? new Map((await this.store.stations()).map((s) => [s.id, s.unitId])) : new Map<string, string>();
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
    const from = fromInstant(fromIso);
    const to = fromInstant(toIso);
    if (!(to > from) || to - from > MAX_PERIOD_MS) throw new LoaError('validation_failed', 'Khoảng thời gian không hợp lệ (tối đa khoảng một năm).');
    const now = this.clock.now();
    const zone = this.config.timezone;
    const months = monthsBetween(from, to, zone);
    const span = { from: months[0].from, to: months[months.length - 1].to };
    const [targets, chuyenMuc, visible, stationRows, units] = await Promise.all([this.list(), this.chuyenMuc.list(), this.access.visibleStations(who), this.store.stations(), this.store.units()]);
    const inView = (id: string) => (!visible || visible.has(id)) && (!only || only.has(id));
    const allStations = stationRows.filter((s) => inView(s.id));
    const names = new Map(chuyenMuc.map((c) => [c.id, c.name]));
    // Each target with the stations it is counted on; then everything they need is read once, for all of them.
    const rules: (TargetRule & { target: (typeof targets)[number] })[] = [];
    for (const target of targets) {
      const name = names.get(target.chuyenMucId);
      if (name === undefined) continue;
      const stationIds = (target.scope === 'station' ? [target.stationId!] : stationsUnder(target.unitId!, units, allStations)).filter(inView);
      if ((visible || only) && !stationIds.length) continue;
      rules.push({ id: target.id, chuyenMucId: target.chuyenMucId, chuyenMuc: name, stationIds, target });
    }
    const counted = [...new Set(rules.flatMap((r) => r.stationIds))];
    const [lines, ahead] = counted.length
      ? await Promise.all([this.store.airedLines(counted, toInstant(span.from), toInstant(span.to)), this.schedule.plannedAirings(counted, Math.max(now, span.from), span.to)])
      : [[], []];
    const filed = new Map((await this.store.filings(ahead.map((a) => a.programmeId))).map((p) => [p.id, p]));
    const monthOf = (t: number) => months.findIndex((mo) => t >= mo.from && t < mo.to);
    const counts = countTargets(
      rules,
      months.length,
      lines,
      (l) => monthOf(fromInstant(l.plannedStart)),
      ahead.map((a) => ({ ...a, occurrenceId: occurrenceIdOf(a.slotId, toInstant(a.at)), chuyenMucId: filed.get(a.programmeId)?.chuyenMucId, chuyenMuc: filed.get(a.programmeId)?.chuyenMuc })),
      (a) => monthOf(a.at),
    );
    const out = rules.map(({ target, chuyenMuc: name, stationIds }) => {
      const stations = stationIds.map((stationId) => {
        const { aired, scheduled } = counts.get(target.id)!.get(stationId)!;
        return {
          stationId,
          stationName: allStations.find((s) => s.id === stationId)?.name ?? '',
          months: months.map((mo, i) => {
            const status = judge(aired[i], scheduled[i], target.minPerMonth, mo.to, now);
            return { month: mo.month, aired: aired[i], scheduled: scheduled[i], status, label: STATUS_LABELS[status] };
          }),
        };
      });
      return {
        id: target.id,
        name: target.name,
        chuyenMuc: name,
        scope: target.scope,
        minPerMonth: target.minPerMonth,
        months: months.map((mo, i) => {
          const status = stationIds.length ? worst(stations.map((s) => s.months[i].status)) : mo.to <= now ? 'missed' : 'at_risk';
          return { month: mo.month, status, label: STATUS_LABELS[status], stationsMet: stations.filter((s) => s.months[i].status === 'met').length, stations: stations.length };
        }),
        stations,
      };
    });
    return { from: toInstant(from), to: toInstant(to), timeZone: zone, targets: out };
  }
}

/** The stations (of those given) in the unit's subtree. */
function stationsUnder(unitId: string, units: Parameters<typeof subtreeOf>[0], stations: readonly { id: string; unitId: string }[]): string[] {
  const subtree = new Set(subtreeOf(units, unitId));
  return stations.filter((s) => subtree.has(s.unitId)).map((s) => s.id);
}
