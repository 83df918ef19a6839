import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlaybackEvent } from '@loa/protocol';
import { FakeClock } from './clock';
import { Outbox } from './outbox';
import { AgentStore } from './store';
import { fillUp } from '../../../test/support/agent/full-disk';
import { snapshot, item } from '../../../test/support/agent/items';

function event(n: number): PlaybackEvent {
  return {
    id: randomUUID(),
    kind: 'failed',
    occurrenceId: `occ-${n}`,
    slotId: 'slot-1',
    plannedAt: '2026-01-01T22:30:00.000Z',
    endedAt: '2026-01-01T22:30:05.000Z',
    reason: 'missed',
    detail: 'Trạm không hoạt động',
  };
}

describe('Outbox', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'loa-outbox-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stamps each stored event with the system time of the clock it is given', () => {
    const store = new AgentStore(join(dir, 'agent.db'));
    const outbox = new Outbox(store, new FakeClock(Date.parse('2026-02-03T04:05:06.000Z'), 900));
    outbox.append(event(1));
    expect(store.db.prepare('SELECT created_at FROM outbox').all()).toEqual([{ created_at: '2026-02-03T04:05:06.000Z' }]);
    store.close();
  });

  it('keeps appended events across a close and reopen, in order, until acknowledged', () => {
    const file = join(dir, 'agent.db');
    const events = [event(1), event(2), event(3)];
    let store = new AgentStore(file);
    let outbox = new Outbox(store);
    for (const e of events) outbox.append(e);
    store.close();

    store = new AgentStore(file);
    outbox = new Outbox(store);
    expect(outbox.pending().map((e) => e.event)).toEqual(events);

    expect(outbox.ack([events[1].id, randomUUID()])).toBe(1);
    const fourth = event(4);
    outbox.append(fourth);
    store.close();

    store = new AgentStore(file);
    outbox = new Outbox(store);
    expect(outbox.pending().map((e) => e.event.id)).toEqual([events[0].id, events[2].id, fourth.id]);
    expect(outbox.count()).toBe(3);
    expect(outbox.pending(2)).toHaveLength(2);
    store.close();
  });

  it('stores the same event id once, however often it is appended', () => {
    const store = new AgentStore(join(dir, 'agent.db'));
    const outbox = new Outbox(store);
    const e = event(1);
    outbox.append(e);
    outbox.append(e);
    expect(outbox.count()).toBe(1);
    store.close();
  });

  it('refuses an event that would not pass the protocol', () => {
    const store = new AgentStore(join(dir, 'agent.db'));
    const outbox = new Outbox(store);
    expect(() => outbox.append({ ...event(1), id: 'not-a-uuid' })).toThrow();
    expect(outbox.count()).toBe(0);
    store.close();
  });

  it('holds events in memory while the disk is full, sends them, and writes them once there is room', () => {
    const file = join(dir, 'agent.db');
    let store = new AgentStore(file);
    let outbox = new Outbox(store);
    fillUp(store);
    const held = bigEvent();
    const state = { occurrenceId: held.occurrenceId, slotId: held.slotId, plannedAt: held.plannedAt, state: 'done' as const, startedAt: null, endedAt: held.endedAt! };
    expect(outbox.commit(held, () => store.setPlayState(state, held.endedAt!))).toMatch(/database or disk is full/);
    // Neither half of the pair reached the disk.
    expect(store.playStates().has(held.occurrenceId)).toBe(false);
    expect(outbox.count()).toBe(1);
    expect(outbox.lastError()).toMatch(/ổ đĩa đầy/);
    expect(outbox.pending().map((e) => e.event)).toEqual([held]);

    store.db.pragma('max_page_count = 1000000');
    expect(outbox.pending().map((e) => e.event)).toEqual([held]);
    expect(outbox.lastError()).toBeNull();
    store.close();
    store = new AgentStore(file);
    outbox = new Outbox(store);
    expect(outbox.pending().map((e) => e.event)).toEqual([held]);
    store.close();
  });

  it('forgets a held event once the server acknowledges it', () => {
    const store = new AgentStore(join(dir, 'agent.db'));
    const outbox = new Outbox(store);
    fillUp(store);
    const held = bigEvent();
    const state = { occurrenceId: held.occurrenceId, slotId: held.slotId, plannedAt: held.plannedAt, state: 'done' as const, startedAt: null, endedAt: null };
    expect(outbox.commit(held, () => store.setPlayState(state, held.endedAt!))).not.toBeNull();
    expect(outbox.ack([held.id])).toBe(1);
    expect(outbox.count()).toBe(0);
    expect(outbox.lastError()).toBeNull();
    store.close();
  });

  it('never replaces the held schedule with an older version', () => {
    const store = new AgentStore(join(dir, 'agent.db'));
    expect(store.saveSnapshot(snapshot(5, [item('a', 0)]), '2026-01-01T00:00:00.000Z')).toBe(true);
    expect(store.saveSnapshot(snapshot(4, []), '2026-01-01T00:00:01.000Z')).toBe(false);
    expect(store.loadSnapshot()?.version).toBe(5);
    expect(store.saveSnapshot(snapshot(6, []), '2026-01-01T00:00:02.000Z')).toBe(true);
    expect(store.loadSnapshot()?.items).toEqual([]);
    store.close();
  });
});

/** An airing whose play state needs more room than the gaps fillUp leaves. */
function bigEvent(): PlaybackEvent {
  return { ...event(1), occurrenceId: `occ-${'x'.repeat(190)}` };
}
