/**
 * What actually goes on air when programmes meet: the rules of the three priorities (Circular
 * 39/2020/TT-BTTTT) and of the slots' start modes. The agent applies `decide` at each instant; the
 * server's timeline runs the same `decide` over a period with `resolveTimeline`.
 */

export type Priority = 'normal' | 'priority' | 'emergency';
export type StartMode = 'hard' | 'soft' | 'wait';

const RANK: Record<Priority, number> = { normal: 0, priority: 1, emergency: 2 };

/** thông thường < ưu tiên < khẩn cấp */
export function rank(p: Priority): number {
  return RANK[p];
}

export interface Playable {
  occurrenceId: string;
  /** Planned start, epoch ms. */
  start: number;
  durationMs: number;
  priority: Priority;
  /** hard: at the instant, cutting what plays; soft: after what plays; wait: after it, but cut after waitMs. */
  startMode: StartMode;
  waitMs: number;
}

export interface OnAirNow {
  occurrenceId: string;
  priority: Priority;
  /** When it went on air and when it will leave it, epoch ms. */
  startedAt: number;
  endsAt: number;
}

/** Orders waiting items: highest priority first, then the one due earliest, then by id for a stable answer. */
export function queueOrder(a: Playable, b: Playable): number {
  return RANK[b.priority] - RANK[a.priority] || a.start - b.start || (a.occurrenceId < b.occurrenceId ? -1 : a.occurrenceId > b.occurrenceId ? 1 : 0);
}

/**
 * May `item` take the air from what plays? Never from a higher priority. From an equal one only when that
 * one was already on air at the item's instant: an item queued behind another on purpose does not cut it.
 */
export function mayCut(item: Playable, playing: OnAirNow): boolean {
  const d = RANK[item.priority] - RANK[playing.priority];
  return d > 0 || (d === 0 && playing.startedAt < item.start);
}

/** Does `item` want to cut now, rather than wait for what plays to end? Emergencies always do. */
export function wantsCut(item: Playable, now: number): boolean {
  if (item.priority === 'emergency') return true;
  switch (item.startMode) {
    case 'hard':
      return true;
    case 'soft':
      return false;
    case 'wait':
      return now >= item.start + item.waitMs;
  }
}

export interface Decision<T extends Playable> {
  /** What to put on air now; `cut` when it takes the air from what plays. */
  start: { item: T; cut: boolean } | null;
  /** Due but left waiting for the output. */
  waiting: T[];
  /** Too late to play: never started within their own duration (or late grace, if never queued). */
  missed: { item: T; busy: boolean }[];
  /** The next instant a waiting item may decide to cut (a `wait` deadline), if any. */
  wakeAt: number | null;
}

/**
 * One decision at `now` over the items that are due (start ≤ now, not yet started).
 * `queued` holds those that were already waiting for the output: they may start late, within their duration;
 * others count as missed once `lateGraceMs` has passed.
 */
export function decide<T extends Playable>(due: readonly T[], playing: OnAirNow | null, now: number, queued: ReadonlySet<string>, lateGraceMs: number): Decision<T> {
  const out: Decision<T> = { start: null, waiting: [], missed: [], wakeAt: null };
  const live: T[] = [];
  for (const item of due) {
    const waited = queued.has(item.occurrenceId);
    if (waited ? now >= item.start + item.durationMs : now > item.start + lateGraceMs) out.missed.push({ item, busy: waited });
    else live.push(item);
  }
  live.sort(queueOrder);
  const busy = playing !== null && playing.endsAt > now;
  if (!busy) {
    if (live.length) out.start = { item: live[0], cut: false };
    out.waiting = live.slice(1);
    return out;
  }
  const cutter = live.find((i) => mayCut(i, playing) && wantsCut(i, now));
  if (cutter) out.start = { item: cutter, cut: true };
  out.waiting = live.filter((i) => i !== cutter);
  for (const i of out.waiting) {
    if (i.priority !== 'emergency' && i.startMode === 'wait' && mayCut(i, playing) && now < i.start + i.waitMs) {
      const at = i.start + i.waitMs;
      out.wakeAt = out.wakeAt === null ? at : Math.min(out.wakeAt, at);
    }
  }
  return out;
}

export type Outcome = 'complete' | 'cut' | 'missed';

export interface Resolved<T extends Playable> {
  item: T;
  outcome: Outcome;
  /** On air from `startAt` to `endAt` (epoch ms); both null for a missed item. */
  startAt: number | null;
  endAt: number | null;
  /** Actual minus planned start. */
  delayMs: number | null;
  /** The occurrence that cut it, for `cut`. */
  cutBy: string | null;
}

/**
 * The resolved timeline: what will play, in order, when everything plays for its full duration and the
 * station is up. Runs `decide` at every instant where something starts, ends or stops waiting.
 */
export function resolveTimeline<T extends Playable>(items: readonly T[]): Resolved<T>[] {
  const pending = [...items].sort((a, b) => a.start - b.start || queueOrder(a, b));
  const out: Resolved<T>[] = [];
  const queued = new Set<string>();
  let due: T[] = [];
  let playing: { item: T; startedAt: number; endsAt: number; entry: Resolved<T> } | null = null;
  let wakeAt: number | null = null;
  let i = 0;
  let guard = 0;
  while (i < pending.length || due.length || playing) {
    if (++guard > 10 * (items.length + 1) * (items.length + 1) + 100) throw new Error('timeline did not settle');
    const candidates = [i < pending.length ? pending[i].start : Infinity, playing ? playing.endsAt : Infinity, wakeAt ?? Infinity];
    const now = Math.min(...candidates);
    // A free output always starts the first waiting item, so nothing can be left waiting with no next instant.
    if (now === Infinity) break;
    if (playing && playing.endsAt <= now) playing = null;
    while (i < pending.length && pending[i].start <= now) due.push(pending[i++]);
    const onAir: OnAirNow | null = playing
      ? { occurrenceId: playing.item.occurrenceId, priority: playing.item.priority, startedAt: playing.startedAt, endsAt: playing.endsAt }
      : null;
    const d: Decision<T> = decide(due, onAir, now, queued, 0);
    for (const m of d.missed) out.push({ item: m.item, outcome: 'missed', startAt: null, endAt: null, delayMs: null, cutBy: null });
    if (d.start) {
      const { item, cut } = d.start;
      if (cut && playing) {
        playing.entry.outcome = 'cut';
        playing.entry.endAt = now;
        playing.entry.cutBy = item.occurrenceId;
      }
      const entry: Resolved<T> = { item, outcome: 'complete', startAt: now, endAt: now + item.durationMs, delayMs: now - item.start, cutBy: null };
      out.push(entry);
      playing = { item, startedAt: now, endsAt: now + item.durationMs, entry };
      queued.delete(item.occurrenceId);
    }
    due = d.waiting;
    for (const w of due) queued.add(w.occurrenceId);
    wakeAt = d.wakeAt;
  }
  return out.sort((a, b) => (a.startAt ?? a.item.start) - (b.startAt ?? b.item.start) || queueOrder(a.item, b.item));
}
