import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlaybackEvent } from '@loa/protocol';
import { Api } from '../../../../test/support/api';
import { startInProcessServer } from '../../../../test/support/in-process';
import { makeTone } from '../../../../test/support/audio';
import { PlaybackService } from '../playback/playback.service';

/** Live relays on a fresh SQLite file with the real migrations: targets, logbook lines, stop and recording. */
describe('live relays on SQLite with the real migrations', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let stationIds: string[];
  let programmeId: string;

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-live-int-'));
    const unit = await api.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    stationIds = [];
    for (const code of ['cam-binh', 'cam-vinh']) {
      const { station } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: `Trạm ${code}`, code });
      stationIds.push(station.id);
    }
    const upload = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 20 }));
    await api.waitReady(upload.body.id);
    programmeId = (await api.ok('POST', '/api/programmes', { title: 'Bản tin', chuyenMuc: 'Cải cách hành chính', mediaAssetId: upload.body.id })).id;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs a live round once for a targeted station, refuses it elsewhere, and records the relay when stopped', async () => {
    const { relay } = await api.ok('POST', '/api/live/emergencies', { title: 'Khẩn cấp: bão', sourceKind: 'programme', programmeId, stationIds: [stationIds[0]] });
    expect(relay).not.toHaveProperty('streamTokenHash');
    const playback = app.get(PlaybackService);
    const base = { occurrenceId: `live:${relay.id}:1`, slotId: relay.id, plannedAt: relay.startedAt, startedAt: relay.startedAt };
    const finished: PlaybackEvent = { id: randomUUID(), kind: 'finished', ...base, endedAt: new Date(Date.parse(relay.startedAt) + 5000).toISOString(), playedMs: 5000 };

    expect((await playback.ingest(stationIds[0], [finished, finished])).rejected).toEqual([]);
    await playback.ingest(stationIds[0], [{ ...finished, id: randomUUID() }]);
    const elsewhere = await playback.ingest(stationIds[1], [{ ...finished, id: randomUUID() }]);
    expect(elsewhere.rejected[0].why).toMatch(/not targeted/);
    const wrongRound = await playback.ingest(stationIds[0], [{ ...finished, id: randomUUID(), occurrenceId: `live:${relay.id}:7` }]);
    expect(wrongRound.rejected[0].why).toMatch(/does not match/);

    const lines = (await api.ok('GET', '/api/logbook')).items.filter((l: { slotId: string }) => l.slotId === relay.id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ stationId: stationIds[0], source: 'emergency', priority: 'emergency', chuyenMuc: 'Thông báo khẩn cấp', result: 'complete', durationMs: 5000 });

    await new Promise((r) => setTimeout(r, 1500));
    const stopped = await api.ok('POST', `/api/live/relays/${relay.id}/stop`);
    expect(stopped).toMatchObject({ status: 'stopped', endReason: 'Dừng theo yêu cầu.' });
    expect(stopped.recordingSha256).toMatch(/^[0-9a-f]{64}$/);
    const again = await api.request('POST', `/api/live/relays/${relay.id}/stop`);
    expect(again.status).toBe(409);
    const recording = await api.request('GET', `/api/live/relays/${relay.id}/recording.mp3`);
    expect(recording.status).toBe(200);
    expect(recording.headers.get('content-type')).toMatch(/audio\/mpeg/);
  }, 60_000);

  it('an emergency written as text is spoken, normalised and aired, and kept as a programme', async () => {
    const text = 'Bão số 5 sắp đổ bộ vào Hà Tĩnh. Bà con khẩn trương chằng chống nhà cửa, tàu thuyền không ra khơi.';
    const { relay } = await api.ok('POST', '/api/live/emergencies', { title: 'Khẩn cấp: bão số 5', sourceKind: 'text', text, stationIds: [stationIds[1]] });
    expect(relay).toMatchObject({ kind: 'emergency', sourceKind: 'text', status: 'live' });
    expect(relay.programmeId).toEqual(expect.any(String));

    const programme = await api.ok('GET', `/api/programmes/${relay.programmeId}`);
    expect(programme).toMatchObject({ title: 'Khẩn cấp: bão số 5', chuyenMuc: 'Thông báo khẩn cấp', description: text });
    const asset = await api.ok('GET', `/api/media/assets/${programme.mediaAssetId}`);
    expect(asset).toMatchObject({ status: 'ready', source: 'tts' });
    expect(asset.durationMs).toBeGreaterThan(3000);

    expect((await api.ok('POST', `/api/live/relays/${relay.id}/stop`)).status).toBe('stopped');
  }, 90_000);

  it('a text source without text, or text too long, is refused and starts nothing', async () => {
    const before = (await api.ok('GET', '/api/live/relays')).length;
    for (const text of [undefined, '   ', 'x'.repeat(5001)]) {
      const res = await api.request('POST', '/api/live/emergencies', { title: 'Khẩn cấp', sourceKind: 'text', text, stationIds: [stationIds[1]] });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
    }
    expect((await api.ok('GET', '/api/live/relays')).length).toBe(before);
  });

  it("a commune operator sees and stops only what airs on its own commune's stations", async () => {
    const province = await api.ok('POST', '/api/units', { name: 'Tỉnh Quảng Bình', kind: 'Tỉnh' });
    const communes: { unitId: string; stationId: string }[] = [];
    for (const code of ['quang-phu', 'quang-thuan']) {
      const commune = await api.ok('POST', '/api/units', { name: `Xã ${code}`, kind: 'Xã', parentId: province.id });
      const { station } = await api.ok('POST', '/api/stations', { unitId: commune.id, name: `Trạm ${code}`, code });
      communes.push({ unitId: commune.id, stationId: station.id });
    }
    await api.ok('POST', '/api/users', { username: 'tram-quang-phu', displayName: 'Cán bộ đài xã Quảng Phú', password: 'operator-password', role: 'operator', unitId: communes[0].unitId });
    const operator = new Api(api.baseUrl);
    await operator.login('tram-quang-phu', 'operator-password');

    const elsewhere = (await api.ok('POST', '/api/live/emergencies', { title: 'Khẩn cấp xã Quảng Thuận', sourceKind: 'programme', programmeId, stationIds: [communes[1].stationId] })).relay;
    const both = (await api.ok('POST', '/api/live/emergencies', { title: 'Khẩn cấp toàn tỉnh', sourceKind: 'programme', programmeId, unitIds: [province.id] })).relay;
    const own = (await operator.ok('POST', '/api/live/emergencies', { title: 'Khẩn cấp xã Quảng Phú', sourceKind: 'programme', programmeId, stationIds: [communes[0].stationId] })).relay;

    const listed = ((await operator.ok('GET', '/api/live/relays')) as { id: string }[]).map((r) => r.id);
    expect(listed).toEqual(expect.arrayContaining([both.id, own.id]));
    expect(listed).not.toContain(elsewhere.id);
    for (const path of [`/api/live/relays/${elsewhere.id}`, `/api/live/relays/${elsewhere.id}/recording.mp3`]) {
      const res = await operator.request('GET', path);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
    }
    expect((await operator.ok('GET', `/api/live/relays/${both.id}`)).relay.id).toBe(both.id);

    const stopBoth = await operator.request('POST', `/api/live/relays/${both.id}/stop`);
    expect(stopBoth.status).toBe(403);
    expect(stopBoth.body.message).toMatch(/ngoài đơn vị/);
    expect((await operator.request('POST', `/api/live/relays/${elsewhere.id}/stop`)).status).toBe(403);
    expect((await api.ok('GET', `/api/live/relays/${both.id}`)).relay.status).toBe('live');
    expect((await operator.ok('POST', `/api/live/relays/${own.id}/stop`)).status).toBe('stopped');

    for (const r of [elsewhere, both]) expect((await api.ok('POST', `/api/live/relays/${r.id}/stop`)).status).toBe('stopped');
  }, 60_000);

  it('unknown relays and bad ids are refused plainly', async () => {
    expect((await api.request('GET', '/api/live/relays/not-a-uuid')).status).toBe(400);
    const missing = await api.request('GET', `/api/live/relays/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not_found');
    expect((await fetch(`${api.baseUrl}/api/live/relays/${randomUUID()}/stream.mp3?token=x`)).status).toBe(404);
  });
});
