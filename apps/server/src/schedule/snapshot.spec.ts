import { ScheduleSnapshot } from '@loa/protocol';
import { AiringRow, buildSnapshot, occurrenceIdOf, overlaps } from './snapshot';

const row = (slotId: string, startAt: string): AiringRow => ({
  slotId,
  startAt,
  durationMs: 60_000,
  priority: 'normal',
  source: 'relay',
  startMode: 'hard',
  waitMs: 0,
  clusterIds: null,
  programmeId: 'p1',
  title: 'Chuyên mục CCHC',
  chuyenMuc: 'Cải cách hành chính',
  deadAirSeconds: null,
  sha256: 'b'.repeat(64),
  size: 1234,
  mediaDurationMs: 60_000,
});

describe('schedule snapshot', () => {
  const window = { from: '2026-11-24T00:00:00.000Z', to: '2026-11-25T00:00:00.000Z', now: '2026-11-24T01:00:00.000Z' };

  it("carries a chuyên mục's own dead-air threshold to the agent, and nothing where the station's default holds", () => {
    const own = { ...row('a', '2026-11-24T05:30:00.000Z'), deadAirSeconds: 20 };
    const snap = buildSnapshot('st', 1, [own, row('b', '2026-11-24T06:30:00.000Z')], window);
    expect(snap.items[0].deadAirMs).toBe(20_000);
    expect('deadAirMs' in snap.items[1]).toBe(false);
    expect(ScheduleSnapshot.safeParse(snap).success).toBe(true);
    expect(ScheduleSnapshot.safeParse({ ...snap, items: [{ ...snap.items[0], deadAirMs: 500 }] }).success).toBe(false);
  });

  it('lists the airings inside the window in start order, each with a stable occurrence id', () => {
    const snap = buildSnapshot('st', 7, [row('b', '2026-11-24T10:30:00.000Z'), row('a', '2026-11-24T05:30:00.000Z'), row('c', '2026-11-25T00:00:00.000Z')], window);
    expect(snap.version).toBe(7);
    expect(snap.items.map((i) => i.slotId)).toEqual(['a', 'b']);
    expect(snap.items[0].occurrenceId).toBe(occurrenceIdOf('a', '2026-11-24T05:30:00.000Z'));
    expect(snap.items[0].media.url).toBe(`/api/media/files/${'b'.repeat(64)}`);
    expect(ScheduleSnapshot.safeParse(snap).success).toBe(true);
  });

  it('carries the start mode, the wait only for wait-up-to, and clusters only when narrowed', () => {
    const snap = buildSnapshot('st', 1, [row('a', '2026-11-24T05:30:00.000Z'), { ...row('b', '2026-11-24T06:30:00.000Z'), startMode: 'wait', waitMs: 30_000, clusterIds: ['k1'] }], window);
    expect(snap.items[0]).toMatchObject({ startMode: 'hard' });
    expect(snap.items[0]).not.toHaveProperty('waitMs');
    expect(snap.items[0]).not.toHaveProperty('clusterIds');
    expect(snap.items[1]).toMatchObject({ startMode: 'wait', waitMs: 30_000, clusterIds: ['k1'] });
    expect(ScheduleSnapshot.safeParse(snap).success).toBe(true);
  });

  it('moves an occurrence when its slot moves', () => {
    expect(occurrenceIdOf('s', '2026-11-24T05:30:00.000Z')).not.toBe(occurrenceIdOf('s', '2026-11-24T05:31:00.000Z'));
  });
});

describe('overlaps', () => {
  const a = { startAt: '2026-11-24T05:30:00.000Z', endAt: '2026-11-24T05:40:00.000Z' };
  it('sees a clash when intervals share any time', () => {
    expect(overlaps(a, { startAt: '2026-11-24T05:39:59.999Z', endAt: '2026-11-24T06:00:00.000Z' })).toBe(true);
    expect(overlaps(a, { startAt: '2026-11-24T05:00:00.000Z', endAt: '2026-11-24T07:00:00.000Z' })).toBe(true);
  });
  it('lets one programme start the instant the previous ends', () => {
    expect(overlaps(a, { startAt: '2026-11-24T05:40:00.000Z', endAt: '2026-11-24T05:50:00.000Z' })).toBe(false);
  });
});
