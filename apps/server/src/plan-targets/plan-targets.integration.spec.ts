import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from '../../../../test/support/api';
import { testDatabaseEnv } from '../../../../test/support/test-db';
import { makeTone } from '../../../../test/support/audio';
import { startServer } from '../bootstrap';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { PlaybackService } from '../playback/playback.service';
import { occurrenceIdOf } from '../schedule/snapshot';

const H7 = 7 * 3600_000;
/** Midnight Việt Nam time on the first of the month `offset` months from now's month. */
function monthStart(offset: number): number {
  const now = new Date(Date.now() + H7);
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1) - H7;
}
const iso = (t: number) => new Date(t).toISOString();

/** Plan targets judged from what the logbook shows aired, and from what is approved still to come. */
describe('plan targets and their compliance', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let cchc: { id: string; topics: { id: string; name: string }[] };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-plan-'));
    app = await startServer(
      AppConfig.fromEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media'), LOA_ADMIN_PASSWORD: 'plan-admin-pw', LOG_LEVEL: 'error', ...(await testDatabaseEnv()) }),
    );
    api = new Api(await app.getUrl());
    await api.login('admin', 'plan-admin-pw');
    cchc = (await api.ok('GET', '/api/chuyen-muc')).find((c: { code: string }) => c.code === 'CCHC');
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('seeds Cải cách hành chính with its six topics, and links programmes to it', async () => {
    expect(cchc.topics.map((t) => t.name)).toEqual(
      expect.arrayContaining(['Cải cách thể chế', 'Cải cách thủ tục hành chính', 'Cải cách tổ chức bộ máy', 'Cải cách chế độ công vụ', 'Cải cách tài chính công', 'Chính phủ điện tử, Chính phủ số']),
    );
    expect(cchc.topics).toHaveLength(6);
  });

  it('a seeded quarter with one month never aired is reported missed for that month only; a running month is at risk or on track', async () => {
    const province = await api.ok('POST', '/api/units', { name: 'Tỉnh Phú Thọ', kind: 'Tỉnh' });
    const upper = (await api.ok('POST', '/api/stations', { unitId: province.id, name: 'Đài tỉnh', code: 'dai-tinh' })).station;
    const communeUnit = await api.ok('POST', '/api/units', { name: 'Xã Tam Nông', kind: 'Xã', parentId: province.id });
    const busy = (await api.ok('POST', '/api/stations', { unitId: communeUnit.id, name: 'Đài xã A', code: 'xa-a' })).station;
    const idle = (await api.ok('POST', '/api/stations', { unitId: communeUnit.id, name: 'Đài xã B', code: 'xa-b' })).station;
    const upload = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    await api.waitReady(upload.body.id);
    const topic = cchc.topics.find((t) => t.name === 'Cải cách thủ tục hành chính')!;
    const programme = await api.ok('POST', '/api/programmes', { title: 'CCHC: thủ tục đất đai', chuyenMuc: 'Cải cách hành chính', topicId: topic.id, mediaAssetId: upload.body.id });
    expect(programme).toMatchObject({ chuyenMucId: cchc.id, topicId: topic.id });
    expect((await api.request('POST', '/api/programmes', { title: 'x', chuyenMuc: 'Khác', topicId: topic.id, mediaAssetId: upload.body.id })).status).toBe(400);

    // Back in time to before the quarter: one programme on the 10th of each month, 05:30.
    const clock = app.get(Clock);
    const quarter = [monthStart(-4), monthStart(-3), monthStart(-2)];
    jest.spyOn(clock, 'now').mockReturnValue(quarter[0] - 3600_000);
    const airings: { slot: { id: string; durationMs: number }; at: string }[] = [];
    for (const start of quarter) {
      const at = start + 9 * 24 * 3600_000 + 5.5 * 3600_000;
      const slot = await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: iso(at), stationIds: [upper.id] });
      airings.push({ slot, at: iso(at) });
    }
    // The station played the first and the third; the second month nothing went on air.
    const playback = app.get(PlaybackService);
    for (const { slot, at } of [airings[0], airings[2]]) {
      const ended = iso(Date.parse(at) + slot.durationMs);
      const result = await playback.ingest(upper.id, [
        { id: randomUUID(), kind: 'finished', occurrenceId: occurrenceIdOf(slot.id, at), slotId: slot.id, plannedAt: at, startedAt: at, endedAt: ended, playedMs: slot.durationMs, startErrorMs: 1 },
      ]);
      expect(result.rejected).toEqual([]);
    }
    jest.restoreAllMocks();

    await api.ok('POST', '/api/plan-targets', { name: 'Đài tỉnh phát ≥ 1 chương trình CCHC mỗi tháng', chuyenMucId: cchc.id, scope: 'station', stationId: upper.id, minPerMonth: 1 });
    const q = await api.ok('GET', `/api/plan-targets/compliance?from=${encodeURIComponent(iso(quarter[0]))}&to=${encodeURIComponent(iso(monthStart(-1)))}`);
    expect(q.targets[0].months.map((m: { status: string }) => m.status)).toEqual(['met', 'missed', 'met']);
    expect(q.targets[0].stations[0].months.map((m: { aired: number }) => m.aired)).toEqual([1, 0, 1]);

    // A correction replaces what it amends: the first month's airing, corrected to missed, no longer counts.
    const { items } = await api.ok('GET', `/api/logbook?stationId=${upper.id}`);
    const first = items.find((l: { plannedStart: string }) => l.plannedStart === airings[0].at);
    await api.ok('POST', `/api/logbook/${first.id}/corrections`, { reason: 'Trạm báo đã phát nhầm chương trình khác', result: 'missed' });
    const corrected = await api.ok('GET', `/api/plan-targets/compliance?from=${encodeURIComponent(iso(quarter[0]))}&to=${encodeURIComponent(iso(monthStart(-1)))}`);
    expect(corrected.targets[0].stations[0].months.map((m: { aired: number }) => m.aired)).toEqual([0, 0, 1]);
    expect(corrected.targets[0].months.map((m: { status: string }) => m.status)).toEqual(['missed', 'missed', 'met']);

    // Every commune station each month: one has its segment scheduled later this month, the other nothing.
    await api.ok('POST', '/api/plan-targets', { name: '100% trạm xã có chuyên mục CCHC mỗi tháng', chuyenMucId: cchc.id, scope: 'each_station', unitId: communeUnit.id, minPerMonth: 1 });
    const later = Math.min(Date.now() + 3600_000, monthStart(1) - 60_000);
    await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: iso(later), stationIds: [busy.id] });
    const running = await api.ok('GET', `/api/plan-targets/compliance?from=${encodeURIComponent(iso(monthStart(0)))}&to=${encodeURIComponent(iso(monthStart(1)))}`);
    const each = running.targets.find((t: { scope: string }) => t.scope === 'each_station');
    const byStation = Object.fromEntries(each.stations.map((s: { stationId: string; months: { status: string }[] }) => [s.stationId, s.months[0].status]));
    expect(byStation).toEqual({ [busy.id]: 'on_track', [idle.id]: 'at_risk' });
    expect(each.months[0].status).toBe('at_risk');

    expect((await api.request('GET', '/api/plan-targets/compliance?from=2026-10-01T00:00:00Z&to=2026-09-01T00:00:00Z')).status).toBe(400);
    expect((await api.request('POST', '/api/plan-targets', { name: 'x', chuyenMucId: cchc.id, scope: 'station', minPerMonth: 1 })).status).toBe(400);
  });
});
