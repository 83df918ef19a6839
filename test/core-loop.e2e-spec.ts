import { mkdtemp, readFile, rm, truncate, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { AGENT_WS_PATH, CloseCode } from '@loa/protocol';
import { Api } from './support/api';
import { decodePcm, makeTone, toneFrequency } from './support/audio';
import { eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess } from './support/processes';

const TONE_HZ = 880;
const TONE_SECONDS = 3;

/**
 * The core loop on real parts: a server process, two agent processes with `file` players, real ffmpeg,
 * real WebSocket. An editor uploads and schedules; the agents play on time; the logbook fills once.
 */
describe('core loop: upload, schedule, relay, play on time, log', () => {
  let dir: string;
  let server: ServerProc;
  const agents: Proc[] = [];
  let admin: Api;
  let editor: Api;
  const stations: { id: string; token: string; dir: string }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-e2e-'));
    server = await startServerProcess(dir);
    admin = new Api(server.url);
    await admin.login('admin', 'e2e-admin-password');
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    for (const code of ['cam-binh', 'cam-thanh']) {
      const commune = await admin.ok('POST', '/api/units', { name: `Xã ${code}`, kind: 'Xã', parentId: province.id });
      const { station, token } = await admin.ok('POST', '/api/stations', { unitId: commune.id, name: `Đài truyền thanh xã ${code}`, code });
      stations.push({ id: station.id, token, dir: join(dir, code) });
    }
    await admin.ok('POST', '/api/users', { username: 'bientap', displayName: 'Biên tập viên', password: 'editor-password', role: 'editor' });
    editor = new Api(server.url);
    await editor.login('bientap', 'editor-password');
    for (const s of stations) agents.push(startAgentProcess(s.dir, server.url, s.token));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('plays an uploaded programme on both stations within 100 ms of the slot, and logs exactly two lines', async () => {
    const source = await makeTone(join(dir, 'chuong trinh CCHC.wav'), { frequency: TONE_HZ, seconds: TONE_SECONDS, channels: 2 });
    const upload = await editor.upload(source);
    expect(upload.status).toBe(201);
    const asset = await editor.waitReady(upload.body.id);
    expect(asset.durationMs).toBeGreaterThan(TONE_SECONDS * 1000 - 100);

    const programme = await editor.ok('POST', '/api/programmes', {
      title: 'Chuyên mục CCHC: dịch vụ công trực tuyến',
      chuyenMuc: 'Cải cách hành chính',
      mediaAssetId: asset.id,
    });
    await eventually('both agents connected', async () => (await admin.ok('GET', '/api/agents/status')).length === 2, 30_000);

    const startAt = new Date(Math.ceil((Date.now() + 10_000) / 1000) * 1000).toISOString();
    const slot = await editor.ok('POST', '/api/slots', { programmeId: programme.id, startAt, stationIds: stations.map((s) => s.id) });
    expect(slot.startAt).toBe(startAt);
    // An editor's slot reaches the stations once an approver (here the admin) approves it.
    expect(slot.status).toBe('submitted');
    await admin.ok('POST', `/api/slots/${slot.id}/approve`);

    const records = await eventually(
      'both sinks to hold the programme',
      () => {
        const all = stations.map((s) => readSink(join(s.dir, 'sink')));
        return all.every((r) => r.length === 1) && all.map((r) => r[0]);
      },
      40_000,
    );

    for (const [i, record] of records.entries()) {
      expect(record.plannedAt).toBe(startAt);
      const error = Date.parse(record.startedAt) - Date.parse(startAt);
      expect(Math.abs(record.startErrorMs)).toBeLessThanOrEqual(100);
      expect(Math.abs(error)).toBeLessThanOrEqual(100);
      const pcm = await decodePcm(join(stations[i].dir, 'sink', record.file));
      // The right audio: the tone's length and pitch survive upload, conversion, relay and playback.
      expect(Math.abs(pcm.length / 44100 - TONE_SECONDS)).toBeLessThan(0.1);
      expect(Math.abs(toneFrequency(pcm) - TONE_HZ)).toBeLessThan(5);
    }

    const inspectorLines = async () => (await admin.ok('GET', `/api/logbook?from=${encodeURIComponent(startAt)}`)).items;
    await eventually('two logbook lines', async () => (await inspectorLines()).length === 2, 20_000);
    await sleep(1500);
    const lines = await inspectorLines();
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({ slotId: slot.id, result: 'complete', plannedStart: startAt, chuyenMuc: 'Cải cách hành chính' });
      expect(Math.abs(line.startErrorMs)).toBeLessThanOrEqual(100);
    }

    await admin.ok('POST', '/api/users', { username: 'thanhtra', displayName: 'Thanh tra', password: 'inspector-password', role: 'inspector' });
    const inspector = new Api(server.url);
    await inspector.login('thanhtra', 'inspector-password');
    const csv = await inspector.request('GET', '/api/logbook/export.csv');
    expect(csv.status).toBe(200);
    const rows = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    // The header, the lines, then the seal key's fingerprint and the newest seal.
    expect(rows).toHaveLength(5);
    expect(rows[3]).toMatch(/^Khóa niêm phong Ed25519: /);
    expect(rows[1]).toContain('Chuyên mục CCHC: dịch vụ công trực tuyến');
  }, 120_000);

  describe('bad uploads are refused with a clear message and store nothing', () => {
    const cases: [string, (path: string) => Promise<void>, string][] = [
      ['a text file renamed .mp3', (p) => writeFile(p, 'Đây không phải âm thanh, chỉ là văn bản.\n'.repeat(50)), 'media_not_audio'],
      [
        'a truncated MP3',
        async (p) => {
          await makeTone(p, { frequency: 440, seconds: 6 });
          const bytes = (await readFile(p)).length;
          await truncate(p, Math.floor(bytes / 3));
        },
        'media_unreadable',
      ],
      ['an empty file', (p) => writeFile(p, ''), 'media_empty'],
    ];

    it.each(cases)('%s', async (_name, make, code) => {
      const path = join(dir, `bad-${code}.mp3`);
      await make(path);
      const before = (await editor.ok('GET', '/api/media/assets')).length;
      const storedBefore = await countFiles(join(dir, 'media', 'sha256'));
      const res = await editor.upload(path);
      expect(res.status).toBe(422);
      expect(res.body.code).toBe(code);
      expect(res.body.message).toMatch(/[ạảãáàâăđêôơư]/); // a Vietnamese sentence, not a stack trace
      expect((await editor.ok('GET', '/api/media/assets')).length).toBe(before);
      expect(await countFiles(join(dir, 'media', 'sha256'))).toBe(storedBefore);
    });
  });

  describe('the agent WebSocket', () => {
    const open = (token?: string) =>
      new Promise<{ ws: WebSocket; frames: any[]; closed: Promise<number> }>((resolve, reject) => {
        const ws = new WebSocket(server.url.replace('http', 'ws') + AGENT_WS_PATH, token ? { headers: { authorization: `Bearer ${token}` } } : {});
        const frames: any[] = [];
        const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
        ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
        ws.once('open', () => resolve({ ws, frames, closed }));
        ws.once('error', reject);
      });

    it('answers bad frames with an error frame and stays usable', async () => {
      // A third station, so the connection does not replace a running agent's.
      const unit = (await admin.ok('GET', '/api/units'))[0];
      const { token } = await admin.ok('POST', '/api/stations', { unitId: unit.id, name: 'Trạm thử', code: 'tram-thu' });
      const { ws, frames, closed } = await open(token);
      await eventually('welcome', () => frames.some((f) => f.type === 'welcome'), 5000);
      ws.send('this is not JSON');
      ws.send(JSON.stringify({ type: 'format_disk' }));
      ws.send(JSON.stringify({ type: 'clock.ping', id: 'one', t0: 0 }));
      ws.send(JSON.stringify({ type: 'clock.ping', id: 7, t0: 123 }));
      await eventually('three errors and a pong', () => frames.filter((f) => f.type === 'error').length === 3 && frames.some((f) => f.type === 'clock.pong'), 5000);
      expect(frames.filter((f) => f.type === 'error').map((f) => f.code)).toEqual(['bad_json', 'unknown_type', 'invalid_frame']);
      expect(frames.find((f) => f.type === 'clock.pong')).toMatchObject({ id: 7, t0: 123 });
      expect(ws.readyState).toBe(WebSocket.OPEN);
      ws.close();
      expect(await closed).toBe(1005);
    });

    it('refuses a connection without a token, or with a wrong one', async () => {
      expect(await (await open()).closed).toBe(CloseCode.Unauthorized);
      expect(await (await open('loa_st_not-a-real-token')).closed).toBe(CloseCode.Unauthorized);
    });

    it('drops a live connection when its token is revoked', async () => {
      const unit = (await admin.ok('GET', '/api/units'))[0];
      const { station, token } = await admin.ok('POST', '/api/stations', { unitId: unit.id, name: 'Trạm thu hồi', code: 'tram-thu-hoi' });
      const { frames, closed } = await open(token);
      await eventually('welcome', () => frames.some((f) => f.type === 'welcome'), 5000);
      await admin.ok('DELETE', `/api/stations/${station.id}/token`);
      expect(await closed).toBe(CloseCode.Revoked);
      expect(await (await open(token)).closed).toBe(CloseCode.Unauthorized);
    });
  });
});

async function countFiles(root: string): Promise<number> {
  try {
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile()).length;
  } catch {
    return 0;
  }
}
