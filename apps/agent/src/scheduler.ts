import type { Priority, ScheduleItem } from '@loa/protocol';
import type { PlayStateKind } from './store';

const RANK: Record<Priority, number> = { normal: 0, priority: 1, emergency: 2 };

export function priorityRank(p: Priority): number {
  return RANK[p];
}

export interface PlayingNow {
  occurrenceId: string;
  priority: Priority;
  /** Server time when the programme is expected to leave the air. */
  endsAt: number;
}

export interface PlanInput {
  items: readonly ScheduleItem[];
  /** Occurrences already started, done, or deliberately skipped; never started again. */
  states: ReadonlyMap<string, PlayStateKind>;
  /** Server time, epoch ms. */
  now: number;
  lateGraceMs: number;
  prepareLeadMs: number;
  playing: PlayingNow | null;
  /** Occurrences whose instant came while the output was busy: they may start late, within their duration. */
  deferred: ReadonlySet<string>;
  /** Items older than this are neither played nor reported: they lie outside anything the server asks about. */
  missedHorizonMs: number;
}

export type StartMode = 'on_time' | 'late' | 'after_busy' | 'preempt';

export interface Plan {
  /** Never started and now too late: report `failed` / `missed`. */
  missed: { item: ScheduleItem; busy: boolean }[];
  /** What to put on air now (or at the instant, when planned ahead). */
  startNow: { item: ScheduleItem; mode: StartMode } | null;
  /** Due, but the output is busy with something of equal or higher priority: start after it. */
  defer: ScheduleItem[];
  /** The earliest item still in the future. */
  next: ScheduleItem | null;
  /** Future items close enough to be prepared now. */
  prepare: ScheduleItem[];
}

function byStart(a: ScheduleItem, b: ScheduleItem): number {
  const d = Date.parse(a.startAt) - Date.parse(b.startAt);
  if (d !== 0) return d;
  const p = RANK[b.priority] - RANK[a.priority];
  return p !== 0 ? p : a.occurrenceId < b.occurrenceId ? -1 : a.occurrenceId > b.occurrenceId ? 1 : 0;
}

/**
 * Decides what should be on air at `now`. Pure: the same input always gives the same plan.
 *
 * One programme at a time. An item starts at its instant; one that arrives while the output is busy with
 * an equal or higher priority waits and starts as soon as the output frees, if that is still within its
 * own duration; one of higher priority than what is playing takes the air at once.
 */
/**
 * Programmes decoded ahead at once. Decoding is the heavy part; a burst of short items must not start
 * a decoder for each at the same moment and starve the one about to go on air.
 */
export const MAX_PREPARED = 3;

export function planSchedule(input: PlanInput): Plan {
  const { now, lateGraceMs, prepareLeadMs, playing, deferred, states } = input;
  const plan: Plan = { missed: [], startNow: null, defer: [], next: null, prepare: [] };
  const candidates = input.items.filter((i) => !states.has(i.occurrenceId) && i.occurrenceId !== playing?.occurrenceId);
  candidates.sort(byStart);

  const due: ScheduleItem[] = [];
  for (const item of candidates) {
    const start = Date.parse(item.startAt);
    if (start > now) {
      plan.next ??= item;
      if (start - now <= prepareLeadMs && plan.prepare.length < MAX_PREPARED) plan.prepare.push(item);
      continue;
    }
    if (start < now - input.missedHorizonMs) continue;
    const waited = deferred.has(item.occurrenceId);
    if (waited ? now >= start + item.durationMs : now > start + lateGraceMs) {
      plan.missed.push({ item, busy: waited });
      continue;
    }
    due.push(item);
  }
  if (due.length === 0) return plan;

  // Highest priority first, then the one that was due earliest.
  const best = [...due].sort((a, b) => RANK[b.priority] - RANK[a.priority] || byStart(a, b))[0];
  const busy = playing !== null && playing.endsAt > now;
  if (busy && RANK[best.priority] <= RANK[playing.priority]) {
    plan.defer = due;
    return plan;
  }
  const start = Date.parse(best.startAt);
  const mode: StartMode = busy ? 'preempt' : deferred.has(best.occurrenceId) ? 'after_busy' : now - start > 0 ? 'late' : 'on_time';
  plan.startNow = { item: best, mode };
  plan.defer = due.filter((i) => i !== best);
  return plan;
}

/** Occurrences the agent had put on air but never recorded as ended: it died while playing them. */
export function interruptedOccurrences(states: ReadonlyMap<string, PlayStateKind>): string[] {
  return [...states].filter(([, s]) => s === 'started').map(([id]) => id);
}
