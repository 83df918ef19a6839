import { rank, type Priority, type StartMode } from './resolve';

export interface Booking {
  slotId: string;
  stationId: string;
  start: number;
  end: number;
  priority: Priority;
  startMode: StartMode;
  /** The speaker clusters (cụm loa) of the station it plays on; absent or null: all of them. */
  clusters?: readonly string[] | null;
}

export interface Clash<B extends Booking> {
  stationId: string;
  mine: B;
  other: B;
}

/**
 * Can the rules order two overlapping airings on one station without a person deciding?
 * A different priority orders them. Within one priority, the later one must yield (soft or wait):
 * that is how the commune operator orders the upper station's priority item and their own.
 * Two at the same instant are ordered only when exactly one of them yields.
 */
export function orderable(a: Booking, b: Booking): boolean {
  if (rank(a.priority) !== rank(b.priority)) return true;
  const yields = (x: Booking) => x.startMode !== 'hard' && x.priority !== 'emergency';
  if (a.start === b.start) return yields(a) !== yields(b);
  const later = a.start > b.start ? a : b;
  return yields(later);
}

/** Half-open intervals [start, end) overlap when each starts before the other ends. */
export function overlapsMs(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/** Two airings aimed at different speaker clusters of a station play side by side; the whole station shares with every cluster. */
export function shareSpeakers(a: Pick<Booking, 'clusters'>, b: Pick<Booking, 'clusters'>): boolean {
  if (!a.clusters?.length || !b.clusters?.length) return true;
  return a.clusters.some((c) => b.clusters!.includes(c));
}

/** Every pair (one of `mine`, one of `others`) on the same station that overlaps on the same speakers and cannot be ordered. */
export function findClashes<B extends Booking>(mine: readonly B[], others: readonly B[]): Clash<B>[] {
  const byStation = new Map<string, B[]>();
  for (const o of others) {
    const list = byStation.get(o.stationId) ?? [];
    list.push(o);
    byStation.set(o.stationId, list);
  }
  const clashes: Clash<B>[] = [];
  for (const m of mine) {
    for (const o of byStation.get(m.stationId) ?? []) {
      if (o.slotId === m.slotId) continue;
      if (overlapsMs(m, o) && shareSpeakers(m, o) && !orderable(m, o)) clashes.push({ stationId: m.stationId, mine: m, other: o });
    }
  }
  return clashes.sort((a, b) => a.mine.start - b.mine.start || a.stationId.localeCompare(b.stationId));
}
