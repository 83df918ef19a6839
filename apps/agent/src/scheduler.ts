import type { Priority } from '@loa/protocol';
import type { AgentItem } from './schedule-items';
import { decide, rank, type Playable } from '@loa/schedule';
import type { PlayStateKind } from './store';

export interface PlayingNow {
  occurrenceId: string;
  priority: Priority;
  /** Server time when it went on air, and when it is expected to leave it. */
  startedAt: number;
  endsAt: number;
}

export interface PlanInput {
  items: readonly AgentItem[];
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
  missed: { item: AgentItem; busy: boolean }[];
  /** What to put on air now (or at the instant, when planned ahead). */
  startNow: { item: AgentItem; mode: StartMode } | null;
  /** Due, but waiting for the output (soft, wait-up-to, or a lower priority): start after what plays. */
  defer: AgentItem[];
  /** The earliest item still in the future. */
  next: AgentItem | null;
  /** Future items close enough to be prepared now. */
  prepare: AgentItem[];
  /** When a waiting item's wait-up-to runs out and it may cut what plays. */
  wakeAt: number | null;
}

function byStart(a: AgentItem, b: AgentItem): number {
  const d = a.startMs - b.startMs;
  if (d !== 0) return d;
  const p = rank(b.priority) - rank(a.priority);
  return p !== 0 ? p : a.occurrenceId < b.occurrenceId ? -1 : a.occurrenceId > b.occurrenceId ? 1 : 0;
}

type Due = Playable & { item: AgentItem };

function playableOf(item: AgentItem): Due {
  return {
    item,
    occurrenceId: item.occurrenceId,
    start: item.startMs,
    durationMs: item.durationMs,
    priority: item.priority,
    startMode: item.startMode ?? 'hard',
    waitMs: item.waitMs ?? 0,
  };
}

/**
 * Decides what should be on air at `now`. Pure: the same input always gives the same plan.
 *
 * One programme at a time, by the shared rules of @loa/schedule (the ones the server's timeline shows):
 * an item starts at its instant; if something plays then, a hard item cuts it, a soft one waits for it to
 * end, a wait-up-to one waits at most its wait; nothing cuts a higher priority, an emergency cuts
 * everything else. A waiting item starts when the output frees, if that is still within its own duration.
 */
/**
 * Programmes decoded ahead at once. Decoding is the heavy part; a burst of short items must not start
 * a decoder for each at the same moment and starve the one about to go on air.
 */
export const MAX_PREPARED = 3;

export function planSchedule(input: PlanInput): Plan {
  const { now, prepareLeadMs, playing, deferred, states } = input;
  const plan: Plan = { missed: [], startNow: null, defer: [], next: null, prepare: [], wakeAt: null };
  const candidates = input.items.filter((i) => !states.has(i.occurrenceId) && i.occurrenceId !== playing?.occurrenceId);
  candidates.sort(byStart);

  const due: Due[] = [];
  for (const item of candidates) {
    const start = item.startMs;
    if (start > now) {
      plan.next ??= item;
      if (start - now <= prepareLeadMs && plan.prepare.length < MAX_PREPARED) plan.prepare.push(item);
      continue;
    }
    if (start < now - input.missedHorizonMs) continue;
    due.push(playableOf(item));
  }
  if (due.length === 0) return plan;

  const d = decide(due, playing, now, deferred, input.lateGraceMs);
  plan.missed = d.missed.map((m) => ({ item: m.item.item, busy: m.busy }));
  plan.defer = d.waiting.map((w) => w.item);
  plan.wakeAt = d.wakeAt;
  if (d.start) {
    const { item, cut } = d.start;
    const mode: StartMode = cut ? 'preempt' : deferred.has(item.occurrenceId) ? 'after_busy' : now - item.start > 0 ? 'late' : 'on_time';
    plan.startNow = { item: item.item, mode };
  }
  return plan;
}

/** Occurrences the agent had put on air but never recorded as ended: it died while playing them. */
export function interruptedOccurrences(states: ReadonlyMap<string, PlayStateKind>): string[] {
  return [...states].filter(([, s]) => s === 'started').map(([id]) => id);
}
