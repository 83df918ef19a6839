import { findClashes, type Booking } from '@loa/schedule';
import { LoaError } from '../common/errors';
import { applyOrders } from './airing-order';
import type { AiringOrder } from './airing-order.entity';
import { Expansions } from './expand';
import type { ScheduleRepository } from './schedule.repository';
import type { Slot, SlotOverride, SlotStatus } from './slot.entity';
import { occurrenceIdOf } from './snapshot';
import { resolveTargets } from './targets';
import { fromInstant, toInstant } from '@loa/protocol';

/** How far ahead a recurring slot is checked for clashes. */
const CONFLICT_HORIZON_MS = 400 * 24 * 3600 * 1000;
const MAX_CLASHES = 50;
const ACTIVE: SlotStatus[] = ['submitted', 'approved'];
const DAY_MS = 24 * 3600_000;

/** A slot being checked: a new one has no id yet. */
export type CheckedSlot = Omit<Slot, 'id'> & { id?: string };

/**
 * Refuses (409) when an airing of `slot` overlaps another submitted or approved slot's airing on one
 * station and the rules cannot order them. Stores nothing; the caller's transaction rolls back.
 */
export async function refuseClashes(
  store: ScheduleRepository,
  now: number,
  slot: CheckedSlot,
  stationMap: Map<string, string[] | null>,
  overrides: readonly SlotOverride[],
  range?: { from: number; to: number },
): Promise<void> {
  const from = range?.from ?? Math.max(now, fromInstant(slot.startAt));
  const to = range?.to ?? Math.min(fromInstant(slot.endAt), from + CONFLICT_HORIZON_MS);
  if (to <= from) return;
  const others = (await store.liveSlots(ACTIVE, from - DAY_MS, to + DAY_MS)).filter((s) => s.id !== slot.id);
  if (!others.length) return;
  const [world, targets, otherOverrides, orders] = await store.reads(
    () => store.world(),
    () => store.targetsOf(others.map((s) => s.id)),
    () => store.overridesOf(others.map((s) => s.id)),
    () => store.ordersOf([...stationMap.keys()]),
  );
  let mine: Booking[] = [];
  let theirs: Booking[] = [];
  const stationIds = [...stationMap.keys()];
  const maxOther = Math.max(0, ...others.map((o) => o.durationMs));
  const expansions = new Expansions();
  const self = { ...slot, id: slot.id ?? 'new' };
  for (const stationId of stationIds) {
    for (const at of expansions.airingsOf(self, overrides, stationId, from, to)) {
      mine.push({ slotId: self.id, stationId, start: at, end: at + slot.durationMs, priority: slot.priority, startMode: slot.startMode, clusters: stationMap.get(stationId) ?? null });
    }
  }
  if (!mine.length) return;
  // An airing an order moved into the window may have started before it, after the airing it waits for:
  // those first airings are read too (an order's pair overlaps, so a chain stays within the day).
  const orderedFrom = Math.min(
    from - maxOther,
    ...orders.filter((o) => fromInstant(o.secondAt) >= from - DAY_MS && fromInstant(o.secondAt) < to + slot.durationMs).map((o) => fromInstant(o.firstAt)),
  );
  for (const other of others) {
    const map = resolveTargets(targets.filter((t) => t.slotId === other.id), world);
    for (const stationId of stationIds) {
      if (!map.has(stationId)) continue;
      for (const at of expansions.airingsOf(other, otherOverrides, stationId, orderedFrom, to + slot.durationMs)) {
        theirs.push({ slotId: other.id, stationId, start: at, end: at + other.durationMs, priority: other.priority, startMode: other.startMode, clusters: map.get(stationId) ?? null });
      }
    }
  }
  if (orders.length) [mine, theirs] = ordered(mine, theirs, orders);
  const clashes = findClashes(mine, theirs).slice(0, MAX_CLASHES);
  if (!clashes.length) return;
  const [stations, programmes] = await store.reads(
    () => store.stationNames([...new Set(clashes.map((c) => c.stationId))]),
    () => store.programmes(others.map((o) => o.programmeId)),
  );
  throw new LoaError('conflict', 'Lịch phát bị trùng với chương trình khác trên cùng trạm mà không thể tự sắp thứ tự (cùng mức ưu tiên, chương trình sau không nhường).', {
    clashes: clashes.map((c) => {
      const other = others.find((o) => o.id === c.other.slotId)!;
      return {
        stationId: c.stationId,
        stationName: stations.find((s) => s.id === c.stationId)?.name ?? '',
        /** The airing of the new or changed slot that clashes. */
        airingAt: toInstant(c.mine.start),
        airingEndAt: toInstant(c.mine.end),
        /** The other slot and its airing. */
        slotId: other.id,
        title: programmes.find((p) => p.id === other.programmeId)?.title ?? '',
        startAt: toInstant(c.other.start),
        endAt: toInstant(c.other.end),
        priority: other.priority,
        status: other.status,
      };
    }),
  });
}

/**
 * The airings where the stations' chosen orders put them (the second of a pair waits for the first), as
 * the agents will play them: a new slot must not overlap an airing that an order moved into its way.
 */
function ordered(mine: readonly Booking[], theirs: readonly Booking[], orders: readonly AiringOrder[]): [Booking[], Booking[]] {
  const asAiring = (b: Booking, own: boolean) => ({
    slotId: b.slotId,
    startAt: toInstant(b.start),
    durationMs: b.end - b.start,
    priority: b.priority,
    startMode: b.startMode,
    occurrenceId: occurrenceIdOf(b.slotId, toInstant(b.start)),
    clusterIds: b.clusters ? [...b.clusters] : null,
    stationId: b.stationId,
    own,
  });
  const outMine: Booking[] = [];
  const outTheirs: Booking[] = [];
  for (const stationId of new Set([...mine, ...theirs].map((b) => b.stationId))) {
    const here = orders.filter((o) => o.stationId === stationId);
    const airings = [...mine.filter((b) => b.stationId === stationId).map((b) => asAiring(b, true)), ...theirs.filter((b) => b.stationId === stationId).map((b) => asAiring(b, false))];
    for (const a of here.length ? applyOrders(airings, here) : airings) {
      const start = fromInstant(a.startAt);
      const booking: Booking = { slotId: a.slotId, stationId, start, end: start + a.durationMs, priority: a.priority, startMode: a.startMode, clusters: a.clusterIds };
      (a.own ? outMine : outTheirs).push(booking);
    }
  }
  return [outMine, outTheirs];
}
