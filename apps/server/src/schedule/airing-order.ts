import { fromInstant, type Priority, type StartMode, toInstant } from '@loa/protocol';
import { overlapsMs, shareSpeakers } from '@loa/schedule';
import { occurrenceIdOf } from './snapshot';

/** What ordering needs of one airing on a station: plain data. */
export interface OrderedAiring {
  slotId: string;
  /** Its instant, after ordering. */
  startAt: string;
  durationMs: number;
  priority: Priority;
  startMode: StartMode;
  occurrenceId: string;
  clusterIds?: string[] | null;
}

export interface OrderRule {
  firstSlotId: string;
  firstAt: string;
  secondSlotId: string;
  secondAt: string;
}

const keyOf = (slotId: string, at: string) => `${slotId}@${at}`;

/**
 * A station's chosen orders applied to its airings: the airing put second starts when the one put first
 * ends (or at its own time, when that is later), and yields (soft) so that it still waits should the first
 * run late. It becomes the occurrence of its new instant, as a moved airing does. Orders whose airings are
 * not both there (declined, cancelled, past the window) change nothing. Chains (A before B before C) follow
 * from applying the orders in the order their first airings play.
 */
export function applyOrders<T extends OrderedAiring>(airings: readonly T[], orders: readonly OrderRule[]): T[] {
  if (!orders.length) return [...airings];
  const out = airings.map((a) => ({ ...a }));
  const byKey = new Map(out.map((a) => [keyOf(a.slotId, a.startAt), a]));
  const pending = orders.filter((o) => byKey.has(keyOf(o.firstSlotId, o.firstAt)) && byKey.has(keyOf(o.secondSlotId, o.secondAt)));
  const firstStart = (o: OrderRule) => fromInstant(byKey.get(keyOf(o.firstSlotId, o.firstAt))!.startAt);
  // Until nothing moves: an order applied earlier may have moved another order's first airing. Bounded,
  // so a circle of orders (which the service refuses anyway) cannot hang the look-ahead.
  for (let round = 0; round <= pending.length; round++) {
    let changed = false;
    for (const o of [...pending].sort((a, b) => firstStart(a) - firstStart(b))) {
      const first = byKey.get(keyOf(o.firstSlotId, o.firstAt))!;
      const second = byKey.get(keyOf(o.secondSlotId, o.secondAt))!;
      const at = toInstant(Math.max(fromInstant(o.secondAt), fromInstant(first.startAt) + first.durationMs));
      second.startMode = 'soft';
      if (second.startAt === at) continue;
      second.startAt = at;
      second.occurrenceId = occurrenceIdOf(second.slotId, at);
      changed = true;
    }
    if (!changed) break;
  }
  return out.sort((a, b) => a.startAt.localeCompare(b.startAt) || a.occurrenceId.localeCompare(b.occurrenceId));
}

/** Two priority (ưu tiên) airings on one station that overlap on the same speakers: the commune chooses their order. */
export function priorityClashes<T extends Omit<OrderedAiring, 'occurrenceId'>>(airings: readonly T[]): [T, T][] {
  const priority = airings.filter((a) => a.priority === 'priority').sort((a, b) => a.startAt.localeCompare(b.startAt));
  const span = (a: T) => ({ start: fromInstant(a.startAt), end: fromInstant(a.startAt) + a.durationMs });
  const out: [T, T][] = [];
  for (let i = 0; i < priority.length; i++) {
    for (let j = i + 1; j < priority.length; j++) {
      const [a, b] = [priority[i], priority[j]];
      if (span(b).start >= span(a).end) break;
      if (a.slotId !== b.slotId && overlapsMs(span(a), span(b)) && shareSpeakers({ clusters: a.clusterIds }, { clusters: b.clusterIds })) out.push([a, b]);
    }
  }
  return out;
}
