import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../clock';
import { silentLogger } from '../log';
import { Outbox } from '../outbox';
import { AgentStore } from '../store';
import { agentItem as item, agentSnapshot as snapshot } from '../../../../test/support/agent/items';
import { DeclineError, Declines } from './declines';

describe('Declines', () => {
  let dir: string;
  let store: AgentStore;
  const clock = new FakeClock(Date.parse('2026-12-05T01:00:00Z'));
  const later = item('occ-later', '2026-12-05T03:00:00.000Z');
  const other = item('occ-other', '2026-12-05T04:00:00.000Z');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'loa-declines-'));
    store = new AgentStore(join(dir, 'agent.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const make = () => new Declines({ store, outbox: new Outbox(store), clock, log: silentLogger });
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof DeclineError ? e.code : String(e);
    }
    return null;
  };

  it('keeps a declined airing off the runner’s schedule, across a restart of the agent', () => {
    make().decline(later, 'Trùng giờ họp dân', false);
    const again = make();
    expect(again.filter(snapshot(3, [later, other])).items.map((i) => i.occurrenceId)).toEqual(['occ-other']);
    expect(again.list().get('occ-later')).toEqual({ reason: 'Trùng giờ họp dân', at: '2026-12-05T01:00:00.000Z' });
    expect(store.playStates().get('occ-later')?.state).toBe('skipped');
    expect(new Outbox(store).pending(10).map((e) => e.event)).toEqual([
      expect.objectContaining({ kind: 'failed', reason: 'declined', occurrenceId: 'occ-later', endedAt: '2026-12-05T01:00:00.000Z' }),
    ]);
  });

  it('refuses a priority or emergency item, one that has aired, one whose instant has come, and a second decline', () => {
    const d = make();
    expect(code(() => d.decline(item('occ-p', '2026-12-05T03:00:00.000Z', { priority: 'priority' }), 'x', false))).toBe('not_declinable');
    expect(code(() => d.decline(item('occ-e', '2026-12-05T03:00:00.000Z', { priority: 'emergency' }), 'x', false))).toBe('not_declinable');
    expect(code(() => d.decline(later, 'x', true))).toBe('already_aired');
    expect(code(() => d.decline(item('occ-now', '2026-12-05T01:00:00.000Z'), 'x', false))).toBe('too_late');
    expect(code(() => d.decline(later, 'x', false))).toBeNull();
    expect(code(() => d.decline(later, 'y', false))).toBe('already_declined');
    expect(new Outbox(store).pending(10)).toHaveLength(1);
  });
});
