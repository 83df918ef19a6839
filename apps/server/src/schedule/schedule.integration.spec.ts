import { INestApplication } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { CalendarToken } from './calendar-token.entity';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from '../../../../test/support/api';
import { testDatabaseEnv } from '../../../../test/support/test-db';
import { makeTone } from '../../../../test/support/audio';
import { startServer } from '../bootstrap';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { LookAhead } from './look-ahead.service';
import { ScheduleAuthoring } from './schedule-authoring.service';
import { ScheduleQueries } from './schedule-queries.service';

const DAY = 24 * 3600_000;

async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check()) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  expect(await check()).toBe(true);
}

/** Scheduling through the HTTP API on a fresh SQLite file with the real migrations. */
describe('scheduling as stations work: approval, recurrence, targets, conflicts, timeline', () => {
  let dir: string;
  let app: INestApplication;
  let admin: Api;
  let editor: Api;
  let approver: Api;
  let operator: Api;
  let url: string;
  let province: { id: string };
  let commune: { id: string };
  const st: Record<string, string> = {};
  let programmeId: string;
  let schedule: ScheduleQueries;
  let authoring: ScheduleAuthoring;
  let lookAhead: LookAhead;

  /** A wall-clock time in Việt Nam `days` from now at hh:mm, as an author writes it. */
  const vnDay = (days: number, hhmm: string) => {
    const d = new Date(Date.now() + 7 * 3600_000 + days * DAY);
    return `${d.toISOString().slice(0, 10)}T${hhmm}`;
  };
  const snapshotIds = async (stationId: string) => (await schedule.snapshotFor(stationId)).items.map((i) => i.slotId);

  async function as(username: string, role: string, unitId?: string): Promise<Api> {
    await admin.ok('POST', '/api/users', { username, displayName: username, password: `${username}-password-1`, role, ...(unitId ? { unitId } : {}) });
    const api = new Api(url);
    await api.login(username, `${username}-password-1`);
    return api;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-sched-'));
    app = await startServer(
      AppConfig.fromEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media'), LOA_ADMIN_PASSWORD: 'sched-admin-pw', LOG_LEVEL: 'error', ...(await testDatabaseEnv()) }),
    );
    url = await app.getUrl();
    schedule = app.get(ScheduleQueries);
    authoring = app.get(ScheduleAuthoring);
    lookAhead = app.get(LookAhead);
    admin = new Api(url);
    await admin.login('admin', 'sched-admin-pw');
    province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    commune = await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã', parentId: province.id });
    const other = await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Vịnh', kind: 'Xã', parentId: province.id });
    st.binh = (await admin.ok('POST', '/api/stations', { unitId: commune.id, name: 'Đài xã Cẩm Bình', code: 'cam-binh' })).station.id;
    st.vinh = (await admin.ok('POST', '/api/stations', { unitId: other.id, name: 'Đài xã Cẩm Vịnh', code: 'cam-vinh' })).station.id;
    const upload = await admin.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    await admin.waitReady(upload.body.id);
    programmeId = (await admin.ok('POST', '/api/programmes', { title: 'Chuyên mục CCHC', chuyenMuc: 'Cải cách hành chính', mediaAssetId: upload.body.id })).id;
    editor = await as('bientap', 'editor');
    approver = await as('pheduyet', 'approver');
    operator = await as('canboxa', 'operator', commune.id);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('an editor’s slot waits for approval and reaches no agent until approved; who did what is kept', async () => {
    const slot = await editor.ok('POST', '/api/slots', { programmeId, startAt: vnDay(1, '05:30'), stationIds: [st.binh] });
    expect(slot.status).toBe('submitted');
    expect(await snapshotIds(st.binh)).not.toContain(slot.id);
    expect((await editor.request('POST', `/api/slots/${slot.id}/approve`)).status).toBe(403);

    const approved = await approver.ok('POST', `/api/slots/${slot.id}/approve`);
    expect(approved.status).toBe('approved');
    expect(approved.history.map((h: { action: string; username: string }) => `${h.action}:${h.username}`)).toEqual([
      'created:bientap',
      'submitted:bientap',
      'approved:pheduyet',
    ]);
    expect(await snapshotIds(st.binh)).toContain(slot.id);
    expect(await snapshotIds(st.vinh)).not.toContain(slot.id);
  });

  it('a rejection reaches its author with the reason, and the slot stays off the air', async () => {
    const slot = await editor.ok('POST', '/api/slots', { programmeId, startAt: vnDay(1, '06:30'), stationIds: [st.binh] });
    const empty = await approver.request('POST', `/api/slots/${slot.id}/reject`, { reason: '   ' });
    expect(empty.status).toBe(400);
    await approver.ok('POST', `/api/slots/${slot.id}/reject`, { reason: 'Trùng giờ họp dân, đề nghị dời sang 17:00' });
    const mine = await editor.ok('GET', '/api/slots/mine');
    const entry = mine.find((s: { id: string }) => s.id === slot.id);
    expect(entry).toMatchObject({ status: 'rejected', statusLabel: 'Bị từ chối', rejectionReason: 'Trùng giờ họp dân, đề nghị dời sang 17:00' });
    expect(entry.history.at(-1)).toMatchObject({ action: 'rejected', by: 'pheduyet' });
    expect(await snapshotIds(st.binh)).not.toContain(slot.id);
    // A rejected slot cannot be approved without being submitted again.
    expect((await approver.request('POST', `/api/slots/${slot.id}/approve`)).status).toBe(409);
  });

  it('a commune operator creates and approves their own station’s local programme, and nothing elsewhere', async () => {
    const own = await operator.ok('POST', '/api/slots', { programmeId, startAt: vnDay(2, '17:00'), stationIds: [st.binh] });
    expect(own).toMatchObject({ status: 'approved', source: 'local' });
    expect((await operator.request('POST', '/api/slots', { programmeId, startAt: vnDay(2, '18:00'), stationIds: [st.vinh] })).status).toBe(403);
    expect((await operator.request('POST', '/api/slots', { programmeId, startAt: vnDay(2, '18:00'), stationIds: [st.binh], source: 'relay' })).status).toBe(403);
    expect((await operator.request('POST', '/api/slots', { programmeId, startAt: vnDay(2, '18:00'), stationIds: [st.binh], priority: 'emergency' })).status).toBe(403);
  });

  it("a chuyên mục's own dead-air threshold reaches the agents with its programmes; a bad value or a non-admin changes nothing", async () => {
    const cchc = (await admin.ok('GET', '/api/chuyen-muc')).find((c: { code: string }) => c.code === 'CCHC') as { id: string; deadAirSeconds: number | null };
    expect(cchc.deadAirSeconds).toBeNull();
    for (const bad of [1, 601, 2.5, 'mười']) {
      const refused = await admin.request('PATCH', `/api/chuyen-muc/${cchc.id}`, { deadAirSeconds: bad });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('deadAirSeconds') });
    }
    expect((await editor.request('PATCH', `/api/chuyen-muc/${cchc.id}`, { deadAirSeconds: 20 })).status).toBe(403);
    expect((await admin.ok('GET', '/api/chuyen-muc')).find((c: { id: string }) => c.id === cchc.id).deadAirSeconds).toBeNull();

    expect(await admin.ok('PATCH', `/api/chuyen-muc/${cchc.id}`, { deadAirSeconds: 25 })).toMatchObject({ id: cchc.id, deadAirSeconds: 25 });
    const slot = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnDay(3, '19:15'), stationIds: [st.binh] });
    const item = async () => (await schedule.snapshotFor(st.binh)).items.find((i) => i.slotId === slot.id)!;
    expect((await item()).deadAirMs).toBe(25_000);
    await admin.ok('PATCH', `/api/chuyen-muc/${cchc.id}`, { deadAirSeconds: null });
    expect('deadAirMs' in (await item())).toBe(false);
    await admin.ok('DELETE', `/api/slots/${slot.id}`);
  });

  it('a daily slot sends the agent one item per day of the look-ahead, each at 05:00 Việt Nam time', async () => {
    const slot = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnDay(1, '05:00'), rule: 'FREQ=DAILY', stationIds: [st.vinh] });
    expect(slot.status).toBe('approved');
    const items = (await schedule.snapshotFor(st.vinh)).items.filter((i) => i.slotId === slot.id);
    expect(items.length).toBeGreaterThanOrEqual(6);
    for (const i of items) expect(i.startAt.slice(11)).toBe('22:00:00.000Z');
    expect(new Set(items.map((i) => i.occurrenceId)).size).toBe(items.length);
  });

  it('refuses a clash with any airing of a recurring slot with 409 listing it, and stores nothing', async () => {
    const weekly = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnDay(1, '11:00'), rule: 'FREQ=DAILY;COUNT=10', unitIds: [province.id] });
    const before = (await admin.ok('GET', '/api/slots')).length;
    const clash = await admin.request('POST', '/api/slots', { programmeId, startAt: vnDay(4, '11:00:01'), stationIds: [st.vinh, st.binh] });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('conflict');
    const clashes = clash.body.details.clashes as { stationId: string; slotId: string; airingAt: string }[];
    expect(clashes.map((c) => c.stationId).sort()).toEqual([st.binh, st.vinh].sort());
    expect(clashes.every((c) => c.slotId === weekly.id)).toBe(true);
    // Cut through a group too.
    const group = await admin.ok('POST', '/api/station-groups', { name: 'Ven biển', stationIds: [st.vinh] });
    const viaGroup = await admin.request('POST', '/api/slots', { programmeId, startAt: vnDay(5, '11:00'), groupIds: [group.id], startMode: 'hard' });
    expect(viaGroup.status).toBe(409);
    expect(viaGroup.body.details.clashes).toEqual([expect.objectContaining({ stationId: st.vinh, slotId: weekly.id })]);
    expect((await admin.ok('GET', '/api/slots')).length).toBe(before);

    // What the rules can order is accepted: a soft start, or a higher priority.
    expect((await admin.request('POST', '/api/slots', { programmeId, startAt: vnDay(4, '11:00:01'), stationIds: [st.vinh], startMode: 'soft' })).status).toBe(201);
    expect((await admin.request('POST', '/api/slots', { programmeId, startAt: vnDay(5, '11:00:01'), stationIds: [st.vinh], priority: 'priority' })).status).toBe(201);
    // An exception date frees that day.
    const freed = await admin.ok('POST', '/api/slots', {
      programmeId,
      startAt: vnDay(1, '12:00'),
      rule: 'FREQ=DAILY;COUNT=3',
      exdates: [vnDay(2, '12:00')],
      stationIds: [st.binh],
    });
    expect((await admin.request('POST', '/api/slots', { programmeId, startAt: vnDay(2, '12:00'), stationIds: [st.binh] })).status).toBe(201);
    expect((await admin.request('POST', '/api/slots', { programmeId, startAt: vnDay(3, '12:00'), stationIds: [st.binh] })).status).toBe(409);
    expect(freed.rule).toBe('FREQ=DAILY;COUNT=3');
  });

  it('changing a slot is checked like a new one, and an editor’s change to an approved slot needs approval again', async () => {
    const fixed = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnDay(6, '10:00'), stationIds: [st.binh] });
    const slot = await editor.ok('POST', '/api/slots', { programmeId, startAt: vnDay(6, '09:00'), stationIds: [st.binh] });
    await approver.ok('POST', `/api/slots/${slot.id}/approve`);
    const clash = await editor.request('PATCH', `/api/slots/${slot.id}`, { startAt: vnDay(6, '10:00') });
    expect(clash.status).toBe(409);
    expect(clash.body.details.clashes).toEqual([expect.objectContaining({ slotId: fixed.id, stationId: st.binh })]);
    expect((await admin.ok('GET', `/api/slots/${slot.id}`)).startAt).toBe(slot.startAt);

    const moved = await editor.ok('PATCH', `/api/slots/${slot.id}`, { startAt: vnDay(6, '13:30'), rule: 'FREQ=WEEKLY;COUNT=2' });
    expect(moved).toMatchObject({ status: 'submitted', rule: 'FREQ=WEEKLY;COUNT=2', localStart: `${vnDay(6, '13:30')}:00` });
    expect(await snapshotIds(st.binh)).not.toContain(slot.id);
    expect((await editor.request('PATCH', `/api/slots/${slot.id}`, { rule: 'FREQ=MINUTELY' })).status).toBe(400);
  });

  it('a unit target includes a station added to the unit later', async () => {
    const slot = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnDay(3, '07:00'), unitIds: [commune.id] });
    const { station } = await admin.ok('POST', '/api/stations', { unitId: commune.id, name: 'Đài thôn mới', code: 'thon-moi' });
    // Picked up when the station is created, and by the periodic refresh in any case.
    await eventually(async () => (await snapshotIds(station.id)).includes(slot.id));
    await lookAhead.refreshAll();
    expect(await snapshotIds(station.id)).toContain(slot.id);
  });

  it('a slot for a whole district is written in batches, with the event loop free between them, and reaches every station once', async () => {
    const district = await admin.ok('POST', '/api/units', { name: 'Huyện Cẩm Xuyên', kind: 'Huyện', parentId: province.id });
    const ids: string[] = [];
    for (let i = 0; i < 120; i += 20) {
      const made = await Promise.all(
        Array.from({ length: 20 }, (_, j) => admin.ok('POST', '/api/stations', { unitId: district.id, name: `Trạm huyện ${i + j}`, code: `huyen-${i + j}` })),
      );
      ids.push(...made.map((m: { station: { id: string } }) => m.station.id));
    }
    // After the look-ahead each new station got on creation (queued before this one).
    await lookAhead.refreshStations(ids);
    const versions = await Promise.all(ids.map(async (id) => (await schedule.snapshotFor(id)).version));
    // Counts the turns of the event loop the change leaves to others (live audio, agents' sockets).
    let turns = 0;
    let counting = true;
    const turn = () => {
      if (!counting) return;
      turns++;
      setImmediate(turn);
    };
    setImmediate(turn);
    const slot = await authoring.create({ programmeId, startAt: vnDay(2, '06:30'), rule: 'FREQ=DAILY;COUNT=3', unitIds: [district.id] }, null);
    counting = false;
    expect(turns).toBeGreaterThanOrEqual(2); // 120 stations: three batches of fifty
    for (const [i, id] of ids.entries()) {
      const snapshot = await schedule.snapshotFor(id);
      expect(snapshot.items.filter((item) => item.slotId === slot.id)).toHaveLength(3);
      expect(snapshot.version).toBe(versions[i] + 1);
    }
  }, 60_000);

  it('a speaker-cluster target sends the station the clusters to play on', async () => {
    const cluster = await admin.ok('POST', `/api/stations/${st.vinh}/clusters`, { name: 'Cụm loa thôn Đông' });
    const slot = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnDay(3, '08:00'), clusterIds: [cluster.id] });
    const item = (await schedule.snapshotFor(st.vinh)).items.find((i) => i.slotId === slot.id);
    expect(item?.clusterIds).toEqual([cluster.id]);
  });

  it('one airing can be declined on one station by its operator, the rest stay', async () => {
    const slot = await editor.ok('POST', '/api/slots', { programmeId, startAt: vnDay(1, '09:00'), rule: 'FREQ=DAILY;COUNT=3', stationIds: [st.binh, st.vinh], status: 'submitted' });
    await approver.ok('POST', `/api/slots/${slot.id}/approve`);
    const second = new Date(Date.parse(slot.startAt) + DAY).toISOString();
    expect((await operator.request('POST', `/api/slots/${slot.id}/airings`, { occurrenceAt: second, action: 'cancel', stationId: st.vinh })).status).toBe(403);
    await operator.ok('POST', `/api/slots/${slot.id}/airings`, { occurrenceAt: second, action: 'cancel', stationId: st.binh });
    const at = async (stationId: string) => (await schedule.snapshotFor(stationId)).items.filter((i) => i.slotId === slot.id).map((i) => i.startAt);
    expect(await at(st.binh)).toHaveLength(2);
    expect(await at(st.binh)).not.toContain(second);
    expect(await at(st.vinh)).toContain(second);
    // Moved to 20:00 on all stations, it becomes a new occurrence there.
    const third = new Date(Date.parse(slot.startAt) + 2 * DAY).toISOString();
    await admin.ok('POST', `/api/slots/${slot.id}/airings`, { occurrenceAt: third, action: 'move', moveTo: vnDay(3, '20:00') });
    expect(await at(st.vinh)).toContain(new Date(Date.parse(`${vnDay(3, '20:00')}:00+07:00`)).toISOString());
    expect(await at(st.vinh)).not.toContain(third);
  });

  it('the timeline shows what will actually play after priorities and start modes', async () => {
    const unit = await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Thành', kind: 'Xã', parentId: province.id });
    const { station } = await admin.ok('POST', '/api/stations', { unitId: unit.id, name: 'Đài xã Cẩm Thành', code: 'cam-thanh' });
    const start = vnDay(6, '05:30:00');
    const base = Date.parse(`${start}+07:00`);
    const at = (s: number) => new Date(base + s * 1000).toISOString();
    const a = await admin.ok('POST', '/api/slots', { programmeId, startAt: at(0), stationIds: [station.id] });
    const b = await admin.ok('POST', '/api/slots', { programmeId, startAt: at(1), stationIds: [station.id], priority: 'priority' });
    const c = await admin.ok('POST', '/api/slots', { programmeId, startAt: at(1.5), stationIds: [station.id], startMode: 'soft' });
    const tl = await admin.ok('GET', `/api/stations/${station.id}/timeline?from=${encodeURIComponent(at(-60))}&to=${encodeURIComponent(at(60))}`);
    expect(tl.items.map((i: { slotId: string; outcome: string; startAt: string }) => [i.slotId, i.outcome, i.startAt])).toEqual([
      [a.id, 'cut', at(0)],
      [b.id, 'complete', at(1)],
      [c.id, 'complete', new Date(base + 1000 + b.durationMs).toISOString()],
    ]);
    expect(tl.items[0].cutBy).toBe(tl.items[1].occurrenceId);
    expect((await admin.request('GET', `/api/stations/${station.id}/timeline?from=${encodeURIComponent(at(60))}&to=${encodeURIComponent(at(0))}`)).status).toBe(400);
  });

  it('gives staff a calendar link per station and per unit, without sign-in, keeping only its hash', async () => {
    const slot = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnDay(2, '16:30'), stationIds: [st.vinh] });
    const { token, path } = await editor.ok('POST', `/api/stations/${st.vinh}/calendar-token`);
    // A commune operator gets links for its own commune's stations only.
    expect((await operator.request('POST', `/api/stations/${st.vinh}/calendar-token`)).status).toBe(403);
    expect(path).toBe(`/api/calendar/${token}.ics`);
    const res = await fetch(url + path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/calendar/);
    const text = await res.text();
    expect(text).toContain('BEGIN:VCALENDAR');
    expect(text).toContain('SUMMARY:Chuyên mục CCHC');
    const compact = slot.startAt.replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    expect(text).toContain(`DTSTART:${compact}`);
    const unitFeed = await admin.ok('POST', `/api/units/${province.id}/calendar-token`);
    expect(await (await fetch(url + unitFeed.path)).text()).toContain(`${slot.id}@${slot.startAt}@loa`);
    expect((await fetch(`${url}/api/calendar/loa_cal_${'x'.repeat(32)}.ics`)).status).toBe(404);
    const rows: { tokenHash: string }[] = await app.get(DataSource).query('SELECT "tokenHash" FROM "calendar_token"');
    expect(rows.some((r) => r.tokenHash === token)).toBe(false);
    expect(rows).toHaveLength(2);
  });

  it('lists, revokes and expires calendar links, and a link dies with its maker\'s access', async () => {
    const makerId = (await admin.ok('POST', '/api/users', { username: 'lich-xa', displayName: 'Lịch xã', password: 'lich-xa-password-1', role: 'operator', unitId: commune.id })).id;
    const maker = new Api(url);
    await maker.login('lich-xa', 'lich-xa-password-1');
    const outsider = await as('lich-xa-khac', 'operator', (await admin.ok('GET', '/api/stations')).find((s: { id: string }) => s.id === st.vinh).unitId);
    const works = async (path: string) => (await fetch(url + path)).status;

    expect((await maker.request('POST', `/api/stations/${st.binh}/calendar-token`, { days: 0 })).status).toBe(400);
    const first = await maker.ok('POST', `/api/stations/${st.binh}/calendar-token`, { days: 30 });
    expect(Date.parse(first.expiresAt) - Date.now()).toBeGreaterThan(29 * DAY);
    expect(Date.parse(first.expiresAt) - Date.now()).toBeLessThanOrEqual(30 * DAY);
    expect(await works(first.path)).toBe(200);
    expect((await maker.ok('GET', '/api/calendar-tokens')).map((l: { id: string; active: boolean }) => [l.id, l.active])).toEqual([[first.id, true]]);
    expect(await outsider.ok('GET', '/api/calendar-tokens')).toEqual([]);

    // Someone of another commune can neither see nor revoke it; its maker can.
    expect((await outsider.request('DELETE', `/api/calendar-tokens/${first.id}`)).status).toBe(403);
    expect(await works(first.path)).toBe(200);
    expect((await maker.request('DELETE', `/api/calendar-tokens/${first.id}`)).status).toBe(200);
    expect(await works(first.path)).toBe(404);
    expect((await maker.ok('GET', '/api/calendar-tokens')).map((l: { active: boolean }) => l.active)).toEqual([false]);

    // Expired: the day it ends, the link stops answering.
    const second = await maker.ok('POST', `/api/stations/${st.binh}/calendar-token`);
    expect(await works(second.path)).toBe(200);
    await app.get(DataSource).getRepository(CalendarToken).update({ id: second.id }, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(await works(second.path)).toBe(404);

    // Disabled, then moved to another commune: the maker's links stop working with its access.
    const third = await maker.ok('POST', `/api/stations/${st.binh}/calendar-token`);
    expect(await works(third.path)).toBe(200);
    await admin.ok('PATCH', `/api/users/${makerId}`, { disabled: true });
    expect(await works(third.path)).toBe(404);
    await admin.ok('PATCH', `/api/users/${makerId}`, { disabled: false });
    expect(await works(third.path)).toBe(200);
    const otherCommune = (await admin.ok('GET', '/api/stations')).find((s: { id: string }) => s.id === st.vinh).unitId;
    await admin.ok('PATCH', `/api/users/${makerId}`, { unitId: otherCommune });
    expect(await works(third.path)).toBe(404);
  });

  it('as time passes the look-ahead slides: new airings of an endless rule arrive with a new version, old ones expire', async () => {
    const unit = await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Quang', kind: 'Xã', parentId: province.id });
    const { station } = await admin.ok('POST', '/api/stations', { unitId: unit.id, name: 'Đài xã Cẩm Quang', code: 'cam-quang' });
    const slot = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnDay(1, '05:15'), rule: 'FREQ=DAILY', stationIds: [station.id] });
    const before = await schedule.snapshotFor(station.id);
    expect(await lookAhead.refreshAll()).not.toContain(station.id);

    const clock = app.get(Clock);
    const real = clock.now();
    const spy = jest.spyOn(clock, 'now').mockReturnValue(real + 2 * DAY);
    try {
      expect(await lookAhead.refreshAll()).toContain(station.id);
      const after = await schedule.snapshotFor(station.id);
      expect(after.version).toBeGreaterThan(before.version);
      const last = (snap: typeof before) => snap.items.filter((i) => i.slotId === slot.id).at(-1)!.startAt;
      expect(Date.parse(last(after)) - Date.parse(last(before))).toBe(2 * DAY);

      spy.mockReturnValue(real + 80 * DAY);
      await lookAhead.refreshAll();
      expect(await lookAhead.expire()).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
  });

  it('a slot on "daily at 05:30 and 17:00" reaches the agent twice a day, clashes at either time, and reads in words in the calendar feed', async () => {
    const unit = await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Hòa', kind: 'Xã', parentId: province.id });
    const { station } = await admin.ok('POST', '/api/stations', { unitId: unit.id, name: 'Đài xã Cẩm Hòa', code: 'cam-hoa' });
    const rule = 'FREQ=DAILY;BYHOUR=5,17;BYMINUTE=0,30;BYSECOND=0;BYSETPOS=2,3';
    const slot = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnDay(1, '05:30'), rule, stationIds: [station.id] });
    expect(slot.rule).toBe(rule);
    const items = (await schedule.snapshotFor(station.id)).items.filter((i) => i.slotId === slot.id);
    expect(items.length).toBeGreaterThanOrEqual(12);
    // 05:30 and 17:00 in Việt Nam are 22:30 and 10:00 UTC.
    expect(new Set(items.map((i) => i.startAt.slice(11)))).toEqual(new Set(['22:30:00.000Z', '10:00:00.000Z']));
    expect(new Set(items.map((i) => i.occurrenceId)).size).toBe(items.length);

    const atFive = await admin.request('POST', '/api/slots', { programmeId, startAt: vnDay(3, '17:00:01'), stationIds: [station.id] });
    expect(atFive.status).toBe(409);
    expect(atFive.body.details.clashes).toEqual([expect.objectContaining({ slotId: slot.id, stationId: station.id })]);
    expect((await admin.request('POST', '/api/slots', { programmeId, startAt: vnDay(3, '12:00'), stationIds: [station.id] })).status).toBe(201);

    const { path } = await admin.ok('POST', `/api/stations/${station.id}/calendar-token`);
    const feed = (await (await fetch(url + path)).text()).replace(/\r\n[ \t]/g, '');
    expect(feed).toContain('Lịch phát: Hằng ngày lúc 05:30 và 17:00');
    // The feed reaches CALENDAR_FEED_DAYS (92 by default) ahead, no further.
    const starts = [...feed.matchAll(/DTSTART:(\d{8}T\d{6})Z/g)].map((m) => Date.parse(m[1].replace(/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/, '$1-$2-$3T$4:$5:$6Z')));
    const last = Math.max(...starts);
    expect(last).toBeGreaterThan(Date.now() + 91 * DAY);
    expect(last).toBeLessThanOrEqual(Date.now() + 92 * DAY);
    await admin.ok('DELETE', `/api/slots/${slot.id}`);
  });

  it('refuses a rule with an hour that does not exist, with 400', async () => {
    const res = await admin.request('POST', '/api/slots', { programmeId, startAt: vnDay(1, '05:30'), rule: 'FREQ=DAILY;BYHOUR=5,24', stationIds: [st.binh] });
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
  });

  it('refuses bad input with 400 and stores nothing', async () => {
    const before = (await admin.ok('GET', '/api/slots')).length;
    for (const body of [
      { programmeId, startAt: vnDay(1, '05:30'), rule: 'FREQ=HOURLY', stationIds: [st.binh] },
      { programmeId, startAt: vnDay(1, '05:30'), rule: 'nonsense', stationIds: [st.binh] },
      { programmeId, startAt: vnDay(1, '05:30'), timeZone: 'Mars/Olympus', stationIds: [st.binh] },
      { programmeId, startAt: vnDay(1, '05:30'), startMode: 'wait', stationIds: [st.binh] },
      { programmeId, startAt: vnDay(1, '05:30') },
      { programmeId, startAt: vnDay(1, '05:30'), stationIds: [st.binh], colour: 'red' },
    ]) {
      const res = await admin.request('POST', '/api/slots', body);
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    }
    expect((await admin.ok('GET', '/api/slots')).length).toBe(before);
  });
});
