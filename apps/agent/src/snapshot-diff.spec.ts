import { diffSnapshots } from './snapshot-diff';
import { agentSnapshot as snapshot, item } from '../../../test/support/agent/items';

const T = Date.parse('2026-01-01T22:30:00.000Z');
const shaA = 'a'.repeat(64);
const shaB = 'b'.repeat(64);
const shaC = 'c'.repeat(64);
const media = (sha256: string) => ({ sha256, size: 10, durationMs: 60_000, url: `/m/${sha256}` });

describe('diffSnapshots', () => {
  it('treats every item as added when the box had no schedule', () => {
    const d = diffSnapshots(null, snapshot(1, [item('o1', T, { media: media(shaA) })]));
    expect(d.added.map((i) => i.occurrenceId)).toEqual(['o1']);
    expect(d.removed).toEqual([]);
    expect(d.mediaToFetch).toEqual([shaA]);
    expect(d.mediaToEvict).toEqual([]);
  });

  it('sorts occurrences into added, removed, changed and unchanged, and names media to fetch and evict', () => {
    const prev = snapshot(1, [
      item('keep', T, { media: media(shaA) }),
      item('move', T + 3600_000, { media: media(shaA) }),
      item('gone', T + 7200_000, { media: media(shaB) }),
    ]);
    const next = snapshot(2, [
      item('keep', T, { media: media(shaA) }),
      item('move', T + 5400_000, { media: media(shaA) }),
      item('new', T + 9000_000, { media: media(shaC) }),
    ]);
    const d = diffSnapshots(prev, next);
    expect(d.unchanged.map((i) => i.occurrenceId)).toEqual(['keep']);
    expect(d.changed.map((c) => [c.before.startMs, c.after.startMs])).toEqual([[T + 3600_000, T + 5400_000]]);
    expect(d.added.map((i) => i.occurrenceId)).toEqual(['new']);
    expect(d.removed.map((i) => i.occurrenceId)).toEqual(['gone']);
    expect(d.mediaToFetch).toEqual([shaC]);
    expect(d.mediaToEvict).toEqual([shaB]);
  });

  it('sees a new audio file for the same occurrence as a change', () => {
    const d = diffSnapshots(snapshot(1, [item('o1', T, { media: media(shaA) })]), snapshot(2, [item('o1', T, { media: media(shaB) })]));
    expect(d.changed).toHaveLength(1);
    expect(d.mediaToFetch).toEqual([shaB]);
    expect(d.mediaToEvict).toEqual([shaA]);
  });

  it('does not evict a file another item still uses', () => {
    const prev = snapshot(1, [item('o1', T, { media: media(shaA) }), item('o2', T + 1000, { media: media(shaA) })]);
    const d = diffSnapshots(prev, snapshot(2, [item('o2', T + 1000, { media: media(shaA) })]));
    expect(d.removed.map((i) => i.occurrenceId)).toEqual(['o1']);
    expect(d.mediaToEvict).toEqual([]);
  });
});
