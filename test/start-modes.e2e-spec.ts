import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess } from './support/processes';

/**
 * With the server stopped, a station agent applies the start modes on its own: a priority item with a hard
 * start cuts the long programme on air at its instant, and a soft item due while that plays waits and goes
 * on air right after it. When the server is back, the logbook says the long one was cut (preempted).
 */
describe('start modes applied by an agent that is offline', () => {
  let dir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-modes-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a hard start cuts what plays, a soft start follows it, both on time, with no network', async () => {
    server = await startServerProcess(dir);
    const port = server.port;
    const api = new Api(server.url);
    await api.login('admin', 'e2e-admin-password');
    const unit = await api.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã' });
    const { station, token } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: 'Đài xã Cẩm Bình', code: 'cam-binh' });
    const programme = async (title: string, frequency: number, seconds: number) => {
      const upload = await api.upload(await makeTone(join(dir, `${frequency}.wav`), { frequency, seconds }));
      const asset = await api.waitReady(upload.body.id);
      return { asset, programme: await api.ok('POST', '/api/programmes', { title, chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id }) };
    };
    const long = await programme('Chuyên mục CCHC (dài)', 440, 8);
    const urgent = await programme('Thông báo ưu tiên', 880, 2);
    const local = await programme('Tin của xã', 660, 2);

    const agentDir = join(dir, 'agent');
    agent = startAgentProcess(agentDir, server.url, token);
    const t0 = Math.ceil((Date.now() + 15_000) / 1000) * 1000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const a = await api.ok('POST', '/api/slots', { programmeId: long.programme.id, startAt: at(0), stationIds: [station.id] });
    const b = await api.ok('POST', '/api/slots', { programmeId: urgent.programme.id, startAt: at(2), stationIds: [station.id], priority: 'priority', startMode: 'hard' });
    const c = await api.ok('POST', '/api/slots', { programmeId: local.programme.id, startAt: at(3), stationIds: [station.id], startMode: 'soft', source: 'local' });
    expect([a.status, b.status, c.status]).toEqual(['approved', 'approved', 'approved']);

    // The server's own timeline says what the agent is about to do.
    const tl = await api.ok('GET', `/api/stations/${station.id}/timeline?from=${encodeURIComponent(at(-1))}&to=${encodeURIComponent(at(30))}`);
    expect(tl.items.map((i: { slotId: string; outcome: string }) => `${i.slotId}:${i.outcome}`)).toEqual([`${a.id}:cut`, `${b.id}:complete`, `${c.id}:complete`]);

    const cached = (sha: string) => existsSync(join(agentDir, 'cache', 'media', `${sha}.mp3`));
    await eventually('all three programmes cached', () => [long, urgent, local].every((p) => cached(p.asset.sha256)), 20_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${agent?.text}`);
    });
    await server.stop();
    server = undefined;

    const sink = await eventually('three programmes on air', () => {
      const records = readSink(join(agentDir, 'sink'));
      return records.length === 3 && records;
    }, 40_000);
    const [ra, rb, rc] = sink;
    expect([ra.slotId, rb.slotId, rc.slotId]).toEqual([a.id, b.id, c.id]);
    // Hard: each on its own instant, although the long programme had six seconds left.
    expect(Math.abs(Date.parse(ra.startedAt) - t0)).toBeLessThanOrEqual(100);
    expect(Math.abs(Date.parse(rb.startedAt) - (t0 + 2000))).toBeLessThanOrEqual(100);
    // The cut programme's sink holds what went out until the cut, not its full eight seconds.
    expect(ra.durationMs).toBeLessThan(long.asset.durationMs - 4000);
    expect(Math.abs(Date.parse(ra.startedAt) + ra.durationMs - Date.parse(rb.startedAt))).toBeLessThanOrEqual(100);
    // The cut is not a click: the long programme's last 300 ms ramp down to silence, read from its sink,
    // and end on the priority item's instant (checked above).
    const wav = readFileSync(join(agentDir, 'sink', ra.file));
    const cutPcm = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length));
    const peak = (a: Int16Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const full = peak(cutPcm.subarray(0, 44100));
    const step = Math.round(0.03 * 44100);
    const envelope = Array.from({ length: 10 }, (_, k) => peak(cutPcm.subarray(cutPcm.length - (10 - k) * step, cutPcm.length - (9 - k) * step)));
    for (let k = 0; k < 10; k++) expect(Math.abs(envelope[k] - full * (1 - k / 10))).toBeLessThanOrEqual(full * 0.1);
    expect(peak(cutPcm.subarray(cutPcm.length - 44))).toBeLessThanOrEqual(full * 0.02);
    expect(peak(cutPcm.subarray(cutPcm.length - 20 * step, cutPcm.length - 11 * step))).toBeGreaterThanOrEqual(full * 0.9);

    // Soft: due at +3 s while the priority item played, on air as soon as it ended.
    const bEnds = Date.parse(rb.startedAt) + rb.durationMs;
    expect(rc.plannedAt).toBe(at(3));
    expect(Date.parse(rc.startedAt)).toBeGreaterThanOrEqual(bEnds - 5);
    expect(Date.parse(rc.startedAt)).toBeLessThanOrEqual(bEnds + 250);

    // Back online: the logbook gets the cut with its reason, the others in full.
    await sleep(Math.max(0, bEnds + rc.durationMs + 500 - Date.now()));
    server = await startServerProcess(dir, { port });
    const lines = await eventually(
      'three logbook lines',
      async () => {
        const items = (await api.ok('GET', `/api/logbook?stationId=${station.id}`)).items as { slotId: string; result: string; reason: string | null; durationMs: number | null }[];
        return items.length === 3 && items;
      },
      60_000,
    );
    const bySlot = new Map(lines.map((l) => [l.slotId, l]));
    expect(bySlot.get(a.id)).toMatchObject({ reason: 'preempted' });
    expect(bySlot.get(a.id)!.durationMs).toBeGreaterThanOrEqual(1800);
    expect(bySlot.get(a.id)!.durationMs).toBeLessThanOrEqual(2300);
    expect(bySlot.get(b.id)).toMatchObject({ result: 'complete' });
    expect(bySlot.get(c.id)).toMatchObject({ result: 'complete' });
  }, 150_000);
});
