import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Api } from '../../../../test/support/api';
import { makeTone } from '../../../../test/support/audio';
import { startInProcessServer } from '../../../../test/support/in-process';
import { Clock } from '../common/clock';
import { PlaybackService } from '../playback/playback.service';
import { LookAhead } from '../schedule/look-ahead.service';
import { ScheduleQueries } from '../schedule/schedule-queries.service';
import { occurrenceIdOf } from '../schedule/snapshot';
import { StationsService } from '../stations/stations.service';

const iso = (t: number) => new Date(t).toISOString();
const H7 = 7 * 3600_000;

type Unit = { id: string; name: string; parentId: string | null; retiredAt: string | null; mergedIntoId: string | null; code: string | null };

/** Units and stations over time: renames, moves, mergers, retirement, CSV import, who may do each. */
describe('units and stations over time', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let url: string;
  let province: Unit, other: Unit, a: Unit, b: Unit;
  let sa: { id: string; name: string }, sb: { id: string; name: string }, sc: { id: string; name: string };
  let tokenA: string;
  const as: Record<string, Api> = {};

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-units-'));
    url = await app.getUrl();
    province = await api.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh', code: 'HT' });
    other = await api.ok('POST', '/api/units', { name: 'Tỉnh Quảng Bình', kind: 'Tỉnh', code: 'QB' });
    a = await api.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã', parentId: province.id, code: 'HT-CB' });
    b = await api.ok('POST', '/api/units', { name: 'Xã Cẩm Vịnh', kind: 'Xã', parentId: province.id, code: 'HT-CV' });
    const c = await api.ok('POST', '/api/units', { name: 'Xã Quảng Phú', kind: 'Xã', parentId: other.id, code: 'QB-QP' });
    const createdA = await api.ok('POST', '/api/stations', { unitId: a.id, name: 'Đài xã Cẩm Bình', code: 'cam-binh' });
    sa = createdA.station;
    tokenA = createdA.token;
    sb = (await api.ok('POST', '/api/stations', { unitId: b.id, name: 'Đài xã Cẩm Vịnh', code: 'cam-vinh' })).station;
    sc = (await api.ok('POST', '/api/stations', { unitId: c.id, name: 'Đài xã Quảng Phú', code: 'quang-phu' })).station;
    for (const [name, unitId] of [
      ['admin-tinh', province.id],
      ['admin-xa', a.id],
      ['admin-qb', other.id],
    ] as const) {
      await api.ok('POST', '/api/users', { username: name, displayName: name, password: `${name}-password-1`, role: 'admin', unitId });
      as[name] = new Api(url);
      await as[name].login(name, `${name}-password-1`);
    }
  }, 120_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const unit = async (id: string): Promise<Unit> => (await api.ok<Unit[]>('GET', '/api/units')).find((u) => u.id === id)!;
  type Change = { action: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
  const audit = async (entity: string, entityId: string) => (await api.ok<{ items: Change[] }>('GET', `/api/audit?entity=${entity}&entityId=${entityId}`)).items;

  it('renames a unit only from above: the province admin may, the commune itself and another province may not; the audit trail has it', async () => {
    const own = await as['admin-xa'].request('PATCH', `/api/units/${a.id}`, { name: 'Xã Cẩm Bình mới' });
    expect(own.status).toBe(403);
    expect(own.body.message).toContain('cấp trên');
    expect((await as['admin-qb'].request('PATCH', `/api/units/${a.id}`, { name: 'x' })).status).toBe(403);
    expect((await as['admin-tinh'].request('PATCH', `/api/units/${a.id}`, { name: '   ' })).status).toBe(400);
    const renamed = await as['admin-tinh'].ok('PATCH', `/api/units/${a.id}`, { name: 'Xã Cẩm Bình (đổi tên)' });
    expect(renamed.name).toBe('Xã Cẩm Bình (đổi tên)');
    const trail = await audit('unit', a.id);
    expect(trail.some((e) => e.action === 'update' && e.before?.name === 'Xã Cẩm Bình' && e.after?.name === 'Xã Cẩm Bình (đổi tên)')).toBe(true);
  });

  it('moves a unit under another parent inside the admin’s subtree, never outside it or under itself', async () => {
    const district = await api.ok('POST', '/api/units', { name: 'Cụm Cẩm Xuyên', kind: 'Cụm', parentId: province.id });
    expect((await as['admin-tinh'].request('PATCH', `/api/units/${a.id}`, { parentId: other.id })).status).toBe(403);
    const moved = await as['admin-tinh'].ok('PATCH', `/api/units/${a.id}`, { parentId: district.id });
    expect(moved.parentId).toBe(district.id);
    const cycle = await api.request('PATCH', `/api/units/${district.id}`, { parentId: a.id });
    expect(cycle.status).toBe(400);
    expect(cycle.body.message).toContain('đang thuộc chính nó');
    expect(await as['admin-tinh'].ok('PATCH', `/api/units/${a.id}`, { parentId: province.id })).toMatchObject({ parentId: province.id });
    expect((await audit('unit', a.id)).filter((e) => e.action === 'update' && e.after?.parentId === district.id)).toHaveLength(1);
  });

  it('renames, moves, disables and re-enables a station inside the admin’s subtree; its old logbook lines keep the old name', async () => {
    const playback = app.get(PlaybackService);
    const clock = app.get(Clock);
    const tone = await api.upload(await makeTone(join(dir, 'tone-station.wav'), { frequency: 440, seconds: 2 }));
    await api.waitReady(tone.body.id);
    const programme = await api.ok('POST', '/api/programmes', { title: 'Bản tin xã', chuyenMuc: 'Cải cách hành chính', mediaAssetId: tone.body.id });
    const at = Date.now() - 2 * 86_400_000;
    jest.spyOn(clock, 'now').mockReturnValue(at - 3600_000);
    const slot = await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: iso(at), stationIds: [sa.id] });
    jest.restoreAllMocks();
    const ended = iso(at + slot.durationMs);
    const result = await playback.ingest(sa.id, [{ id: randomUUID(), kind: 'finished', occurrenceId: occurrenceIdOf(slot.id, iso(at)), slotId: slot.id, plannedAt: iso(at), startedAt: iso(at), endedAt: ended, playedMs: slot.durationMs, startErrorMs: 1 }]);
    expect(result.rejected).toEqual([]);

    expect((await as['admin-qb'].request('PATCH', `/api/stations/${sa.id}`, { name: 'x' })).status).toBe(403);
    expect((await as['admin-xa'].request('PATCH', `/api/stations/${sa.id}`, { unitId: b.id })).status).toBe(403);
    const renamed = await as['admin-xa'].ok('PATCH', `/api/stations/${sa.id}`, { name: 'Đài truyền thanh xã Cẩm Bình' });
    expect(renamed.name).toBe('Đài truyền thanh xã Cẩm Bình');
    const lines = (await api.ok('GET', `/api/logbook?stationId=${sa.id}`)).items;
    expect(lines.map((l: { stationName: string }) => l.stationName)).toEqual(['Đài xã Cẩm Bình']);
    expect((await audit('station', sa.id)).some((e) => e.action === 'update' && e.after?.name === 'Đài truyền thanh xã Cẩm Bình')).toBe(true);

    // Moved to a sibling commune by the province and back.
    expect((await as['admin-tinh'].ok('PATCH', `/api/stations/${sa.id}`, { unitId: b.id })).unitId).toBe(b.id);
    expect((await as['admin-tinh'].ok('PATCH', `/api/stations/${sa.id}`, { unitId: a.id })).unitId).toBe(a.id);
    expect((await as['admin-tinh'].request('PATCH', `/api/stations/${sa.id}`, { unitId: other.id })).status).toBe(403);

    // Disabled: its agent's token no longer opens a link, and no airing reaches it.
    const schedule = app.get(ScheduleQueries);
    const lookAhead = app.get(LookAhead);
    const stations = app.get(StationsService);
    const soon = Date.now() + 3600_000;
    await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: iso(soon), stationIds: [sa.id] });
    expect((await schedule.snapshotFor(sa.id)).items.some((i) => Date.parse(i.startAt) === soon)).toBe(true);
    expect((await as['admin-qb'].request('POST', `/api/stations/${sa.id}/disable`)).status).toBe(403);
    const off = await as['admin-xa'].ok('POST', `/api/stations/${sa.id}/disable`);
    expect(off.disabledAt).not.toBeNull();
    expect(await stations.findByToken(tokenA)).toBeNull();
    await lookAhead.refreshStations([sa.id]);
    expect((await schedule.snapshotFor(sa.id)).items.some((i) => Date.parse(i.startAt) === soon)).toBe(false);
    const on = await as['admin-xa'].ok('POST', `/api/stations/${sa.id}/enable`);
    expect(on.disabledAt).toBeNull();
    expect((await stations.findByToken(tokenA))?.id).toBe(sa.id);
    await lookAhead.refreshStations([sa.id]);
    expect((await schedule.snapshotFor(sa.id)).items.some((i) => Date.parse(i.startAt) === soon)).toBe(true);
    expect((await audit('station', sa.id)).filter((e) => e.action === 'update' && e.before?.disabledAt === null && e.after?.disabledAt)).toHaveLength(1);
  }, 60_000);

  it('merges two communes: the merged one keeps both stations, plan targets and history, and a report over a period before the merger, or spanning it, counts both', async () => {
    const playback = app.get(PlaybackService);
    const clock = app.get(Clock);
    const tone = await api.upload(await makeTone(join(dir, 'tone-merge.wav'), { frequency: 550, seconds: 2 }));
    await api.waitReady(tone.body.id);
    const programme = await api.ok('POST', '/api/programmes', { title: 'CCHC tháng 8', chuyenMuc: 'Cải cách hành chính', mediaAssetId: tone.body.id });
    // One airing on each commune's station in August 2026, before the merger.
    const at = Date.UTC(2026, 7, 10, 5, 30) - H7;
    jest.spyOn(clock, 'now').mockReturnValue(at - 3600_000);
    const slot = await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: iso(at), stationIds: [sa.id, sb.id] });
    jest.restoreAllMocks();
    for (const station of [sa, sb]) {
      const r = await playback.ingest(station.id, [{ id: randomUUID(), kind: 'finished', occurrenceId: occurrenceIdOf(slot.id, iso(at)), slotId: slot.id, plannedAt: iso(at), startedAt: iso(at), endedAt: iso(at + slot.durationMs), playedMs: slot.durationMs, startErrorMs: 1 }]);
      expect(r.rejected).toEqual([]);
    }
    const chuyenMuc = (await api.ok('GET', '/api/chuyen-muc'))[0];
    const target = await api.ok('POST', '/api/plan-targets', { name: 'Mỗi trạm xã Cẩm Vịnh 1 buổi/tháng', chuyenMucId: chuyenMuc.id, scope: 'each_station', unitId: b.id, minPerMonth: 1 });
    const report = (unitId: string) => api.ok('GET', `/api/reports/periodic?period=Q3&year=2026&convention=calendar&unitId=${unitId}`);
    expect((await report(a.id)).total.broadcasts).toBe(1);

    expect((await as['admin-xa'].request('POST', `/api/units/${b.id}/merge`, { intoId: a.id })).status).toBe(403);
    expect((await as['admin-qb'].request('POST', `/api/units/${b.id}/merge`, { intoId: a.id })).status).toBe(403);
    expect((await as['admin-tinh'].request('POST', `/api/units/${b.id}/merge`, { intoId: b.id })).status).toBe(400);
    expect((await as['admin-tinh'].request('POST', `/api/units/${a.id}/merge`, { intoId: province.id })).status).toBe(403);
    const merged = await as['admin-tinh'].ok('POST', `/api/units/${b.id}/merge`, { intoId: a.id });
    expect(merged.id).toBe(a.id);

    const absorbed = await unit(b.id);
    expect(absorbed.retiredAt).not.toBeNull();
    expect(absorbed.mergedIntoId).toBe(a.id);
    const stations = await api.ok<{ id: string; unitId: string }[]>('GET', `/api/stations?unitId=${a.id}`);
    expect(stations.map((s) => s.id).sort()).toEqual([sa.id, sb.id].sort());
    expect((await api.ok<{ id: string; unitId: string }[]>('GET', '/api/plan-targets')).find((t) => t.id === target.id)?.unitId).toBe(a.id);

    // The report for the merged commune over the quarter before the merger counts both communes' airings.
    const after = await report(a.id);
    expect(after.total.broadcasts).toBe(2);
    expect(after.stations.map((s: { stationId: string }) => s.stationId).sort()).toEqual([sa.id, sb.id].sort());
    // The lines keep the name the station had on air.
    const lines = (await api.ok('GET', `/api/logbook?stationId=${sb.id}`)).items;
    expect(lines.map((l: { stationName: string; unitId: string }) => [l.stationName, l.unitId])).toEqual([['Đài xã Cẩm Vịnh', b.id]]);
    // Both changes are in the audit trail.
    expect((await audit('unit', b.id)).some((e) => e.action === 'update' && e.after?.mergedIntoId === a.id)).toBe(true);
    expect((await audit('station', sb.id)).some((e) => e.action === 'update' && e.before?.unitId === b.id && e.after?.unitId === a.id)).toBe(true);

    // Airings after the merger: the year spanning it counts both communes' stations before and after, once each.
    const later = Date.now() + 10 * 60_000;
    const yearReport = () => api.ok('GET', `/api/reports/periodic?period=Y&year=${new Date(later + H7).getUTCFullYear()}&convention=calendar&unitId=${a.id}`);
    const broadcastsOf = (r: { stations: { stationId: string; broadcasts: number }[] }) => Object.fromEntries(r.stations.map((s) => [s.stationId, s.broadcasts]));
    const yearBefore = await yearReport();
    const slotAfter = await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: iso(later), stationIds: [sa.id, sb.id] });
    for (const station of [sa, sb]) {
      const r = await playback.ingest(station.id, [{ id: randomUUID(), kind: 'finished', occurrenceId: occurrenceIdOf(slotAfter.id, iso(later)), slotId: slotAfter.id, plannedAt: iso(later), startedAt: iso(later), endedAt: iso(later + slotAfter.durationMs), playedMs: slotAfter.durationMs, startErrorMs: 1 }]);
      expect(r.rejected).toEqual([]);
    }
    const year = await yearReport();
    expect(year.total.broadcasts).toBe(yearBefore.total.broadcasts + 2);
    expect(broadcastsOf(year)).toEqual({ [sa.id]: broadcastsOf(yearBefore)[sa.id] + 1, [sb.id]: 2 });
    // Each line keeps the unit its station was in at air time: Cẩm Vịnh before the merger, Cẩm Bình after.
    const sbLines = (await api.ok('GET', `/api/logbook?stationId=${sb.id}`)).items as { unitId: string; plannedStart: string }[];
    expect(sbLines.map((l) => [l.plannedStart, l.unitId]).sort()).toEqual([[iso(at), b.id], [iso(later), a.id]].sort());

    // A merged-away unit takes no new stations and no second merger.
    expect((await api.request('POST', '/api/stations', { unitId: b.id, name: 'x', code: 'x-new' })).status).toBe(409);
    expect((await api.request('POST', `/api/units/${b.id}/merge`, { intoId: a.id })).status).toBe(409);
  }, 60_000);

  it('retires only an empty unit, from above', async () => {
    const empty = await api.ok('POST', '/api/units', { name: 'Xã Sắp giải thể', kind: 'Xã', parentId: province.id });
    const busy = await as['admin-tinh'].request('POST', `/api/units/${a.id}/retire`);
    expect(busy.status).toBe(409);
    expect(busy.body.message).toContain('còn 2 trạm');
    expect((await as['admin-xa'].request('POST', `/api/units/${a.id}/retire`)).status).toBe(403);
    expect((await as['admin-qb'].request('POST', `/api/units/${empty.id}/retire`)).status).toBe(403);
    const retired = await as['admin-tinh'].ok('POST', `/api/units/${empty.id}/retire`);
    expect(retired.retiredAt).not.toBeNull();
    expect((await audit('unit', empty.id)).some((e) => e.action === 'update' && e.after?.retiredAt)).toBe(true);
  });

  it('imports a province’s post-merger unit list from CSV, and a bad file changes nothing and says which row and why', async () => {
    const before = (await api.ok<Unit[]>('GET', '/api/units')).length;
    const bad = await as['admin-tinh'].request('POST', '/api/units/import', {
      csv: ['code,name,level,parent code', 'HT-KA,Xã Kỳ Anh,Xã,HT', 'HT-KL,Xã Kỳ Lạc,Xã,HT-NOWHERE', 'HT-KA,Xã trùng,Xã,HT'].join('\n'),
    });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('import_invalid');
    expect(bad.body.message).toContain('Dòng 3');
    expect(bad.body.message).toContain('chưa có gì thay đổi');
    expect(bad.body.details.problems.map((p: { row: number }) => p.row)).toEqual([3, 4]);
    expect((await api.ok<Unit[]>('GET', '/api/units')).length).toBe(before);

    // An admin bound to the province may not add or change anything outside it.
    const outside = await as['admin-tinh'].request('POST', '/api/units/import', { csv: 'code,name,level,parent code\nQB-X,Xã X,Xã,QB\n' });
    expect(outside.status).toBe(422);
    expect(outside.body.message).toContain('nằm ngoài đơn vị của bạn');
    expect((await as['admin-xa'].request('POST', '/api/units/import', { csv: 'code,name,level,parent code\nHT-CB,Xã Cẩm Bình,Xã,HT\n' })).body.message).toContain('Dòng 2');

    const good = await as['admin-tinh'].ok('POST', '/api/units/import', {
      csv: ['code,name,level,parent code', 'HT-KA-T,Thôn Kỳ Anh 1,Thôn,HT-KA', 'HT-KA,Xã Kỳ Anh,Xã,HT', 'HT-CB,Xã Cẩm Bình,Xã,HT'].join('\n'),
    });
    expect(good).toEqual({ created: 2, updated: 1, unchanged: 0 });
    const all = await api.ok<Unit[]>('GET', '/api/units');
    const ka = all.find((u) => u.code === 'HT-KA')!;
    expect(ka.parentId).toBe(province.id);
    expect(all.find((u) => u.code === 'HT-KA-T')!.parentId).toBe(ka.id);
    expect(all.find((u) => u.id === a.id)!.name).toBe('Xã Cẩm Bình');
    expect((await audit('unit', ka.id)).some((e) => e.action === 'insert')).toBe(true);
    // The same file again changes nothing.
    expect(await as['admin-tinh'].ok('POST', '/api/units/import', { csv: 'code,name,level,parent code\nHT-KA,Xã Kỳ Anh,Xã,HT\n' })).toEqual({ created: 0, updated: 0, unchanged: 1 });
    void sc;
  });
});
