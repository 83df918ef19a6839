import { admin, scheduleFixture } from '../../../../test/support/fakes/schedule-fixture';
import { AIRING_RETENTION_MS } from './look-ahead.service';

const DAY = 24 * 3600_000;

describe('LookAhead on an in-memory store', () => {
  it('as time passes the window slides: a new airing of an endless rule arrives with a new version, and an unchanged station is left alone', async () => {
    const f = scheduleFixture();
    await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', rule: 'FREQ=DAILY', stationIds: ['st-a1'] }, admin);
    const before = f.store.t.airings.length;
    expect(before).toBe(7);
    f.emitted.length = 0;
    expect(await f.lookAhead.refreshAll()).toEqual([]);
    expect(f.emitted).toEqual([]);
    f.clock.at += DAY;
    expect(await f.lookAhead.refreshAll()).toEqual(['st-a1']);
    expect(f.emitted).toEqual([{ type: 'schedule.changed', stationIds: ['st-a1'] }]);
    expect(f.store.t.airings.map((a) => a.startAt)).toContain('2026-06-08T22:00:00.000Z');
    expect(f.store.t.stations.find((s) => s.id === 'st-a1')!.scheduleVersion).toBe(3);
  });

  it('a station added under a targeted unit gets the unit’s airings when it is refreshed', async () => {
    const f = scheduleFixture();
    await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', unitIds: ['commune-b'] }, admin);
    f.store.t.stations.push({ id: 'st-b2', unitId: 'commune-b', name: 'Trạm B2', scheduleVersion: 1 });
    expect(await f.lookAhead.refreshStations(['st-b2', 'st-b2'])).toEqual(['st-b2']);
    expect(f.store.t.airings.filter((a) => a.stationId === 'st-b2')).toHaveLength(1);
  });

  it('rebuilds many stations fifty to a transaction', async () => {
    const f = scheduleFixture();
    for (let i = 0; i < 120; i++) f.store.t.stations.push({ id: `st-x${i}`, unitId: 'commune-b', name: `X${i}`, scheduleVersion: 1 });
    const txBefore = f.store.transactions;
    await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', unitIds: ['commune-b'] }, admin);
    // One for the slot itself, then three batches for 121 stations.
    expect(f.store.transactions - txBefore).toBe(4);
    expect(new Set(f.store.t.airings.map((a) => a.stationId)).size).toBe(121);
  });

  it('forgets airings older than the retention, keeps the rest', async () => {
    const f = scheduleFixture();
    await f.authoring.create({ programmeId: 'news', startAt: '2026-06-02T05:00:00+07:00', rule: 'FREQ=DAILY;COUNT=2', stationIds: ['st-a1'] }, admin);
    f.clock.at = Date.parse('2026-06-02T22:00:00.000Z') + AIRING_RETENTION_MS;
    expect(await f.lookAhead.expire()).toBe(1);
    expect(f.store.t.airings.map((a) => a.startAt)).toEqual(['2026-06-02T22:00:00.000Z']);
  });
});
