import { InMemoryAccessRepository } from '../../../../test/support/fakes/access.fake';
import { asRepository } from '../../../../test/support/fakes/fakes';
import { FakeClock } from '../../../../test/support/fakes/schedule-fixture';
import { AccessPolicy } from '../access/access-policy';
import type { AccessRepository } from '../access/access.repository';
import type { Principal } from '../auth/principal';
import type { ExportFormat } from '../logbook/logbook.service';
import { FakeReportsRepository } from '../../../../test/support/fakes/reports.repository.fake';
import type { PlanTarget } from '../plan-targets/plan-target.entity';
import type { PlannedAiring } from '../schedule/schedule-queries.service';
import { ReportsService } from './reports.service';

/** 15 February 2026, 10:00 Việt Nam time. */
const NOW = Date.parse('2026-02-15T03:00:00.000Z');
let n = 0;

function fixture() {
  const store = new FakeReportsRepository();
  store.unitRows = [
    { id: 'province', name: 'Tỉnh Hà Tĩnh', parentId: null },
    { id: 'commune-a', name: 'Xã Cẩm Bình', parentId: 'province' },
    { id: 'commune-b', name: 'Xã Cẩm Vịnh', parentId: 'province' },
  ];
  store.stationRows = [
    { id: 'st-a', name: 'Đài xã Cẩm Bình', unitId: 'commune-a' },
    { id: 'st-b', name: 'Đài xã Cẩm Vịnh', unitId: 'commune-b' },
  ];
  store.programmeRows = [
    { id: 'p-cchc', chuyenMuc: 'Cải cách hành chính', chuyenMucId: 'cm-cchc' },
    { id: 'p-news', chuyenMuc: 'Thời sự', chuyenMucId: 'cm-news' },
  ];
  const planned: PlannedAiring[] = [];
  const targets: PlanTarget[] = [];
  const subtreeCalls: string[] = [];
  const units = {
    async subtreeIds(rootId: string) {
      subtreeCalls.push(rootId);
      return rootId === 'province' ? ['province', 'commune-a', 'commune-b'] : [rootId];
    },
    async issuerName() {
      return 'Tỉnh Hà Tĩnh';
    },
  };
  const schedule = {
    async plannedAirings(stationIds: readonly string[], from: number, to: number) {
      return planned.filter((a) => stationIds.includes(a.stationId) && a.at >= from && a.at < to);
    },
  };
  const planTargets = {
    async list() {
      return targets;
    },
  };
  const chuyenMuc = {
    async list() {
      return [
        { id: 'cm-cchc', name: 'Cải cách hành chính', code: 'CCHC', deadAirSeconds: null, createdAt: '', retiredAt: null, topics: [] },
        { id: 'cm-news', name: 'Thời sự', code: 'TS', deadAirSeconds: null, createdAt: '', retiredAt: null, topics: [] },
      ];
    },
  };
  const facts = new InMemoryAccessRepository(store.unitRows, store.stationRows);
  const recorded: { who: Principal; format: ExportFormat; filter: object }[] = [];
  const exports = {
    async recordExport(who: Principal, format: ExportFormat, filter: object) {
      recorded.push({ who, format, filter });
    },
  };
  const access = new AccessPolicy(asRepository<AccessRepository>(facts));
  const service = new ReportsService(store, units, schedule, planTargets, chuyenMuc, new FakeClock(NOW), { timezone: 'Asia/Ho_Chi_Minh' }, access, exports);
  const line = (stationId: string, plannedStart: string, programmeId: string, result: 'complete' | 'partial' | 'missed', chuyenMuc: string) =>
    store.lines.push({ id: ++n, stationId, occurrenceId: `o${n}`, programmeId, chuyenMuc, topic: null, source: 'relay', priority: 'normal', plannedStart, result, durationMs: result === 'missed' ? null : 600_000, airVerdict: null });
  const target = (id: string, chuyenMucId: string, unitId: string) =>
    targets.push({ id, name: id, chuyenMucId, scope: 'each_station', stationId: null, unitId, minPerMonth: 1, createdBy: null, createdAt: '2026-01-01T00:00:00.000Z' });
  return { store, planned, line, target, subtreeCalls, service, recorded };
}

describe('ReportsService on an in-memory store', () => {
  it('counts a plan target from the latest lines and the airings still to come, reading unit trees and programmes once for every target', async () => {
    const f = fixture();
    f.target('cchc-each', 'cm-cchc', 'province');
    f.target('news-each', 'cm-news', 'province');
    f.target('cchc-a', 'cm-cchc', 'commune-a');
    f.line('st-a', '2026-01-10T00:00:00.000Z', 'p-cchc', 'complete', 'Cải cách hành chính');
    f.line('st-b', '2026-01-11T00:00:00.000Z', 'p-cchc', 'missed', 'Cải cách hành chính');
    f.line('st-b', '2026-02-03T00:00:00.000Z', 'p-news', 'partial', 'Thời sự');
    f.planned.push({ stationId: 'st-b', slotId: 'slot-1', programmeId: 'p-cchc', at: Date.parse('2026-02-20T00:00:00.000Z'), durationMs: 600_000, priority: 'normal', source: 'relay' });

    const report = await f.service.report({ period: 'Q1', year: 2026, convention: 'calendar', unitId: 'province' });
    const months = (targetId: string, stationId: string) =>
      report.targets.items.find((i) => i.targetId === targetId && i.stationId === stationId)!.months.map((m) => [m.aired, m.status]);
    expect(months('cchc-each', 'st-a')).toEqual([
      [1, 'met'],
      [0, 'at_risk'],
      [0, 'at_risk'],
    ]);
    expect(months('cchc-each', 'st-b')).toEqual([
      [0, 'missed'],
      [0, 'on_track'],
      [0, 'at_risk'],
    ]);
    expect(months('news-each', 'st-b')[1]).toEqual([1, 'met']);
    expect(report.targets.items.filter((i) => i.targetId === 'cchc-a').map((i) => i.stationId)).toEqual(['st-a']);
    // The report's own unit is looked up once; the targets' subtrees come from one read of the units.
    expect(f.subtreeCalls).toEqual(['province']);
    expect(f.store.calls).toEqual({ stations: 1, units: 1, eachLatestLine: 1, programmes: 1 });
  });

  it('a station’s report holds only that station', async () => {
    const f = fixture();
    f.line('st-a', '2026-01-10T00:00:00.000Z', 'p-cchc', 'complete', 'Cải cách hành chính');
    f.line('st-b', '2026-01-10T00:00:00.000Z', 'p-cchc', 'complete', 'Cải cách hành chính');
    const report = await f.service.report({ period: 'Q1', year: 2026, convention: 'calendar', stationId: 'st-b' });
    expect(report.stations.map((s) => [s.stationId, s.unitName])).toEqual([['st-b', 'Xã Cẩm Vịnh']]);
    expect(report.targets.available).toBe(false);
  });

  it('gives an inspector of commune A its own commune\'s report and refuses commune B in Vietnamese, recording no export', async () => {
    const f = fixture();
    const inspectorA: Principal = { kind: 'user', userId: 'i-a', username: 'thanh.tra.a', role: 'inspector', unitId: 'commune-a' };
    const refusal = { code: 'forbidden', message: 'Bạn chỉ xem được nhật ký của các trạm thuộc đơn vị mình.' };
    const own = await f.service.reportFor(inspectorA, { period: 'Q1', year: 2026, convention: 'calendar' });
    expect(own.stations.map((s) => s.stationId)).toEqual(['st-a']);
    await expect(f.service.reportFor(inspectorA, { period: 'Q1', year: 2026, unitId: 'commune-b' })).rejects.toMatchObject(refusal);
    await expect(f.service.prepareExport(inspectorA, 'pdf', { period: 'Q1', year: 2026, unitId: 'commune-b' })).rejects.toMatchObject(refusal);
    expect(f.recorded).toEqual([]);
    const plan = await f.service.prepareExport(inspectorA, 'xlsx', { period: 'Q1', year: 2026 });
    expect(plan.req.unitId).toBe('commune-a');
    expect(f.recorded).toEqual([{ who: inspectorA, format: 'report.xlsx', filter: expect.objectContaining({ unitId: 'commune-a' }) }]);
  });

  it('refuses every report to an operator placed in no unit, and to an agent', async () => {
    const f = fixture();
    const unplaced: Principal = { kind: 'user', userId: 'o', username: 'van.hanh', role: 'operator', unitId: null };
    await expect(f.service.reportFor(unplaced, { period: 'Y', year: 2026 })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringContaining('chưa được xếp vào đơn vị') });
    await expect(f.service.reportFor({ kind: 'agent', stationId: 'st-a', stationName: 'Đài xã Cẩm Bình' }, { period: 'Y', year: 2026 })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
