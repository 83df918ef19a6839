import { FakeClock } from './clock';
import { interruptedOccurrences, MAX_PREPARED, planSchedule, type PlanInput } from './scheduler';
import type { PlayStateKind } from './store';
import { agentItem as item } from '../../../test/support/agent/items';

const T = Date.parse('2026-03-02T22:30:00.000Z');

function input(over: Partial<PlanInput>): PlanInput {
  return {
    items: [],
    states: new Map(),
    now: T,
    lateGraceMs: 2000,
    prepareLeadMs: 5000,
    playing: null,
    deferred: new Set(),
    missedHorizonMs: 7 * 24 * 3600_000,
    ...over,
  };
}

describe('planSchedule', () => {
  it('decodes only the next few programmes ahead, however many fall within the lead', () => {
    const burst = Array.from({ length: 20 }, (_, i) => item(`short-${String(i).padStart(2, '0')}`, T + 150 * (i + 1)));
    const plan = planSchedule(input({ items: burst }));
    expect(plan.prepare.map((i) => i.occurrenceId)).toEqual(burst.slice(0, MAX_PREPARED).map((i) => i.occurrenceId));
  });

  it('arms the earliest future item and prepares it once it is within the lead', () => {
    const clock = new FakeClock(T - 60_000);
    const items = [item('later', T + 3600_000), item('next', T)];
    let plan = planSchedule(input({ items, now: clock.serverNow() }));
    expect(plan.next?.occurrenceId).toBe('next');
    expect(plan.prepare).toEqual([]);
    expect(plan.startNow).toBeNull();

    clock.advance(56_000);
    plan = planSchedule(input({ items, now: clock.serverNow() }));
    expect(plan.prepare.map((i) => i.occurrenceId)).toEqual(['next']);

    clock.advance(4000);
    plan = planSchedule(input({ items, now: clock.serverNow() }));
    expect(plan.startNow).toEqual({ item: items[1], mode: 'on_time' });
    expect(plan.next?.occurrenceId).toBe('later');
  });

  it('starts late within the grace, and marks items past the grace as missed', () => {
    const items = [item('a', T - 1500), item('b', T - 2500)];
    const plan = planSchedule(input({ items }));
    expect(plan.startNow).toEqual({ item: items[0], mode: 'late' });
    expect(plan.missed).toEqual([{ item: items[1], busy: false }]);
  });

  it('never plays again an occurrence that is done, started or skipped', () => {
    const items = [item('done', T), item('started', T), item('skipped', T - 100_000)];
    const states = new Map<string, PlayStateKind>([
      ['done', 'done'],
      ['started', 'started'],
      ['skipped', 'skipped'],
    ]);
    const plan = planSchedule(input({ items, states }));
    expect(plan).toEqual({ missed: [], startNow: null, defer: [], next: null, prepare: [], wakeAt: null });
  });

  it('leaves alone items older than the horizon: nothing to report about them', () => {
    const plan = planSchedule(input({ items: [item('old', T - 8 * 24 * 3600_000)] }));
    expect(plan.missed).toEqual([]);
  });

  it('defers a soft item that arrives while an equal priority is playing, then starts it after', () => {
    const items = [item('second', T, { startMode: 'soft' })];
    const playing = { occurrenceId: 'first', priority: 'normal' as const, startedAt: T - 10_000, endsAt: T + 30_000 };
    let plan = planSchedule(input({ items, playing }));
    expect(plan.startNow).toBeNull();
    expect(plan.defer.map((i) => i.occurrenceId)).toEqual(['second']);

    // 30 s later the output frees: well past the grace, but within the item's own duration.
    plan = planSchedule(input({ items, now: T + 30_000, deferred: new Set(['second']) }));
    expect(plan.startNow).toEqual({ item: items[0], mode: 'after_busy' });

    plan = planSchedule(input({ items, now: T + 60_000, deferred: new Set(['second']) }));
    expect(plan.missed).toEqual([{ item: items[0], busy: true }]);
  });

  it('lets a higher priority take the air from what is playing', () => {
    const items = [item('alert', T, { priority: 'emergency' })];
    const playing = { occurrenceId: 'cchc', priority: 'priority' as const, startedAt: T - 10_000, endsAt: T + 30_000 };
    expect(planSchedule(input({ items, playing })).startNow).toEqual({ item: items[0], mode: 'preempt' });
  });

  it('a hard item cuts an equal one that was on air at its instant; an item without a start mode is hard', () => {
    const items = [item('hard', T)];
    const playing = { occurrenceId: 'late-one', priority: 'normal' as const, startedAt: T - 5_000, endsAt: T + 30_000 };
    expect(planSchedule(input({ items, playing })).startNow).toEqual({ item: items[0], mode: 'preempt' });
  });

  it('never lets a lower priority cut a higher one, whatever its start mode', () => {
    const items = [item('n', T, { startMode: 'hard' })];
    const playing = { occurrenceId: 'u', priority: 'priority' as const, startedAt: T - 5_000, endsAt: T + 30_000 };
    const plan = planSchedule(input({ items, playing }));
    expect(plan.startNow).toBeNull();
    expect(plan.defer.map((i) => i.occurrenceId)).toEqual(['n']);
  });

  it('a wait-up-to item waits, asks to be woken at its deadline, then cuts', () => {
    const items = [item('w', T, { startMode: 'wait', waitMs: 10_000 })];
    const playing = { occurrenceId: 'a', priority: 'normal' as const, startedAt: T - 5_000, endsAt: T + 30_000 };
    let plan = planSchedule(input({ items, playing }));
    expect(plan.startNow).toBeNull();
    expect(plan.wakeAt).toBe(T + 10_000);
    plan = planSchedule(input({ items, playing, now: T + 10_000, deferred: new Set(['w']) }));
    expect(plan.startNow).toEqual({ item: items[0], mode: 'preempt' });
  });

  it('plays the higher priority first when two items share an instant, and queues the other', () => {
    const items = [item('n', T), item('p', T, { priority: 'priority' })];
    const plan = planSchedule(input({ items }));
    expect(plan.startNow?.item.occurrenceId).toBe('p');
    expect(plan.defer.map((i) => i.occurrenceId)).toEqual(['n']);
  });

  it('finds occurrences a previous run left on air', () => {
    const states = new Map<string, PlayStateKind>([
      ['a', 'done'],
      ['b', 'started'],
    ]);
    expect(interruptedOccurrences(states)).toEqual(['b']);
  });
});
