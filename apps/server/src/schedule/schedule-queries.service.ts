import { Inject, Injectable } from '@nestjs/common';
import { fromInstant, type Priority, type ScheduleSnapshot, type SlotSource, toInstant } from '@loa/protocol';
import { resolveTimeline, type Playable } from '@loa/schedule';
import { ownStationsOf, reachOf, type Actor } from '../access/access-policy';
import { Clock } from '../common/clock';
import { Batched } from '../common/batched';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { languagesOf, StationsService } from '../stations/stations.service';
import { inPreferredLanguages } from './language-choice';
import { airingsOf, Expansions } from './expand';
import { SNAPSHOT_LOOKBACK_MS } from './look-ahead.service';
import { ScheduleRepository } from './schedule.repository';
import { applyOrders } from './airing-order';
import { buildSnapshot, instantOfOccurrence, occurrenceIdOf, type AiringRow } from './snapshot';
import type { Slot, SlotStatus } from './slot.entity';
import { resolveTargets } from './targets';
import { HolidaysService } from '../holidays/holidays.service';

export interface SlotFilter {
  stationId?: string;
  from?: string;
  to?: string;
  status?: SlotStatus;
}

export const STATUS_LABELS: Record<SlotStatus, string> = {
  draft: 'Bản nháp',
  submitted: 'Chờ duyệt',
  approved: 'Đã duyệt',
  rejected: 'Bị từ chối',
  cancelled: 'Đã huỷ',
};

export interface PlannedAiring {
  stationId: string;
  slotId: string;
  programmeId: string;
  at: number;
  durationMs: number;
  priority: Priority;
  source: SlotSource;
}

const MAX_TIMELINE_MS = 62 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600_000;
/** Stations per snapshot batch: their airings come in one statement, a week of a few hundred stations. */
const SNAPSHOTS_PER_BATCH = 200;
/** How long a snapshot asked alone waits for others to share its statements. */
const SNAPSHOT_GATHER_MS = 20;

/** Reading the schedule: slots, what airs where and when, and what each agent should hold. */
@Injectable()
export class ScheduleQueries {
  constructor(
    private readonly store: ScheduleRepository,
    @Inject(AppConfig) private readonly config: Pick<AppConfig, 'scheduleWindowMs'>,
    private readonly clock: Clock,
    @Inject(StationsService) private readonly stations: Pick<StationsService, 'get' | 'byIds'>,
    @Inject(HolidaysService) private readonly days: Pick<HolidaysService, 'rulesFor'>,
  ) {}

  async describe(id: string) {
    const slot = await this.store.slot(id);
    if (!slot) throw new LoaError('not_found', 'Không tìm thấy lịch phát này.');
    const [targets, history, overrides, world] = await Promise.all([this.store.targetsOf([id]), this.store.actionsOf([id]), this.store.overridesOf([id]), this.store.world()]);
    const stationIds = [...resolveTargets(targets, world).keys()];
    return { ...slot, statusLabel: STATUS_LABELS[slot.status], targets: targets.map((t) => ({ kind: t.kind, id: t.refId })), stationIds, overrides, history };
  }

  /** Slots matching the filter; for an actor bound to a unit, only those airing on one of its stations. */
  async list(filter: SlotFilter, actor: Actor = null) {
    const slots = await this.store.findSlots({ from: filter.from, to: filter.to, status: filter.status, limit: 1000 });
    const [targets, world] = await Promise.all([this.store.targetsOf(slots.map((s) => s.id)), this.store.world()]);
    const own = ownStationsOf(reachOf(actor, world.units), world.stations);
    return slots
      .map((s) => {
        const mine = targets.filter((t) => t.slotId === s.id);
        return { ...s, targets: mine.map((t) => ({ kind: t.kind, id: t.refId })), stationIds: [...resolveTargets(mine, world).keys()] };
      })
      .filter((s) => !filter.stationId || s.stationIds.includes(filter.stationId))
      .filter((s) => own === 'all' || s.stationIds.some((id) => own.has(id)));
  }

  /** The author's own slots, with where each stands and, when rejected, why. */
  async mine(actor: Actor) {
    if (!actor) return [];
    const slots = await this.store.slotsCreatedBy(actor.userId, 500);
    const history = await this.store.actionsOf(slots.map((s) => s.id));
    return slots.map((s) => ({
      id: s.id,
      programmeId: s.programmeId,
      startAt: s.startAt,
      rule: s.rule,
      status: s.status,
      statusLabel: STATUS_LABELS[s.status],
      rejectionReason: s.rejectionReason,
      history: history.filter((h) => h.slotId === s.id).map((h) => ({ action: h.action, by: h.username, at: h.at, note: h.note })),
    }));
  }

  /**
   * What will actually play on the station in [from, to), in order, after priorities and start modes:
   * the same resolution the agent applies.
   */
  async timeline(stationId: string, fromIso: string, toIso: string) {
    const station = await this.stations.get(stationId);
    const from = fromInstant(fromIso);
    const to = fromInstant(toIso);
    if (!(to > from)) throw new LoaError('validation_failed', 'Khoảng thời gian không hợp lệ: "to" phải sau "from".');
    if (to - from > MAX_TIMELINE_MS) throw new LoaError('validation_failed', 'Chỉ xem được tối đa 62 ngày một lần.');
    const slots = await this.store.liveSlots(['approved'], from - DAY_MS, to);
    const slotIds = slots.map((s) => s.id);
    const [world, targets, overrides, programmes] = await Promise.all([
      this.store.world(),
      this.store.targetsOf(slotIds),
      this.store.overridesOf(slotIds),
      this.store.programmes(slots.map((s) => s.programmeId)),
    ]);
    type Entry = Playable & { slot: Slot };
    const items: Entry[] = [];
    const expansions = new Expansions(await this.days.rulesFor(from, to, slots));
    for (const slot of slots) {
      if (!resolveTargets(targets.filter((t) => t.slotId === slot.id), world).has(stationId)) continue;
      for (const at of expansions.airingsOf(slot, overrides, stationId, from - slot.durationMs, to)) {
        items.push({ occurrenceId: occurrenceIdOf(slot.id, toInstant(at)), start: at, durationMs: slot.durationMs, priority: slot.priority, startMode: slot.startMode, waitMs: slot.waitMs, slot });
      }
    }
    // The order the station chose for its clashing priority airings, as its agent gets it.
    const ordered = applyOrders(
      items.map((i) => ({ ...i, slotId: i.slot.id, startAt: toInstant(i.start) })),
      await this.store.ordersOf([stationId]),
    ).map((i) => ({ ...i, start: fromInstant(i.startAt) }));
    const resolved = resolveTimeline(ordered).filter((r) => (r.startAt ?? r.item.start) < to && (r.endAt ?? r.item.start + 1) > from);
    return {
      stationId,
      stationName: station.name,
      from: toInstant(from),
      to: toInstant(to),
      items: resolved.map((r) => ({
        occurrenceId: r.item.occurrenceId,
        slotId: r.item.slot.id,
        programmeId: r.item.slot.programmeId,
        title: programmes.find((p) => p.id === r.item.slot.programmeId)?.title ?? '',
        priority: r.item.priority,
        source: r.item.slot.source,
        startMode: r.item.startMode,
        plannedAt: toInstant(r.item.start),
        startAt: r.startAt === null ? null : toInstant(r.startAt),
        endAt: r.endAt === null ? null : toInstant(r.endAt),
        outcome: r.outcome,
        cutBy: r.cutBy,
        delayMs: r.delayMs,
      })),
    };
  }

  /** Approved airings on these stations that start in [from, to), with their programme. */
  async plannedAirings(stationIds: readonly string[], from: number, to: number): Promise<PlannedAiring[]> {
    const slots = await this.store.liveSlots(['approved'], from - DAY_MS, to);
    if (!slots.length || !stationIds.length) return [];
    const slotIds = slots.map((s) => s.id);
    const [world, targets, overrides] = await Promise.all([this.store.world(), this.store.targetsOf(slotIds), this.store.overridesOf(slotIds)]);
    const out: PlannedAiring[] = [];
    const expansions = new Expansions(await this.days.rulesFor(from, to, slots));
    for (const slot of slots) {
      const map = resolveTargets(targets.filter((t) => t.slotId === slot.id), world);
      for (const stationId of stationIds) {
        if (!map.has(stationId)) continue;
        for (const at of expansions.airingsOf(slot, overrides, stationId, from, to)) {
          out.push({ stationId, slotId: slot.id, programmeId: slot.programmeId, at, durationMs: slot.durationMs, priority: slot.priority, source: slot.source });
        }
      }
    }
    return out;
  }

  /**
   * What the station's agent should hold now. Agents that ask together (a reconnect storm, a schedule change
   * for thousands of stations) are answered together: a few statements per few hundred stations.
   */
  async snapshotFor(stationId: string): Promise<ScheduleSnapshot> {
    const snapshot = await this.snapshots.get(stationId);
    if (!snapshot) throw new LoaError('not_found', 'Không tìm thấy trạm này.');
    return snapshot;
  }

  private readonly snapshots = new Batched<string, ScheduleSnapshot>((ids) => this.snapshotsOf(ids), SNAPSHOTS_PER_BATCH, SNAPSHOT_GATHER_MS);

  private async snapshotsOf(stationIds: readonly string[]): Promise<Map<string, ScheduleSnapshot>> {
    const stations = await this.stations.byIds(stationIds);
    const now = this.clock.now();
    const from = toInstant(now - SNAPSHOT_LOOKBACK_MS);
    const to = toInstant(now + this.config.scheduleWindowMs);
    const rows = await this.store.snapshotRows(stations.map((s) => s.id), from, to);
    const byStation = new Map<string, AiringRow[]>();
    for (const r of rows) {
      const list = byStation.get(r.stationId);
      if (list) list.push(r);
      else byStation.set(r.stationId, [r]);
    }
    // Each programme airs in the version the station prefers: the agent is sent that version's file.
    const preferring = stations.filter((s) => languagesOf(s).length);
    const programmeIds = new Set(preferring.flatMap((s) => (byStation.get(s.id) ?? []).map((r) => r.programmeId)));
    const versions = programmeIds.size ? await this.store.versionMedia([...programmeIds]) : [];
    const window = { from, to, now: toInstant(now) };
    return new Map(stations.map((s) => [s.id, buildSnapshot(s.id, s.scheduleVersion, inPreferredLanguages(byStation.get(s.id) ?? [], languagesOf(s), versions), window)]));
  }

  /**
   * The slot and programme behind one occurrence on one station, or null if it is not theirs.
   * `within`: the transaction of the caller, when it reads inside one.
   */
  async occurrence(stationId: string, slotId: string, occurrenceId: string, within?: object) {
    const store = within ? this.store.joining(within) : this.store;
    const at = instantOfOccurrence(occurrenceId);
    if (at === null || occurrenceIdOf(slotId, at) !== occurrenceId) return null;
    const slot = await store.slot(slotId);
    if (!slot || slot.status === 'draft' || slot.status === 'rejected') return null;
    if (!(await store.hasAiring(stationId, occurrenceId, slotId))) {
      // Older than what is kept materialised, or from a slot edited since: check against the rule itself.
      const [world, targets] = await store.reads(() => store.world(), () => store.targetsOf([slotId]));
      if (!resolveTargets(targets, world).has(stationId)) return null;
      const t = fromInstant(at);
      if (!airingsOf(slot, await store.overridesOf([slotId]), stationId, t, t + 1).includes(t)) return null;
    }
    const programme = await store.programme(slot.programmeId);
    if (!programme) throw new LoaError('not_found', 'Không tìm thấy chương trình này.');
    return { slot, programme, startAt: at };
  }
}
