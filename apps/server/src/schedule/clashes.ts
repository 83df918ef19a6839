import { findClashes, type Booking } from '@loa/schedule';
import { LoaError } from '../common/errors';
import { Expansions } from './expand';
import type { ScheduleRepository } from './schedule.repository';
import type { Slot, SlotOverride, SlotStatus } from './slot.entity';
import { resolveTargets } from './targets';

/** How far ahead a recurring slot is checked for clashes. */
const CONFLICT_HORIZON_MS = 400 * 24 * 3600 * 1000;
const MAX_CLASHES = 50;
const ACTIVE: SlotStatus[] = ['submitted', 'approved'];
const DAY_MS = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();

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
  const from = range?.from ?? Math.max(now, Date.parse(slot.startAt));
  const to = range?.to ?? Math.min(Date.parse(slot.endAt), from + CONFLICT_HORIZON_MS);
  if (to <= from) return;
  const others = (await store.liveSlots(ACTIVE, from - DAY_MS, to + DAY_MS)).filter((s) => s.id !== slot.id);
  if (!others.length) return;
  const [world, targets, otherOverrides] = await Promise.all([store.world(), store.targetsOf(others.map((s) => s.id)), store.overridesOf(others.map((s) => s.id))]);
  const mine: Booking[] = [];
  const theirs: Booking[] = [];
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
  for (const other of others) {
    const map = resolveTargets(targets.filter((t) => t.slotId === other.id), world);
    for (const stationId of stationIds) {
      if (!map.has(stationId)) continue;
      for (const at of expansions.airingsOf(other, otherOverrides, stationId, from - maxOther, to + slot.durationMs)) {
        theirs.push({ slotId: other.id, stationId, start: at, end: at + other.durationMs, priority: other.priority, startMode: other.startMode, clusters: map.get(stationId) ?? null });
      }
    }
  }
  const clashes = findClashes(mine, theirs).slice(0, MAX_CLASHES);
  if (!clashes.length) return;
  const [stations, programmes] = await Promise.all([store.stationNames([...new Set(clashes.map((c) => c.stationId))]), store.programmes(others.map((o) => o.programmeId))]);
  throw new LoaError('conflict', 'Lịch phát bị trùng với chương trình khác trên cùng trạm mà không thể tự sắp thứ tự (cùng mức ưu tiên, chương trình sau không nhường).', {
    clashes: clashes.map((c) => {
      const other = others.find((o) => o.id === c.other.slotId)!;
      return {
        stationId: c.stationId,
        stationName: stations.find((s) => s.id === c.stationId)?.name ?? '',
        /** The airing of the new or changed slot that clashes. */
        airingAt: iso(c.mine.start),
        airingEndAt: iso(c.mine.end),
        /** The other slot and its airing. */
        slotId: other.id,
        title: programmes.find((p) => p.id === other.programmeId)?.title ?? '',
        startAt: iso(c.other.start),
        endAt: iso(c.other.end),
        priority: other.priority,
        status: other.status,
      };
    }),
  });
}
