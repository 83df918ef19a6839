import { admin, editor, operatorA, PROGRAMME_MS, scheduleFixture } from '../../../../test/support/fakes/schedule-fixture';
import { occurrenceIdOf } from './snapshot';

describe('ScheduleQueries on an in-memory store', () => {
  it('lists slots by time, status and station, and an operator sees only those on its commune’s stations', async () => {
    const f = scheduleFixture();
    const a = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', stationIds: ['st-a1'] }, admin);
    const b = await f.authoring.create({ programmeId: 'music', startAt: '2026-06-03T05:00:00+07:00', stationIds: ['st-b1'] }, editor);
    expect((await f.queries.list({})).map((s) => s.id)).toEqual([a.id, b.id]);
    expect((await f.queries.list({ status: 'submitted' })).map((s) => s.id)).toEqual([b.id]);
    expect((await f.queries.list({ from: '2026-06-02T12:00:00.000Z' })).map((s) => s.id)).toEqual([b.id]);
    expect((await f.queries.list({ stationId: 'st-a1' })).map((s) => s.id)).toEqual([a.id]);
    expect((await f.queries.list({}, operatorA)).map((s) => s.id)).toEqual([a.id]);
    const mine = await f.queries.mine(editor);
    expect(mine).toEqual([expect.objectContaining({ id: b.id, status: 'submitted', statusLabel: 'Chờ duyệt', history: [expect.objectContaining({ action: 'created', by: 'bien-tap' }), expect.objectContaining({ action: 'submitted' })] })]);
    expect(await f.queries.mine(null)).toEqual([]);
  });

  it('the timeline shows a higher priority cutting in, and refuses a backwards or too long range', async () => {
    const f = scheduleFixture();
    await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', stationIds: ['st-a1'], startMode: 'soft' }, admin);
    await f.authoring.create({ programmeId: 'music', startAt: '2026-06-02T05:05:00+07:00', stationIds: ['st-a1'], priority: 'priority' }, admin);
    const t = await f.queries.timeline('st-a1', '2026-06-01T21:00:00.000Z', '2026-06-01T23:00:00.000Z');
    expect(t.stationName).toBe('Trạm A1');
    expect(t.items.map((i) => [i.title, i.plannedAt, i.outcome])).toEqual([
      ['Bản tin sáng', '2026-06-01T22:00:00.000Z', expect.any(String)],
      ['Dân ca', '2026-06-01T22:05:00.000Z', expect.any(String)],
    ]);
    expect(t.items[0].endAt).toBe('2026-06-01T22:05:00.000Z');
    await expect(f.queries.timeline('st-a1', '2026-06-02T00:00:00.000Z', '2026-06-01T00:00:00.000Z')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(f.queries.timeline('st-a1', '2026-06-01T00:00:00.000Z', '2026-09-01T00:00:00.000Z')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('planned airings expand approved slots only, per targeted station, within the range', async () => {
    const f = scheduleFixture();
    const s = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', rule: 'FREQ=DAILY;COUNT=3', groupIds: ['group-ab'] }, admin);
    await f.authoring.create({ programmeId: 'music', startAt: '2026-06-02T09:00:00+07:00', stationIds: ['st-a1'] }, editor);
    const planned = await f.queries.plannedAirings(['st-a2', 'st-a1'], Date.parse('2026-06-02T00:00:00.000Z'), Date.parse('2026-06-05T00:00:00.000Z'));
    expect(planned.map((p) => [p.stationId, new Date(p.at).toISOString()])).toEqual([
      ['st-a2', '2026-06-02T22:00:00.000Z'],
      ['st-a2', '2026-06-03T22:00:00.000Z'],
    ]);
    expect(planned[0]).toMatchObject({ slotId: s.id, programmeId: 'news', durationMs: PROGRAMME_MS, priority: 'normal' });
    expect(await f.queries.plannedAirings([], 0, Date.parse('2027-01-01T00:00:00.000Z'))).toEqual([]);
  });

  it('the snapshot carries the look-ahead with the programme’s audio and its chuyên mục’s dead-air threshold', async () => {
    const f = scheduleFixture();
    const s = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', clusterIds: ['cluster-a1'] }, admin);
    const snap = await f.queries.snapshotFor('st-a1');
    expect(snap.version).toBe(2);
    expect(snap.items).toEqual([
      expect.objectContaining({ slotId: s.id, programme: expect.objectContaining({ title: 'Bản tin sáng' }), clusterIds: ['cluster-a1'], deadAirMs: 20_000, media: expect.objectContaining({ size: 1000 }) }),
    ]);
    expect((await f.queries.snapshotFor('st-b1')).items).toEqual([]);
    await expect(f.queries.snapshotFor('nowhere')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('an occurrence is recognised from the look-ahead, or from the rule once it has left it, and only on its own stations', async () => {
    const f = scheduleFixture();
    const s = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', rule: 'FREQ=DAILY;COUNT=30', stationIds: ['st-a1'] }, admin);
    const inWindow = occurrenceIdOf(s.id, '2026-06-01T22:00:00.000Z');
    expect(await f.queries.occurrence('st-a1', s.id, inWindow)).toMatchObject({ slot: { id: s.id }, programme: { id: 'news' }, startAt: '2026-06-01T22:00:00.000Z' });
    // Past the seven-day look-ahead: checked against the rule itself.
    const later = occurrenceIdOf(s.id, '2026-06-20T22:00:00.000Z');
    expect(f.store.t.airings.some((a) => a.occurrenceId === later)).toBe(false);
    expect(await f.queries.occurrence('st-a1', s.id, later)).toMatchObject({ startAt: '2026-06-20T22:00:00.000Z' });
    expect(await f.queries.occurrence('st-b1', s.id, later)).toBeNull();
    expect(await f.queries.occurrence('st-a1', s.id, occurrenceIdOf(s.id, '2026-06-20T22:01:00.000Z'))).toBeNull();
    expect(await f.queries.occurrence('st-a1', s.id, 'not-an-occurrence')).toBeNull();
  });

  it('describes a slot with its targets, stations, edits and history, and says when there is none', async () => {
    const f = scheduleFixture();
    const s = await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', unitIds: ['commune-b'], stationIds: ['st-a1'] }, admin);
    const d = await f.queries.describe(s.id);
    expect(d.targets).toEqual(expect.arrayContaining([{ kind: 'unit', id: 'commune-b' }, { kind: 'station', id: 'st-a1' }]));
    expect(d.stationIds.sort()).toEqual(['st-a1', 'st-b1']);
    expect(d.statusLabel).toBe('Đã duyệt');
    await expect(f.queries.describe('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: 'not_found' });
  });
});
