import { findClashes, orderable, type Booking } from './conflicts';
import { decide, resolveTimeline, type Playable, type Priority, type StartMode } from './resolve';

const S = 1000;
const p = (occurrenceId: string, startS: number, durS: number, priority: Priority = 'normal', startMode: StartMode = 'hard', waitS = 0): Playable => ({
  occurrenceId,
  start: startS * S,
  durationMs: durS * S,
  priority,
  startMode,
  waitMs: waitS * S,
});

/** "id start–end outcome" in seconds, as the timeline reads. */
function show(items: Playable[]): string[] {
  return resolveTimeline(items).map((r) =>
    r.outcome === 'missed' ? `${r.item.occurrenceId} missed` : `${r.item.occurrenceId} ${r.startAt! / S}-${r.endAt! / S} ${r.outcome}${r.cutBy ? ` by ${r.cutBy}` : ''}`,
  );
}

describe('resolved timeline: priorities and start modes', () => {
  it.each<[string, Playable[], string[]]>([
    ['back to back, nothing to resolve', [p('a', 0, 10), p('b', 10, 10)], ['a 0-10 complete', 'b 10-20 complete']],
    ['hard start cuts an equal item that is on air', [p('a', 0, 10), p('b', 5, 10)], ['a 0-5 cut by b', 'b 5-15 complete']],
    ['soft start waits for the item on air to end', [p('a', 0, 10), p('b', 5, 10, 'normal', 'soft')], ['a 0-10 complete', 'b 10-20 complete']],
    ['soft start that cannot begin within its own duration is missed', [p('a', 0, 30), p('b', 5, 10, 'normal', 'soft')], ['a 0-30 complete', 'b missed']],
    ['wait-up-to: starts when the item on air ends, if sooner', [p('a', 0, 10), p('b', 5, 10, 'normal', 'wait', 8)], ['a 0-10 complete', 'b 10-20 complete']],
    ['wait-up-to: cuts when the wait runs out', [p('a', 0, 30), p('b', 5, 10, 'normal', 'wait', 3)], ['a 0-8 cut by b', 'b 8-18 complete']],
    ['priority (ưu tiên) hard cuts a normal item', [p('n', 0, 20), p('u', 5, 10, 'priority')], ['n 0-5 cut by u', 'u 5-15 complete']],
    ['a normal item never cuts a priority one, even hard: it waits', [p('u', 0, 10, 'priority'), p('n', 5, 10)], ['u 0-10 complete', 'n 10-20 complete']],
    ['emergency (khẩn cấp) cuts everything, whatever its start mode says', [p('u', 0, 20, 'priority'), p('e', 5, 5, 'emergency', 'soft')], ['u 0-5 cut by e', 'e 5-10 complete']],
    ['same instant: the higher priority first, the other after it', [p('n', 0, 15), p('u', 0, 10, 'priority')], ['u 0-10 complete', 'n 10-25 complete']],
    ['same instant, same priority: a queued item does not cut the one ahead of it', [p('a', 0, 10), p('b', 0, 15)], ['a 0-10 complete', 'b 10-25 complete']],
    [
      'two items queue behind an emergency; the priority one goes first',
      [p('e', 0, 10, 'emergency'), p('n', 2, 20), p('u', 4, 20, 'priority')],
      ['e 0-10 complete', 'n missed', 'u 10-30 complete'],
    ],
    [
      'a hard item then a soft one over a long programme',
      [p('long', 0, 60), p('hard', 10, 10, 'priority'), p('soft', 12, 10, 'normal', 'soft')],
      ['long 0-10 cut by hard', 'hard 10-20 complete', 'soft 20-30 complete'],
    ],
  ])('%s', (_name, items, expected) => {
    expect(show(items)).toEqual(expected);
  });

  it('gives the same answer whatever order the items come in', () => {
    const items = [p('long', 0, 60), p('hard', 10, 10, 'priority'), p('soft', 12, 10, 'normal', 'soft'), p('e', 25, 5, 'emergency')];
    expect(show([...items].reverse())).toEqual(show(items));
  });
});

describe('one decision at an instant, as the agent takes it', () => {
  const playing = { occurrenceId: 'a', priority: 'normal' as const, startedAt: 0, endsAt: 60 * S };

  it('wakes up at a wait deadline', () => {
    const d = decide([p('b', 5, 10, 'normal', 'wait', 3)], playing, 5 * S, new Set(), 2 * S);
    expect(d.start).toBeNull();
    expect(d.wakeAt).toBe(8 * S);
    expect(decide([p('b', 5, 10, 'normal', 'wait', 3)], playing, 8 * S, new Set(['b']), 2 * S).start?.cut).toBe(true);
  });

  it('counts an item never queued as missed once the late grace has passed', () => {
    const d = decide([p('b', 5, 10)], null, 8 * S, new Set(), 2 * S);
    expect(d.missed.map((m) => m.item.occurrenceId)).toEqual(['b']);
  });
});

describe('conflicts the rules cannot order', () => {
  const b = (slotId: string, startS: number, endS: number, priority: Priority = 'normal', startMode: StartMode = 'hard', stationId = 'st'): Booking => ({
    slotId,
    stationId,
    start: startS * S,
    end: endS * S,
    priority,
    startMode,
  });

  it.each<[string, Booking, Booking, boolean]>([
    ['different priorities', b('x', 0, 10, 'priority'), b('y', 5, 15), true],
    ['same priority, the later one yields (soft)', b('x', 0, 10), b('y', 5, 15, 'normal', 'soft'), true],
    ['same priority, the later one waits up to N s', b('x', 0, 10), b('y', 5, 15, 'normal', 'wait'), true],
    ['same priority, the later one is hard', b('x', 0, 10), b('y', 5, 15), false],
    ['same priority (ưu tiên, relay and local), neither yields', b('x', 0, 10, 'priority'), b('y', 5, 15, 'priority'), false],
    ['same instant, one yields', b('x', 0, 10), b('y', 0, 10, 'normal', 'soft'), true],
    ['same instant, both yield', b('x', 0, 10, 'normal', 'soft'), b('y', 0, 10, 'normal', 'soft'), false],
    ['two emergencies: an emergency never yields', b('x', 0, 10, 'emergency'), b('y', 5, 15, 'emergency', 'soft'), false],
  ])('%s → orderable %s', (_n, x, y, expected) => {
    expect(orderable(x, y)).toBe(expected);
    expect(orderable(y, x)).toBe(expected);
  });

  it('lists each clash with its station and the other booking, and ignores other stations and touching ends', () => {
    const mine = [b('new', 0, 10, 'normal', 'hard', 'st1'), b('new', 0, 10, 'normal', 'hard', 'st2')];
    const others = [b('old', 5, 15, 'normal', 'hard', 'st1'), b('old2', 10, 20, 'normal', 'hard', 'st2'), b('old3', 5, 15, 'normal', 'hard', 'st3')];
    const clashes = findClashes(mine, others);
    expect(clashes.map((c) => [c.stationId, c.other.slotId])).toEqual([['st1', 'old']]);
  });

  it('lets airings on different speaker clusters of one station overlap, but not one on the whole station or a shared cluster', () => {
    const on = (slotId: string, clusters: string[] | null): Booking => ({ ...b(slotId, 0, 10), clusters });
    const mine = [on('new', ['market'])];
    const others = [on('fields', ['fields']), on('both', ['fields', 'market']), on('whole', null), { ...b('older', 0, 10) }];
    expect(findClashes(mine, others).map((c) => c.other.slotId)).toEqual(['both', 'whole', 'older']);
    expect(findClashes([on('new', null)], [on('fields', ['fields'])]).map((c) => c.other.slotId)).toEqual(['fields']);
  });
});
