import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseServerFrame, type ScheduleItem } from '@loa/protocol';
import { BadInstantError, plannedAtOf, receiveItem, receiveSnapshot } from './schedule-items';
import { AgentStore } from './store';
import { item, snapshot } from '../../../test/support/agent/items';

describe('a schedule item at the edge where it arrives', () => {
  it('has its instant read once into epoch milliseconds, and written back as the same text', () => {
    const texts = ['2026-12-05T00:30:00.000Z', '2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00.001Z'];
    const got = receiveSnapshot(snapshot(7, texts.map((t, i) => item(`o${i}`, t))));
    expect(got.items.map((i) => i.startMs)).toEqual([1796430600000, 1798761599999, 1798761600001]);
    expect(got.items.map(plannedAtOf)).toEqual(texts);
    expect(got.items[0]).not.toHaveProperty('startAt');
    expect(got).toMatchObject({ stationId: 'st-1', version: 7, from: '2026-01-01T00:00:00.000Z' });
  });

  it('is refused when its instant is not one', () => {
    const bad = { ...item('o1', 0), startAt: '2026-02-30T25:00:00.000Z' } as ScheduleItem;
    expect(() => receiveItem(bad)).toThrow(BadInstantError);
    // The frame that would carry it never gets past the protocol's schema.
    const frame = parseServerFrame(JSON.stringify({ type: 'schedule', snapshot: snapshot(1, [bad]) }));
    expect(frame).toMatchObject({ ok: false, code: 'invalid_frame', issues: [expect.stringContaining('snapshot.items.0.startAt')] });
    expect(parseServerFrame(JSON.stringify({ type: 'schedule', snapshot: snapshot(1, [item('o1', '2026-12-05T00:30:00.000Z')]) })).ok).toBe(true);
  });
});

describe('the saved snapshot', () => {
  let dir: string;
  let store: AgentStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'loa-items-'));
    store = new AgentStore(join(dir, 'agent.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is kept on disk as the server sent it and loads with its instants read', () => {
    const wire = snapshot(3, [item('o1', '2026-12-05T00:30:00.000Z')]);
    expect(store.saveSnapshot(wire, '2026-12-05T00:00:00.000Z')).toBe(true);
    const row = store.db.prepare('SELECT json FROM snapshot WHERE id = 1').get() as { json: string };
    expect(JSON.parse(row.json)).toEqual(wire);
    expect(store.loadSnapshot()?.items.map((i) => [i.occurrenceId, i.startMs])).toEqual([['o1', 1796430600000]]);
  });

  it('with an instant that is not one loads as no schedule, as a row that no longer validates does', () => {
    const bad = snapshot(3, [{ ...item('o1', 0), startAt: 'not an instant' }]);
    store.db.prepare('INSERT INTO snapshot (id, version, json, received_at) VALUES (1, 3, ?, ?)').run(JSON.stringify(bad), '2026-12-05T00:00:00.000Z');
    expect(store.loadSnapshot()).toBeNull();
  });
});
