import { FakeClock } from '../../../../test/support/fakes/schedule-fixture';
import { FakePlanTargetsRepository } from '../../../../test/support/fakes/plan-targets.repository.fake';
import type { Principal } from '../auth/principal';
import { LoaError } from '../common/errors';
import type { PlannedAiring } from '../schedule/schedule-queries.service';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
import { PlanTargetsService } from './plan-targets.service';

const admin: Principal = { kind: 'user', userId: 'u1', username: 'admin', role: 'admin', unitId: null };
const communeA: Principal = { kind: 'user', userId: 'u2', username: 'xa-a', role: 'operator', unitId: 'commune-a' };
/** 15 February 2026, Việt Nam time. */
const NOW = Date.parse('2026-02-15T03:00:00.000Z');

function fixture() {
  const store = new FakePlanTargetsRepository();
  store.unitRows = [
    { id: 'province', parentId: null },
    { id: 'commune-a', parentId: 'province' },
    { id: 'commune-b', parentId: 'province' },
  ];
  store.stationRows = [
    { id: 'st-p', name: 'Đài tỉnh', unitId: 'province' },
    { id: 'st-a', name: 'Đài xã A', unitId: 'commune-a' },
    { id: 'st-b', name: 'Đài xã B', unitId: 'commune-b' },
  ];
  store.programmes = [
    { id: 'p-cchc', chuyenMuc: 'Cải cách hành chính', chuyenMucId: 'cm-cchc' },
    { id: 'p-news', chuyenMuc: 'Thời sự', chuyenMucId: 'cm-news' },
  ];
  const planned: PlannedAiring[] = [];
  const schedule = {
    calls: 0,
    async plannedAirings(stationIds: readonly string[], from: number, to: number) {
      this.calls++;
      return planned.filter((a) => stationIds.includes(a.stationId) && a.at >= from && a.at < to);
    },
  };
  const chuyenMuc = {
    async get(id: string) {
      if (!['cm-cchc', 'cm-news'].includes(id)) throw new LoaError('not_found', 'Không tìm thấy chuyên mục này.');
      return { id, name: id, code: id, deadAirSeconds: null, createdAt: '', retiredAt: null };
    },
    async list() {
      return [
        { id: 'cm-cchc', name: 'Cải cách hành chính', code: 'CCHC', deadAirSeconds: null, createdAt: '', retiredAt: null, topics: [] },
        { id: 'cm-news', name: 'Thời sự', code: 'TS', deadAirSeconds: null, createdAt: '', retiredAt: null, topics: [] },
      ];
    },
  };
  const units = new Map(store.unitRows.map((u) => [u.id, u]));
  const access = {
    async requireStation(who: Principal, stationId: string) {
      const station = store.stationRows.find((s) => s.id === stationId);
      if (who.kind === 'user' && who.unitId !== null && station?.unitId !== who.unitId) throw new LoaError('forbidden', 'Ngoài đơn vị của bạn.');
    },
    async requireUnit(who: Principal, unitId: string) {
      if (who.kind === 'user' && who.unitId !== null && unitId !== who.unitId) throw new LoaError('forbidden', 'Ngoài đơn vị của bạn.');
    },
    async visibleStations(who: Principal) {
      if (who.kind !== 'user' || who.unitId === null) return undefined;
      return new Set(store.stationRows.filter((s) => s.unitId === who.unitId).map((s) => s.id));
    },
    async visibleUnitsWithAncestors(who: Principal) {
      if (who.kind !== 'user' || who.unitId === null) return undefined;
      return new Set([who.unitId, ...(units.get(who.unitId)?.parentId ? [units.get(who.unitId)!.parentId!] : [])]);
    },
  };
  const stations = { get: async (id: string) => Object.assign(new Station(), { id }) };
  const unitsService = { get: async (id: string) => Object.assign(new Unit(), { id }) };
  const service = new PlanTargetsService(store, { timezone: 'Asia/Ho_Chi_Minh' }, new FakeClock(NOW), chuyenMuc, stations, unitsService, schedule, access);
  return { store, schedule, planned, service };
}

const line = (stationId: string, plannedStart: string, chuyenMucId: string | null, chuyenMuc = 'Khác') => ({
  stationId,
  occurrenceId: `slot@${plannedStart}`,
  plannedStart,
  result: 'complete',
  chuyenMuc,
  chuyenMucId,
});

describe('PlanTargetsService on an in-memory store', () => {
  it('judges every target month by month from one read of the logbook and one of the schedule, however many targets there are', async () => {
    const f = fixture();
    await f.service.create({ name: 'Tỉnh: 1 CCHC/tháng', chuyenMucId: 'cm-cchc', scope: 'station', stationId: 'st-p', minPerMonth: 1 }, 'u1');
    await f.service.create({ name: 'Mỗi xã: 1 CCHC/tháng', chuyenMucId: 'cm-cchc', scope: 'each_station', unitId: 'province', minPerMonth: 1 }, 'u1');
    await f.service.create({ name: 'Mỗi xã: 2 thời sự/tháng', chuyenMucId: 'cm-news', scope: 'each_station', unitId: 'province', minPerMonth: 2 }, 'u1');
    f.store.lines.push(
      line('st-p', '2026-01-10T00:00:00.000Z', 'cm-cchc'),
      // Named after the chuyên mục without being filed under it: counts as well.
      line('st-a', '2026-01-12T00:00:00.000Z', null, 'cải cách hành chính'),
      line('st-a', '2026-02-02T00:00:00.000Z', 'cm-news'),
    );
    const at = Date.parse('2026-02-20T00:00:00.000Z');
    f.planned.push({ stationId: 'st-a', slotId: 's1', programmeId: 'p-cchc', at, durationMs: 1000, priority: 'normal', source: 'relay' });
    f.planned.push({ stationId: 'st-a', slotId: 's2', programmeId: 'p-news', at, durationMs: 1000, priority: 'normal', source: 'relay' });

    const q = await f.service.compliance('2026-01-01T00:00:00+07:00', '2026-03-01T00:00:00+07:00', admin);
    const byName = Object.fromEntries(q.targets.map((t) => [t.name, t]));
    expect(byName['Tỉnh: 1 CCHC/tháng'].months.map((m) => m.status)).toEqual(['met', 'at_risk']);
    const each = Object.fromEntries(byName['Mỗi xã: 1 CCHC/tháng'].stations.map((s) => [s.stationId, s.months.map((m) => [m.aired, m.scheduled, m.status])]));
    expect(each).toEqual({
      'st-p': [
        [1, 0, 'met'],
        [0, 0, 'at_risk'],
      ],
      'st-a': [
        [1, 0, 'met'],
        [0, 1, 'on_track'],
      ],
      'st-b': [
        [0, 0, 'missed'],
        [0, 0, 'at_risk'],
      ],
    });
    expect(byName['Mỗi xã: 2 thời sự/tháng'].stations.find((s) => s.stationId === 'st-a')!.months[1]).toMatchObject({ aired: 1, scheduled: 1, status: 'on_track' });
    expect(f.store.calls.airedLines).toBe(1);
    expect(f.store.calls.filings).toBe(1);
    expect(f.schedule.calls).toBe(1);
  });

  it('someone bound to a commune sees only its own stations counted, and targets on none of them are left out', async () => {
    const f = fixture();
    await f.service.create({ name: 'Tỉnh', chuyenMucId: 'cm-cchc', scope: 'station', stationId: 'st-p', minPerMonth: 1 }, 'u1');
    await f.service.create({ name: 'Mỗi xã', chuyenMucId: 'cm-cchc', scope: 'each_station', unitId: 'province', minPerMonth: 1 }, 'u1');
    const q = await f.service.compliance('2026-02-01T00:00:00+07:00', '2026-03-01T00:00:00+07:00', communeA);
    expect(q.targets.map((t) => [t.name, t.stations.map((s) => s.stationId)])).toEqual([['Mỗi xã', ['st-a']]]);
  });

  it('refuses a target without its station or unit, and a backwards period', async () => {
    const f = fixture();
    await expect(f.service.create({ name: 'x', chuyenMucId: 'cm-cchc', scope: 'station', minPerMonth: 1 }, 'u1')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(f.service.create({ name: 'x', chuyenMucId: 'cm-cchc', scope: 'each_station', stationId: 'st-a', minPerMonth: 1 }, 'u1')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(f.service.compliance('2026-03-01T00:00:00Z', '2026-02-01T00:00:00Z', admin)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(f.store.targets).toEqual([]);
  });

  it('changes a target’s name and monthly minimum for someone who reaches its place, and refuses a sibling commune', async () => {
    const f = fixture();
    const target = await f.service.create({ name: 'Xã A 1 buổi', chuyenMucId: 'cm-cchc', scope: 'station', stationId: 'st-a', minPerMonth: 1 }, 'u2', communeA);
    const communeB: Principal = { kind: 'user', userId: 'u3', username: 'xa-b', role: 'approver', unitId: 'commune-b' };
    await expect(f.service.update(target.id, { minPerMonth: 5 }, communeB)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(f.service.create({ name: 'x', chuyenMucId: 'cm-cchc', scope: 'station', stationId: 'st-a', minPerMonth: 1 }, 'u3', communeB)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await f.service.update(target.id, { name: ' Xã A 2 buổi ', minPerMonth: 2 }, communeA)).toMatchObject({ name: 'Xã A 2 buổi', minPerMonth: 2, stationId: 'st-a' });
    expect(f.store.targets).toEqual([expect.objectContaining({ id: target.id, name: 'Xã A 2 buổi', minPerMonth: 2 })]);
    await expect(f.service.update('00000000-0000-4000-8000-000000000000', { minPerMonth: 2 }, admin)).rejects.toMatchObject({ code: 'not_found' });
  });
});
