import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { AGENT_WS_PATH, PROTOCOL_VERSION, type PlaybackEvent, type ScheduleItem } from '@loa/protocol';
import { Api } from '../support/api';
import { makeTone } from '../support/audio';
import { ADMIN_PASSWORD, eventually, ServerProc, sleep, startServerProcess } from '../support/processes';
import { createProgramme, createStation, duplicatesIn, faultSeed, fileSha256, integrityCheck, logbookOf, queryDb, reportFigures, seededRandom } from './fault-kit';

const RUNS = 20;
const KINDS = ['upload', 'normalise', 'ingest'] as const;
type Kind = (typeof KINDS)[number];

interface Asset {
  id: string;
  status: string;
  sha256: string | null;
  size: number | null;
  originalSha256: string;
  originalSize: number;
  error: string | null;
}

/**
 * Speaks the agent protocol as a station would, with an outbox: every event it makes stays pending until
 * the server acknowledges it, and is sent again after a reconnect. What it was told is stored must be
 * there after any crash.
 */
class SimAgent {
  readonly made = new Map<string, PlaybackEvent>();
  readonly pending = new Map<string, PlaybackEvent>();
  readonly acked = new Set<string>();
  items: ScheduleItem[] = [];
  private ws: WebSocket | null = null;
  private cursor = 0;

  constructor(
    private readonly wsUrl: string,
    private readonly token: string,
  ) {}

  async connect(): Promise<void> {
    const ws = new WebSocket(this.wsUrl, { headers: { authorization: `Bearer ${this.token}` } });
    this.ws = ws;
    const scheduled = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; ids?: string[]; snapshot?: { items: ScheduleItem[] } };
        if (frame.type === 'ack') {
          for (const id of frame.ids ?? []) {
            this.pending.delete(id);
            this.acked.add(id);
          }
        } else if (frame.type === 'schedule' && frame.snapshot) {
          if (frame.snapshot.items.length) this.items = frame.snapshot.items;
          resolve();
        }
      });
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('closed before the schedule')));
    });
    ws.on('error', () => {});
    await once(ws, 'open');
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'fault-sim', scheduleVersion: null, cached: [] }));
    await scheduled;
    this.resendPending();
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** A started and a finished event for each of the next `n` airings, sent at once. */
  sendNext(n: number): void {
    const events: PlaybackEvent[] = [];
    for (let i = 0; i < n; i++) {
      const item = this.items[this.cursor++ % this.items.length];
      const endedAt = new Date(Date.parse(item.startAt) + item.durationMs).toISOString();
      const base = { occurrenceId: item.occurrenceId, slotId: item.slotId, plannedAt: item.startAt, startedAt: item.startAt, startErrorMs: 0 };
      events.push({ id: randomUUID(), kind: 'started', ...base }, { id: randomUUID(), kind: 'finished', ...base, endedAt, playedMs: item.durationMs });
    }
    for (const e of events) {
      this.made.set(e.id, e);
      this.pending.set(e.id, e);
    }
    this.send(events);
  }

  resendPending(): void {
    const all = [...this.pending.values()];
    for (let i = 0; i < all.length; i += 200) this.send(all.slice(i, i + 200));
  }

  close(): void {
    this.ws?.terminate();
    this.ws = null;
  }

  private send(events: PlaybackEvent[]): void {
    if (this.open && events.length) this.ws!.send(JSON.stringify({ type: 'events', events }));
  }
}

function multipart(file: Buffer, name: string): { body: Buffer; type: string } {
  const boundary = `----loa-fault-${randomUUID()}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: audio/wav\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, file, tail]), type: `multipart/form-data; boundary=${boundary}` };
}

/**
 * The server is killed with SIGKILL twenty times at seeded points: in the middle of a multipart upload,
 * while conversions run, and while an agent streams playback events. After every restart the database
 * passes its integrity check, no listed audio is partial or unfinished, no acknowledged upload or event is
 * gone, and no logbook line is doubled.
 */
describe('fault: server killed at random points', () => {
  let dir: string;
  let server: ServerProc | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-fault-server-kill-'));
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`keeps the database, media store and logbook whole across ${RUNS} SIGKILLs`, async () => {
    const random = seededRandom(faultSeed('server-sigkill'));
    const pick = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
    server = await startServerProcess(dir);
    const port = server.port;
    const dbFile = join(dir, 'data', 'loa.sqlite');
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const station = await createStation(api, 'sap-nguon');
    const programme = await createProgramme(api, dir, 'Tin CCHC hằng ngày', 500, 1);
    // Twelve daily airings over the seven-day window: some eighty occurrences to report on.
    const firstAt = Date.now() + 3600_000;
    for (let k = 0; k < 12; k++) {
      const startAt = new Date(Math.ceil((firstAt + k * 300_000) / 1000) * 1000).toISOString();
      await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt, rule: 'FREQ=DAILY', stationIds: [station.id] });
    }
    const sim = new SimAgent(server.url.replace(/^http/, 'ws') + AGENT_WS_PATH, station.token);
    const audio = await readFile(await makeTone(join(dir, 'upload.wav'), { frequency: 400, seconds: 20, channels: 2 }));

    const acknowledgedUploads = new Set<string>();
    const kinds: Kind[] = Array.from({ length: RUNS }, (_, i) => KINDS[i % KINDS.length]);
    for (let i = kinds.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
    }
    const tally = { upload_mid_body: 0, upload_after_body: 0, normalise: 0, ingest: 0, killed_while_converting: 0 };
    let lostEvents = 0;
    let lostUploads = 0;
    let badMedia = 0;
    let duplicates = 0;
    let restartMs = 0;
    const began = Date.now();

    const killNow = async () => {
      const converting = await api.request('GET', '/api/media/assets').then(
        (r) => r.status === 200 && (r.body as Asset[]).some((a) => a.status === 'processing'),
        () => false,
      );
      if (converting) tally.killed_while_converting++;
      await server!.kill();
    };

    for (const [run, kind] of kinds.entries()) {
      if (kind === 'upload') {
        const { body, type } = multipart(audio, `chuong-trinh-${run}.wav`);
        // Past the end of the body means: killed while the server checks and stores the finished upload.
        const killAt = pick(0, Math.floor(body.length * 1.25));
        const req = http.request(`${server.url}/api/media`, {
          method: 'POST',
          headers: { authorization: `Bearer ${api.token}`, 'content-type': type, 'content-length': body.length },
        });
        const answer = new Promise<{ status: number; text: string } | null>((resolve) => {
          req.on('response', (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            res.on('error', () => resolve(null));
            res.on('close', () => resolve(null));
          });
          req.on('error', () => resolve(null));
        });
        let killed = false;
        for (let at = 0; at < body.length; at += 64 * 1024) {
          if (at >= killAt) {
            await killNow();
            killed = true;
            tally.upload_mid_body++;
            break;
          }
          if (!req.write(body.subarray(at, at + 64 * 1024))) await Promise.race([once(req, 'drain'), answer]);
          await sleep(2);
        }
        if (!killed) {
          req.end();
          await sleep(Math.floor((killAt - body.length) / 4000));
          await killNow();
          tally.upload_after_body++;
        }
        const res = await answer;
        if (res?.status === 201) acknowledgedUploads.add((JSON.parse(res.text) as Asset).id);
      } else if (kind === 'normalise') {
        const up = await api.upload(join(dir, 'upload.wav'), `chuan-hoa-${run}.wav`);
        expect(up.status).toBe(201);
        acknowledgedUploads.add(up.body.id);
        await sleep(pick(0, 1500));
        await killNow();
        tally.normalise++;
      } else {
        await sim.connect();
        const until = Date.now() + pick(200, 1500);
        while (Date.now() < until && sim.open) {
          sim.sendNext(5);
          await sleep(15);
        }
        await killNow();
        sim.close();
        tally.ingest++;
      }

      const restarting = Date.now();
      server = await startServerProcess(dir, { port });
      restartMs += Date.now() - restarting;
      expect(integrityCheck(dbFile)).toBe('ok');

      const assets = (await api.ok('GET', '/api/media/assets')) as Asset[];
      const listed = new Set(assets.map((a) => a.id));
      const missing = [...acknowledgedUploads].filter((id) => !listed.has(id));
      lostUploads += missing.length;
      expect(missing).toEqual([]);
      const problems = await mediaProblems(dir, dbFile, assets);
      badMedia += problems.length;
      expect(problems).toEqual([]);

      const stored = new Set(queryDb<{ id: string }>(dbFile, 'SELECT id FROM playback_event').map((r) => r.id));
      const lost = [...sim.acked].filter((id) => !stored.has(id));
      lostEvents += lost.length;
      expect(lost).toEqual([]);
      const lines = await logbookOf(api, station.id);
      duplicates += duplicatesIn(lines);
      expect(duplicatesIn(lines)).toBe(0);
    }

    const killedMs = Date.now() - began;
    // Afterwards: the agent's outbox drains, conversions finish, and everything adds up.
    await sim.connect();
    await eventually('every event acknowledged', () => sim.pending.size === 0, 30_000);
    sim.close();
    await eventually(
      'conversions settled',
      async () => ((await api.ok('GET', '/api/media/assets')) as Asset[]).every((a) => a.status !== 'processing'),
      90_000,
    );
    const assets = (await api.ok('GET', '/api/media/assets')) as Asset[];
    expect(await mediaProblems(dir, dbFile, assets)).toEqual([]);
    // The tone is good audio: the only acceptable failure is the guard against a file that keeps taking
    // the server down, tripped here by the kills themselves.
    for (const a of assets.filter((x) => x.status === 'failed')) expect(a.error).toMatch(/Máy chủ dừng đột ngột/);

    const stored = new Set(queryDb<{ id: string }>(dbFile, 'SELECT id FROM playback_event').map((r) => r.id));
    const neverStored = [...sim.made.keys()].filter((id) => !stored.has(id));
    expect(neverStored).toEqual([]);
    const lines = await logbookOf(api, station.id);
    const finished = new Set([...sim.made.values()].filter((e) => e.kind === 'finished').map((e) => e.occurrenceId));
    const logged = new Set(lines.map((l) => l.occurrenceId));
    const linesLost = [...finished].filter((o) => !logged.has(o)).length;
    expect(linesLost).toBe(0);
    expect(lines).toHaveLength(finished.size);
    duplicates += duplicatesIn(lines);
    expect(duplicatesIn(lines)).toBe(0);

    const verify = await promisify(execFile)(process.execPath, [join(__dirname, '../../dist/apps/server/src/cli.js'), 'logbook', 'verify', '--data-dir', join(dir, 'data'), '--json']);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
    expect(integrityCheck(dbFile)).toBe('ok');

    reportFigures('server-sigkill', {
      runs: RUNS,
      faults: RUNS,
      ...tally,
      uploads_acknowledged: acknowledgedUploads.size,
      assets_ready: assets.filter((a) => a.status === 'ready').length,
      assets_failed: assets.filter((a) => a.status === 'failed').length,
      events_made: sim.made.size,
      events_acked: sim.acked.size,
      events_lost: lostEvents,
      uploads_lost: lostUploads,
      partial_media_visible: badMedia,
      lines: lines.length,
      restart_ms_mean: Math.round(restartMs / RUNS),
      kill_runs_ms: killedMs,
      settle_ms: Date.now() - began - killedMs,
      lines_lost: linesLost,
      duplicates,
    });
  }, 300_000);
});

/**
 * What is wrong with the listed audio: a ready asset whose broadcast file is missing, short or not the
 * bytes its hash names, or whose conversion job never finished; an original missing from the store.
 */
async function mediaProblems(dir: string, dbFile: string, assets: readonly Asset[]): Promise<string[]> {
  const problems: string[] = [];
  const stored = (sha: string, ext: string) => join(dir, 'media', 'sha256', sha.slice(0, 2), `${sha}.${ext}`);
  const jobs = queryDb<{ assetId: string; state: string }>(dbFile, 'SELECT "assetId", state FROM media_job');
  // The listing does not show under which extension the original is kept.
  const exts = new Map(queryDb<{ id: string; ext: string }>(dbFile, 'SELECT id, "originalExt" AS ext FROM media_asset').map((r) => [r.id, r.ext]));
  for (const a of assets) {
    const original = stored(a.originalSha256, exts.get(a.id) ?? '?');
    const originalSize = existsSync(original) ? (await stat(original)).size : null;
    if (originalSize !== a.originalSize) problems.push(`${a.id} (${a.status}): original ${original} is ${originalSize ?? 'missing'}, listed as ${a.originalSize} bytes`);
    const own = jobs.filter((j) => j.assetId === a.id).map((j) => j.state);
    if (a.status === 'ready') {
      const file = stored(a.sha256!, 'mp3');
      if (!existsSync(file)) problems.push(`${a.id}: ready without its file`);
      else if ((await stat(file)).size !== a.size || (await fileSha256(file)) !== a.sha256) problems.push(`${a.id}: ready with a partial or wrong file`);
      if (!own.includes('done')) problems.push(`${a.id}: ready but no conversion finished (${own.join(',')})`);
    } else if (a.status === 'processing') {
      if (!own.some((s) => s === 'queued' || s === 'running')) problems.push(`${a.id}: processing with no job to finish it (${own.join(',')})`);
    } else if (a.status !== 'failed' && a.status !== 'cancelled') {
      problems.push(`${a.id}: unexpected status ${a.status}`);
    }
  }
  return problems;
}
