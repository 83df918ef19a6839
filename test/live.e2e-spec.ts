import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { ffmpegPath } from '@loa/ffmpeg';
import { AGENT_WS_PATH } from '@loa/protocol';
import { Api } from './support/api';
import { decodePcm, makeTone, toneFrequency } from './support/audio';
import { ADMIN_PASSWORD, eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess, type SinkRecord } from './support/processes';

const run = promisify(execFile);

/**
 * Live relay and emergency on real parts: a server process, three agent processes with `file` players,
 * real ffmpeg on both sides, and one stand-in agent that stops reading its socket.
 */
describe('live relay and emergency broadcast', () => {
  let dir: string;
  let server: ServerProc;
  const agents: Proc[] = [];
  let admin: Api;
  let editor: Api;
  let provinceId: string;
  const stations: { id: string; token: string; dir: string; unitId: string }[] = [];
  /** A fourth station whose "agent" is a bare socket the test controls. */
  let stuck: { id: string; token: string };

  const programmeFrom = async (name: string, frequency: number, seconds: number) => {
    const upload = await editor.upload(await makeTone(join(dir, name), { frequency, seconds }));
    expect(upload.status).toBe(201);
    const asset = await editor.waitReady(upload.body.id);
    return editor.ok('POST', '/api/programmes', { title: `Chương trình ${name}`, chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id });
  };
  const liveRecords = (s: { dir: string }, relayId: string): SinkRecord[] => readSink(join(s.dir, 'sink')).filter((r) => r.slotId === relayId);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-live-'));
    // The upper station's stream in the URL test is this server's own, on loopback: allowed by name.
    server = await startServerProcess(dir, { env: { LIVE_URL_ALLOW: '127.0.0.1' } });
    admin = new Api(server.url);
    await admin.login('admin', ADMIN_PASSWORD);
    provinceId = (await admin.ok('POST', '/api/units', { name: 'Tỉnh Quảng Bình', kind: 'Tỉnh' })).id;
    for (const code of ['quang-phu', 'bao-ninh', 'duc-ninh']) {
      const commune = await admin.ok('POST', '/api/units', { name: `Xã ${code}`, kind: 'Xã', parentId: provinceId });
      const { station, token } = await admin.ok('POST', '/api/stations', { unitId: commune.id, name: `Đài xã ${code}`, code });
      stations.push({ id: station.id, token, dir: join(dir, code), unitId: commune.id });
    }
    const other = await admin.ok('POST', '/api/units', { name: 'Xã chậm', kind: 'Xã', parentId: provinceId });
    const slow = await admin.ok('POST', '/api/stations', { unitId: other.id, name: 'Đài xã mạng chậm', code: 'mang-cham' });
    stuck = { id: slow.station.id, token: slow.token };
    await admin.ok('POST', '/api/users', { username: 'bientap', displayName: 'Biên tập viên', password: 'editor-password', role: 'editor' });
    editor = new Api(server.url);
    await editor.login('bientap', 'editor-password');
    for (const s of stations) agents.push(startAgentProcess(s.dir, server.url, s.token));
    await eventually('three agents connected', async () => (await admin.ok('GET', '/api/agents/status')).length === 3, 30_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('relays a tone to three agents in step, over HTTP too, while a stuck agent is cut off without holding them back', async () => {
    const TONE_HZ = 660;
    const programme = await programmeFrom('tiep-song.wav', TONE_HZ, 10);

    // The stuck station: connects, takes the first audio, then stops reading its socket and never reports.
    const ws = new WebSocket(server.url.replace('http', 'ws') + AGENT_WS_PATH, { headers: { authorization: `Bearer ${stuck.token}` } });
    const stuckClosed = new Promise<void>((r) => ws.once('close', () => r()));
    let stuckFrames = 0;
    ws.on('message', (_d, binary) => {
      if (!binary) return;
      stuckFrames++;
      ws.pause();
    });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    await eventually('stuck station connected', async () => (await admin.ok('GET', '/api/agents/status')).some((a: any) => a.stationId === stuck.id), 5000);

    const started = await editor.ok('POST', '/api/live/relays', {
      title: 'Tiếp sóng: bản tin cải cách hành chính',
      sourceKind: 'programme',
      programmeId: programme.id,
      stationIds: [...stations.map((s) => s.id), stuck.id],
    });
    const relayId: string = started.relay.id;
    expect(started.streamUrl).toMatch(new RegExp(`^/api/live/relays/${relayId}/stream.mp3\\?token=`));

    // A third-party receiver tunes in over plain HTTP while the agents play.
    const headers = await fetch(server.url + started.streamUrl).then(async (res) => {
      await res.body?.cancel();
      return res.headers;
    });
    expect(headers.get('content-type')).toBe('audio/mpeg');
    expect(headers.get('icy-name')).toBe('Tiep song: ban tin cai cach hanh chinh');
    expect(headers.get('content-length')).toBeNull();
    const listened = run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', server.url + started.streamUrl, '-t', '3', '-f', 's16le', '-ac', '1', '-ar', '44100', 'pipe:1'], {
      encoding: 'buffer',
      timeout: 30_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const wrongToken = await fetch(`${server.url}/api/live/relays/${relayId}/stream.mp3?token=nope`);
    expect(wrongToken.status).toBe(401);

    // The live status shows who carries the relay, with buffer and lag from the agents' reports.
    const status = await eventually(
      'three stations carrying',
      async () => {
        const s = await admin.ok('GET', `/api/live/relays/${relayId}`);
        return s.stations.filter((x: any) => x.carrying).length === 3 && s;
      },
      15_000,
    );
    for (const s of status.stations.filter((x: any) => x.carrying)) {
      expect(s.bufferMs).toBeGreaterThanOrEqual(0);
      expect(s.lagMs).toBeGreaterThanOrEqual(300);
      expect(s.lagMs).toBeLessThan(2000);
    }

    const { stdout } = await listened;
    const heard = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
    expect(heard.length / 44100).toBeGreaterThan(2.5);
    expect(Math.abs(toneFrequency(heard) - TONE_HZ)).toBeLessThan(5);

    // The stuck station is disconnected (it would resync on return); the others never waited for it.
    await eventually('stuck station dropped', async () => !(await admin.ok('GET', '/api/agents/status')).some((a: any) => a.stationId === stuck.id), 20_000);
    expect(stuckFrames).toBeGreaterThan(0);
    ws.terminate();
    await stuckClosed;

    const records = await eventually('three sinks hold the relay', () => stations.every((s) => liveRecords(s, relayId).length === 1) && stations.map((s) => liveRecords(s, relayId)[0]), 40_000);
    const starts = records.map((r) => Date.parse(r.startedAt));
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThanOrEqual(200);
    for (const [i, record] of records.entries()) {
      expect(record.occurrenceId).toBe(`live:${relayId}:1`);
      const pcm = await decodePcm(join(stations[i].dir, 'sink', record.file));
      expect(Math.abs(pcm.length / 44100 - 10)).toBeLessThan(0.6);
      expect(Math.abs(toneFrequency(pcm) - TONE_HZ)).toBeLessThan(5);
    }

    // The relay is recorded into the media store and each station's logbook has one relay line.
    const ended = await eventually('relay ended', async () => {
      const s = await admin.ok('GET', `/api/live/relays/${relayId}`);
      return s.relay.status === 'ended' && s.relay;
    }, 20_000);
    expect(ended.recordingSha256).toMatch(/^[0-9a-f]{64}$/);
    const recording = await admin.request('GET', `/api/live/relays/${relayId}/recording.mp3`);
    expect(recording.status).toBe(200);
    const lines = await eventually('three relay lines', async () => {
      const items = (await admin.ok('GET', '/api/logbook')).items.filter((l: any) => l.slotId === relayId);
      return items.length === 3 && items;
    }, 20_000);
    for (const line of lines) {
      expect(line).toMatchObject({ source: 'relay', chuyenMuc: 'Tiếp sóng trực tiếp', result: 'complete', occurrenceId: `live:${relayId}:1` });
      expect(line.durationMs).toBeGreaterThan(9000);
    }
  }, 120_000);

  it('an emergency cuts the scheduled programme within a second on every station, then the schedule carries on', async () => {
    const long = await programmeFrom('chuong-trinh-dai.wav', 880, 12);
    const next = await programmeFrom('chuong-trinh-sau.wav', 440, 4);
    const alarm = await programmeFrom('khan-cap.wav', 1200, 3);
    const t0 = Math.ceil((Date.now() + 8000) / 1000) * 1000;
    const ids = stations.map((s) => s.id);
    const slotA = await admin.ok('POST', '/api/slots', { programmeId: long.id, startAt: new Date(t0).toISOString(), stationIds: ids });
    const slotB = await admin.ok('POST', '/api/slots', { programmeId: next.id, startAt: new Date(t0 + 13_000).toISOString(), stationIds: ids });

    await eventually('the long programme on air everywhere', () => stations.every((s) => readSink(join(s.dir, 'sink')).some((r) => r.slotId === slotA.id)), 30_000);
    await sleep(2000);
    const emergency = await editor.ok('POST', '/api/live/emergencies', {
      title: 'Khẩn cấp: bão số 5 đổ bộ, người dân không ra khơi',
      sourceKind: 'programme',
      programmeId: alarm.id,
      unitIds: [provinceId],
    });
    const relayId: string = emergency.relay.id;
    expect(emergency.relay).toMatchObject({ kind: 'emergency', priority: 'emergency', status: 'live' });
    const startedAt = Date.parse(emergency.relay.startedAt);

    const lines = await eventually(
      'interruption, emergency and next programme on every station',
      async () => {
        const items = (await admin.ok('GET', `/api/logbook?from=${encodeURIComponent(new Date(t0 - 1000).toISOString())}`)).items as any[];
        const per = stations.map((s) => ({
          cut: items.find((l) => l.stationId === s.id && l.slotId === slotA.id),
          alarm: items.find((l) => l.stationId === s.id && l.slotId === relayId),
          next: items.find((l) => l.stationId === s.id && l.slotId === slotB.id),
        }));
        return per.every((p) => p.cut && p.alarm && p.next) && per;
      },
      40_000,
    );
    console.log(
      JSON.stringify({
        spec: 'emergency-preempts',
        cut_after_ms: lines.map((p) => Date.parse(p.cut.endedAt) - startedAt),
        alarm_on_air_after_ms: lines.map((p) => Date.parse(p.alarm.actualStart) - startedAt),
      }),
    );
    for (const { cut, alarm: line, next: after } of lines) {
      expect(cut).toMatchObject({ result: 'interrupted', reason: 'preempted' });
      const cutAfter = Date.parse(cut.endedAt) - startedAt;
      expect(cutAfter).toBeGreaterThanOrEqual(-50);
      expect(cutAfter).toBeLessThanOrEqual(1000);
      expect(line).toMatchObject({ source: 'emergency', priority: 'emergency', chuyenMuc: 'Thông báo khẩn cấp', result: 'complete' });
      // The programme stops within the second; the alarm's sound follows once the live encoder's first
      // audio group has reached the station and filled its jitter buffer, a few hundred ms more.
      expect(Date.parse(line.actualStart) - startedAt).toBeLessThanOrEqual(1500);
      expect(after).toMatchObject({ result: 'complete' });
      expect(Date.parse(after.actualStart)).toBeGreaterThanOrEqual(Date.parse(line.endedAt) - 50);
    }
    for (const s of stations) {
      const [record] = liveRecords(s, relayId);
      const pcm = await decodePcm(join(s.dir, 'sink', record.file));
      expect(Math.abs(toneFrequency(pcm) - 1200)).toBeLessThan(5);
    }
  }, 120_000);

  it('an emergency repeats, reaches a station that connects during it, and stops at its expiry', async () => {
    const short = await programmeFrom('canh-bao-ngan.wav', 950, 2);
    const repeated = await editor.ok('POST', '/api/live/emergencies', {
      title: 'Khẩn cấp: lũ lên nhanh',
      sourceKind: 'programme',
      programmeId: short.id,
      stationIds: [stations[0].id, stuck.id],
      repeats: 1,
      intervalSeconds: 1,
    });
    const relayId: string = repeated.relay.id;
    // A station that connects while the emergency is on air is told at once and joins at the live point.
    const late = new WebSocket(server.url.replace('http', 'ws') + AGENT_WS_PATH, { headers: { authorization: `Bearer ${stuck.token}` } });
    const announced: any[] = [];
    late.on('message', (d, binary) => !binary && announced.push(JSON.parse(d.toString())));
    await eventually('live.start on connect', () => announced.some((f) => f.type === 'live.start' && f.relayId === relayId && f.kind === 'emergency'), 10_000);
    late.terminate();

    const lines = await eventually('two rounds in the logbook', async () => {
      const items = (await admin.ok('GET', '/api/logbook')).items.filter((l: any) => l.slotId === relayId && l.stationId === stations[0].id);
      return items.length === 2 && items;
    }, 30_000);
    expect(lines.map((l: any) => l.occurrenceId).sort()).toEqual([`live:${relayId}:1`, `live:${relayId}:2`]);
    expect((await admin.ok('GET', `/api/live/relays/${relayId}`)).relay).toMatchObject({ status: 'ended', roundsAired: 2 });

    const long = await programmeFrom('canh-bao-dai.wav', 950, 20);
    const expiring = await editor.ok('POST', '/api/live/emergencies', {
      title: 'Khẩn cấp: hết hạn sau vài giây',
      sourceKind: 'programme',
      programmeId: long.id,
      stationIds: [stations[0].id],
      expiresAt: new Date(Date.now() + 4000).toISOString(),
    });
    const stopped = await eventually('expired', async () => {
      const r = (await admin.ok('GET', `/api/live/relays/${expiring.relay.id}`)).relay;
      return r.status !== 'live' && r;
    }, 15_000);
    expect(stopped).toMatchObject({ status: 'stopped', endReason: 'Hết hạn.' });
    expect(Date.parse(stopped.endedAt) - Date.parse(stopped.startedAt)).toBeLessThan(8000);
  }, 90_000);

  it('a station that connects after the airing but before the expiry plays the emergency on connect, alone', async () => {
    const short = await programmeFrom('canh-bao-muon.wav', 1050, 2);
    const started = await editor.ok('POST', '/api/live/emergencies', {
      title: 'Khẩn cấp: sạt lở đất',
      sourceKind: 'programme',
      programmeId: short.id,
      stationIds: [stations[0].id, stuck.id],
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const relayId: string = started.relay.id;
    await eventually('first airing done at the connected station', () => liveRecords(stations[0], relayId).length === 1, 20_000);
    const status = await admin.ok('GET', `/api/live/relays/${relayId}`);
    expect(status).toMatchObject({ onAir: false, round: 1, relay: { status: 'live' } });

    const late = new WebSocket(server.url.replace('http', 'ws') + AGENT_WS_PATH, { headers: { authorization: `Bearer ${stuck.token}` } });
    const starts: any[] = [];
    let audio = 0;
    late.on('message', (d, binary) => {
      if (binary) audio++;
      else {
        const f = JSON.parse(d.toString());
        if (f.type === 'live.start') starts.push(f);
      }
    });
    const report = setInterval(() => {
      const s = starts[0];
      if (s && late.readyState === WebSocket.OPEN) late.send(JSON.stringify({ type: 'live.status', relayId, round: s.round, playing: true, bufferMs: 500, lagMs: 500, gapMs: 0 }));
    }, 500);
    try {
      await eventually('the late station gets the emergency from its start', () => starts.length === 1 && audio >= 15, 15_000);
      expect(starts[0]).toMatchObject({ relayId, round: 2, kind: 'emergency' });
      await sleep(3000);
      // The station that aired it already does not hear it again.
      expect(liveRecords(stations[0], relayId)).toHaveLength(1);
    } finally {
      clearInterval(report);
      late.terminate();
    }
    const stopped = await admin.ok('POST', `/api/live/relays/${relayId}/stop`);
    expect(stopped).toMatchObject({ status: 'stopped', roundsAired: 2 });
  }, 90_000);

  it('relays a stream URL: here the HTTP stream of another relay, as an Icecast source would be', async () => {
    const programme = await programmeFrom('nguon-tren.wav', 720, 8);
    const upper = await editor.ok('POST', '/api/live/relays', { title: 'Đài tỉnh phát', sourceKind: 'programme', programmeId: programme.id, stationIds: [stations[1].id] });
    // As an Icecast source with its password: sent to the stream server, shown to nobody, kept nowhere.
    const withPassword = server.url.replace('http://', 'http://source:mat-khau-nguon@') + upper.streamUrl;
    const relayed = await editor.ok('POST', '/api/live/relays', { title: 'Tiếp sóng đài tỉnh', sourceKind: 'url', url: withPassword, stationIds: [stations[2].id] });
    expect(relayed.relay).toMatchObject({ sourceKind: 'url', status: 'live', sourceUrl: server.url + upper.streamUrl });
    expect(JSON.stringify(await editor.ok('GET', '/api/live/relays'))).not.toContain('mat-khau-nguon');
    expect(JSON.stringify(await editor.ok('GET', `/api/live/relays/${relayed.relay.id}`))).not.toContain('mat-khau-nguon');
    expect(JSON.stringify(await admin.ok('GET', `/api/audit?entity=live_relay&entityId=${relayed.relay.id}`))).not.toContain('mat-khau-nguon');
    const record = await eventually('the stream on air at the second station', () => liveRecords(stations[2], relayed.relay.id)[0], 40_000);
    const pcm = await decodePcm(join(stations[2].dir, 'sink', record.file));
    expect(pcm.length / 44100).toBeGreaterThan(3);
    expect(Math.abs(toneFrequency(pcm) - 720)).toBeLessThan(5);
    await eventually('both relays ended', async () => (await admin.ok('GET', '/api/live/relays')).filter((r: any) => [upper.relay.id, relayed.relay.id].includes(r.id) && r.status === 'ended').length === 2, 30_000);
  }, 90_000);

  it('a staff microphone over WebSocket goes on air like any live source', async () => {
    const { stdout } = await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=48000:duration=4', '-f', 's16le', '-ac', '1', 'pipe:1'], {
      encoding: 'buffer',
      maxBuffer: 16 * 1024 * 1024,
    });
    const started = await editor.ok('POST', '/api/live/relays', { title: 'Phát trực tiếp từ micro', sourceKind: 'mic', stationIds: [stations[0].id] });
    const relayId: string = started.relay.id;
    const micUrl = (token: string | null, id = relayId) => `${server.url.replace('http', 'ws')}/api/live/mic?relayId=${id}${token ? `&access_token=${token}` : ''}`;
    const closeCode = (url: string) => new Promise<number>((resolve) => new WebSocket(url).once('close', (code) => resolve(code)).once('error', () => {}));
    expect(await closeCode(micUrl(null))).toBe(4401);
    expect(await closeCode(micUrl(admin.token, '11111111-1111-4111-8111-111111111111'))).toBe(4404);

    const mic = new WebSocket(micUrl(editor.token));
    await new Promise((r, j) => mic.once('open', r).once('error', j));
    // A second microphone on the same relay is refused while the first one speaks.
    expect(await closeCode(micUrl(editor.token))).toBe(4409);
    for (let i = 0; i < stdout.length; i += 9600) {
      mic.send(stdout.subarray(i, i + 9600));
      await sleep(100);
    }
    mic.send('end');
    const record = await eventually('the microphone on air', () => liveRecords(stations[0], relayId)[0], 30_000);
    const pcm = await decodePcm(join(stations[0].dir, 'sink', record.file));
    expect(Math.abs(pcm.length / 44100 - 4)).toBeLessThan(0.7);
    expect(Math.abs(toneFrequency(pcm) - 500)).toBeLessThan(5);
    mic.close();
    await eventually('relay ended', async () => (await admin.ok('GET', `/api/live/relays/${relayId}`)).relay.status === 'ended', 20_000);
  }, 90_000);

  describe('refusals change nothing', () => {
    let inspector: Api;
    let operator: Api;
    let programmeId: string;

    beforeAll(async () => {
      await admin.ok('POST', '/api/users', { username: 'thanhtra', displayName: 'Thanh tra', password: 'inspector-password', role: 'inspector' });
      await admin.ok('POST', '/api/users', { username: 'canbo', displayName: 'Cán bộ xã', password: 'operator-password', role: 'operator', unitId: stations[0].unitId });
      inspector = new Api(server.url);
      await inspector.login('thanhtra', 'inspector-password');
      operator = new Api(server.url);
      await operator.login('canbo', 'operator-password');
      programmeId = (await admin.ok('GET', '/api/programmes'))[0].id;
    }, 30_000);

    const relayCount = async () => (await admin.ok('GET', '/api/live/relays')).length;

    it('a stream URL that does not answer, or is not audio', async () => {
      const before = await relayCount();
      const dead = await editor.request('POST', '/api/live/relays', { title: 'Luồng chết', sourceKind: 'url', url: 'http://127.0.0.1:9/live.mp3', stationIds: [stations[0].id] });
      expect(dead.status).toBe(422);
      expect(dead.body.code).toBe('live_source_unavailable');
      expect(dead.body.message).toMatch(/không/);
      const notAudio = await editor.request('POST', '/api/live/relays', { title: 'Không phải âm thanh', sourceKind: 'url', url: `${server.url}/api/health`, stationIds: [stations[0].id] });
      expect(notAudio.status).toBe(422);
      expect(notAudio.body.code).toBe('live_source_not_audio');
      const badScheme = await editor.request('POST', '/api/live/relays', { title: 'Tệp cục bộ', sourceKind: 'url', url: 'file:///etc/passwd', stationIds: [stations[0].id] });
      expect(badScheme.status).toBe(400);
      // Inside the server's networks (not in LIVE_URL_ALLOW), also for a commune operator's emergency.
      for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1:8000/live', 'http://127.0.0.2:3000/api/health']) {
        const inside = await editor.request('POST', '/api/live/relays', { title: 'Mạng nội bộ', sourceKind: 'url', url, stationIds: [stations[0].id] });
        expect(inside.status).toBe(422);
        expect(inside.body.code).toBe('live_source_forbidden');
        expect(inside.body.details).toEqual({ url });
      }
      const viaEmergency = await operator.request('POST', '/api/live/emergencies', { title: 'Khẩn', sourceKind: 'url', url: 'http://169.254.169.254/', stationIds: [stations[0].id] });
      expect(viaEmergency.body.code).toBe('live_source_forbidden');
      expect(await relayCount()).toBe(before);
    }, 60_000);

    it('who may not start a relay or an emergency gets 403', async () => {
      const before = await relayCount();
      const body = { title: 'Thử', sourceKind: 'programme', programmeId, stationIds: [stations[0].id] };
      expect((await inspector.request('POST', '/api/live/relays', body)).status).toBe(403);
      expect((await inspector.request('POST', '/api/live/emergencies', body)).status).toBe(403);
      expect((await operator.request('POST', '/api/live/relays', body)).status).toBe(403);
      // An operator may send an emergency to its own commune only.
      const elsewhere = await operator.request('POST', '/api/live/emergencies', { ...body, stationIds: [stations[1].id] });
      expect(elsewhere.status).toBe(403);
      expect(elsewhere.body.code).toBe('forbidden');
      expect((await new Api(server.url).request('POST', '/api/live/relays', body)).status).toBe(401);
      expect(await relayCount()).toBe(before);
    });

    it('malformed requests are refused with the fields named', async () => {
      const res = await editor.request('POST', '/api/live/emergencies', { title: '', sourceKind: 'loa-phong', stationIds: ['x'], repeats: 99 });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      const none = await editor.request('POST', '/api/live/relays', { title: 'Không trạm', sourceKind: 'programme', programmeId });
      expect(none.status).toBe(400);
    });
  });
});
