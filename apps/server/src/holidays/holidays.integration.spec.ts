import type { INestApplication } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Api } from '../../../../test/support/api';
import { makeTone } from '../../../../test/support/audio';
import { startInProcessServer } from '../../../../test/support/in-process';
import { Clock } from '../common/clock';
import { LookAhead } from '../schedule/look-ahead.service';
import { ScheduleQueries } from '../schedule/schedule-queries.service';

const H7 = 7 * 3600_000;
/** An instant at a wall-clock time in Việt Nam. */
const vn = (date: string, time: string) => Date.parse(`${date}T${time}:00Z`) - H7;
const day = (t: number | string) => new Date(Date.parse(String(t)) + H7).toISOString().slice(0, 10);

/** Public holidays, declared days off, and quiet hours, from the API to what the agent is sent. */
describe('holidays and quiet hours', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let provinceAdmin: Api;
  let station: { id: string };
  let programmeId: string;
  let schedule: ScheduleQueries;
  let lookAhead: LookAhead;

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-holidays-'));
    schedule = app.get(ScheduleQueries);
    lookAhead = app.get(LookAhead);
    const province = await api.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    const commune = await api.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã', parentId: province.id });
    station = (await api.ok('POST', '/api/stations', { unitId: commune.id, name: 'Đài xã Cẩm Bình', code: 'cam-binh' })).station;
    await api.ok('POST', '/api/users', { username: 'admin-tinh', displayName: 'QTV tỉnh', password: 'admin-tinh-password-1', role: 'admin', unitId: province.id });
    provinceAdmin = new Api(await app.getUrl());
    await provinceAdmin.login('admin-tinh', 'admin-tinh-password-1');
    const tone = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    await api.waitReady(tone.body.id);
    programmeId = (await api.ok('POST', '/api/programmes', { title: 'Bản tin sáng', chuyenMuc: 'Cải cách hành chính', mediaAssetId: tone.body.id })).id;
  }, 120_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  afterEach(() => jest.restoreAllMocks());

  it('lists Tết 2027 and the declared days off; only staff bound to no unit declare one, checked and audited', async () => {
    const feb = await api.ok<{ date: string; name: string; kind: string }[]>('GET', '/api/holidays?from=2027-02-01&to=2027-02-28');
    expect(feb.find((h) => h.date === '2027-02-06')).toEqual({ date: '2027-02-06', name: 'Tết Nguyên Đán', kind: 'public' });
    expect(feb.filter((h) => h.kind === 'public').map((h) => h.date)).toEqual(['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09']);
    expect((await api.request('GET', '/api/holidays?from=2027-02-30&to=2027-03-01')).status).toBe(400);

    const refused = await provinceAdmin.request('POST', '/api/holidays/days-off', { date: '2027-02-10', name: 'Nghỉ bù Tết' });
    expect(refused.status).toBe(403);
    expect((await api.request('POST', '/api/holidays/days-off', { date: '2027-02-31', name: 'x' })).status).toBe(400);
    expect((await api.request('POST', '/api/holidays/days-off', { date: '2027-02-11', name: ' ' })).status).toBe(400);
    const declared = await api.ok('POST', '/api/holidays/days-off', { date: '2027-02-10', name: 'Nghỉ bù Tết' });
    expect((await api.request('POST', '/api/holidays/days-off', { date: '2027-02-10', name: 'lần nữa' })).status).toBe(409);
    const withDeclared = await api.ok<{ date: string; kind: string; id?: string }[]>('GET', '/api/holidays?from=2027-02-10&to=2027-02-10');
    expect(withDeclared).toEqual([{ id: declared.id, date: '2027-02-10', name: 'Nghỉ bù Tết', kind: 'declared' }]);
    const trail = (await api.ok('GET', `/api/audit?entity=day_off&entityId=${declared.id}`)).items;
    expect(trail.map((e: { action: string }) => e.action)).toEqual(['insert']);
    expect((await provinceAdmin.request('DELETE', `/api/holidays/days-off/${declared.id}`)).status).toBe(403);
    expect((await api.request('DELETE', `/api/holidays/days-off/${declared.id}`)).status).toBe(204);
    expect(await api.ok('GET', '/api/holidays?from=2027-02-10&to=2027-02-10')).toEqual([]);
  });

  it('a daily slot set to skip is off the air over Tết 2027 (6 February); one set to play airs; one set to move airs on the next working day', async () => {
    const clock = app.get(Clock);
    jest.spyOn(clock, 'now').mockReturnValue(vn('2027-02-04', '00:00'));
    const skip = await api.ok('POST', '/api/slots', { programmeId, startAt: '2027-02-03T05:30:00', rule: 'FREQ=DAILY;COUNT=10', stationIds: [station.id], holidayRule: 'skip' });
    expect(skip.holidayRule).toBe('skip');
    const play = await api.ok('POST', '/api/slots', { programmeId, startAt: '2027-02-03T17:00:00', rule: 'FREQ=DAILY;COUNT=10', stationIds: [station.id] });
    expect(play.holidayRule).toBe('play');
    // Fridays 11:00: the one on Tết's eve (5 February) moves to Wednesday the 10th.
    const move = await api.ok('POST', '/api/slots', { programmeId, startAt: '2027-02-05T11:00:00', rule: 'FREQ=WEEKLY;COUNT=2', stationIds: [station.id], holidayRule: 'move' });
    expect((await api.request('PATCH', `/api/slots/${move.id}`, { holidayRule: 'sometimes' })).status).toBe(400);

    const snapshot = await schedule.snapshotFor(station.id);
    const days = (slotId: string) => snapshot.items.filter((i) => i.slotId === slotId).map((i) => day(i.startAt));
    expect(days(skip.id)).toEqual(['2027-02-04', '2027-02-10']);
    expect(days(play.id)).toEqual(['2027-02-04', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10']);
    expect(days(move.id)).toEqual(['2027-02-10']);

    // What the console's timeline shows is what the agent holds.
    const timeline = await api.ok('GET', `/api/stations/${station.id}/timeline?from=${encodeURIComponent('2027-02-05T00:00:00+07:00')}&to=${encodeURIComponent('2027-02-08T00:00:00+07:00')}`);
    expect(timeline.items.filter((i: { slotId: string }) => i.slotId === skip.id)).toEqual([]);
    expect(timeline.items.filter((i: { slotId: string }) => i.slotId === play.id)).toHaveLength(3);

    // Changing the choice on the slot puts Tết back on the air.
    await api.ok('PATCH', `/api/slots/${skip.id}`, { holidayRule: 'play' });
    expect((await schedule.snapshotFor(station.id)).items.filter((i) => i.slotId === skip.id).map((i) => day(i.startAt))).toContain('2027-02-06');
    for (const s of [skip, play, move]) await api.ok('DELETE', `/api/slots/${s.id}`);
  }, 60_000);

  it('honours a station’s quiet hours: a normal slot in them is refused in Vietnamese, khẩn cấp passes, an older slot there leaves the air', async () => {
    const clock = app.get(Clock);
    jest.spyOn(clock, 'now').mockReturnValue(vn('2027-03-01', '00:00'));
    const early = await api.ok('POST', '/api/slots', { programmeId, startAt: '2027-03-02T05:45:00', rule: 'FREQ=DAILY;COUNT=5', stationIds: [station.id] });
    expect((await schedule.snapshotFor(station.id)).items.some((i) => i.slotId === early.id)).toBe(true);

    expect((await api.request('PATCH', `/api/stations/${station.id}`, { quietStart: '21:00' })).status).toBe(400);
    expect((await api.request('PATCH', `/api/stations/${station.id}`, { quietStart: '25:00', quietEnd: '06:00' })).status).toBe(400);
    const quiet = await provinceAdmin.ok('PATCH', `/api/stations/${station.id}`, { quietStart: '21:00', quietEnd: '06:00' });
    expect(quiet).toMatchObject({ quietStart: '21:00', quietEnd: '06:00' });
    await lookAhead.refreshStations([station.id]);
    expect((await schedule.snapshotFor(station.id)).items.some((i) => i.slotId === early.id)).toBe(false);

    const refused = await api.request('POST', '/api/slots', { programmeId, startAt: '2027-03-03T05:30:00', stationIds: [station.id] });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('quiet_hours');
    expect(refused.body.message).toContain('giờ yên lặng từ 21:00 đến 06:00');
    expect(refused.body.message).toContain('05:30 ngày 03/03/2027');
    // One that runs into them by a second is refused too.
    expect((await api.request('POST', '/api/slots', { programmeId, startAt: '2027-03-03T20:59:59', rule: 'FREQ=DAILY;COUNT=3', stationIds: [station.id] })).status).toBe(422);
    // Moving an allowed slot into them is refused as well.
    const day7 = await api.ok('POST', '/api/slots', { programmeId, startAt: '2027-03-03T07:00:00', stationIds: [station.id] });
    expect((await api.request('PATCH', `/api/slots/${day7.id}`, { startAt: '2027-03-03T22:00:00' })).status).toBe(422);

    const alarm = await api.ok('POST', '/api/slots', { programmeId, startAt: '2027-03-03T05:30:00', stationIds: [station.id], priority: 'emergency' });
    const items = (await schedule.snapshotFor(station.id)).items;
    expect(items.filter((i) => i.slotId === alarm.id).map((i) => i.startAt)).toEqual([new Date(vn('2027-03-03', '05:30')).toISOString()]);
    expect(items.filter((i) => i.slotId === day7.id)).toHaveLength(1);

    // Without quiet hours the older slot is back.
    await api.ok('PATCH', `/api/stations/${station.id}`, { quietStart: null, quietEnd: null });
    await lookAhead.refreshStations([station.id]);
    expect((await schedule.snapshotFor(station.id)).items.some((i) => i.slotId === early.id)).toBe(true);
  }, 60_000);
});
