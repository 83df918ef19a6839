import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { AGENT_WS_PATH, CloseCode, parseAgentFrame, type AgentToServer, type PlaybackEvent, type ServerToAgent } from '@loa/protocol';
import { startAgent, type AgentHandle } from './agent';
import { loadConfig } from './config';
import { silentLogger } from './log';
import { AgentStore } from './store';
import { item, snapshot } from '../../../test/support/agent/items';
import { makeTone } from '../../../test/support/agent/tone';

/** A stand-in for the server: accepts one token, serves one file, records what the agent sends. */
describe('station agent against a stand-in server', () => {
  let dir: string;
  let server: http.Server;
  let wss: WebSocketServer;
  let url: string;
  let mp3: Buffer;
  let sha: string;
  let received: AgentToServer[];
  let sockets: WebSocket[];
  let ackEvents: boolean;
  let agent: AgentHandle | null;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'loa-agent-'));
    makeTone(join(dir, 'tone.mp3'), 1, 1);
    mp3 = readFileSync(join(dir, 'tone.mp3'));
    sha = createHash('sha256').update(mp3).digest('hex');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    received = [];
    sockets = [];
    ackEvents = true;
    agent = null;
    server = http.createServer((req, res) => {
      if (req.headers.authorization !== 'Bearer good-token-1' || req.url !== `/media/${sha}`) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': mp3.length }).end(mp3);
    });
    wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (req.url !== AGENT_WS_PATH || req.headers.authorization !== 'Bearer good-token-1') {
          ws.close(CloseCode.Unauthorized, 'unauthorized');
          return;
        }
        sockets.push(ws);
        ws.on('message', (data) => {
          const parsed = parseAgentFrame(data);
          if (!parsed.ok) throw new Error(`agent sent an invalid frame: ${parsed.issues?.join('; ')}`);
          const frame = parsed.frame;
          received.push(frame);
          const send = (f: ServerToAgent) => ws.send(JSON.stringify(f));
          if (frame.type === 'clock.ping') send({ type: 'clock.pong', id: frame.id, t0: frame.t0, t1: Date.now(), t2: Date.now() });
          if (frame.type === 'events' && ackEvents) send({ type: 'ack', ids: frame.events.map((e) => e.id) });
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await agent?.stop();
    for (const ws of sockets) ws.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const config = (token: string, cache: string) =>
    loadConfig({ env: { LOA_SERVER_URL: url, LOA_STATION_TOKEN: token, LOA_CACHE_DIR: join(dir, cache), LOA_PLAYER: 'file' } });
  const options = { log: silentLogger, prepareLeadMs: 600, link: { backoffBaseMs: 20, backoffMaxMs: 100 } };
  const events = (): PlaybackEvent[] => received.flatMap((f) => (f.type === 'events' ? f.events : []));
  async function until(done: () => boolean, ms = 8000): Promise<void> {
    const end = Date.now() + ms;
    while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(done()).toBe(true);
  }

  it('says hello, downloads the programme, plays it on time into the sink, and has its events acknowledged', async () => {
    agent = await startAgent(config('good-token-1', 'a1'), options);
    await until(() => received.some((f) => f.type === 'hello'));
    expect(received[0]).toMatchObject({ type: 'hello', protocol: 1, scheduleVersion: null, cached: [] });
    await until(() => received.filter((f) => f.type === 'clock.ping').length >= 5);

    const start = Date.now() + 1500;
    const it1 = item('occ-1', start, { durationMs: 1000, media: { sha256: sha, size: mp3.length, durationMs: 1000, url: `/media/${sha}` } });
    sockets[0].send(JSON.stringify({ type: 'schedule', snapshot: snapshot(3, [it1]) } satisfies ServerToAgent));
    // A malformed frame is ignored, not fatal.
    sockets[0].send('{"type":"schedule","snapshot":{}}');

    await until(() => events().some((e) => e.kind === 'finished'));
    const started = events().find((e) => e.kind === 'started');
    expect(Math.abs(started?.startErrorMs ?? Infinity)).toBeLessThan(20);
    await until(() => agent?.status().pendingEvents === 0);
    const status = agent.status();
    expect(status).toMatchObject({ scheduleVersion: 3, cachedFiles: 1, missingFiles: 0, cacheReady: true, nowPlaying: null });

    const journal = readFileSync(join(dir, 'a1', 'sink', 'sink.jsonl'), 'utf8').trim().split('\n');
    expect(journal).toHaveLength(1);
    expect(JSON.parse(journal[0])).toMatchObject({ occurrenceId: 'occ-1', channels: 1, sampleRate: 44100 });
    // Without a capture, the final event still says so, after the sent audio was checked for dead air.
    expect(events().find((e) => e.kind === 'finished')?.air?.verdict).toBe('no_capture');
    // The final event waits for that check (an ffmpeg decode of the programme): more than jest's default 5 s on a busy machine.
  }, 15_000);

  it('reports a programme missed while it was off, and resends the event after a restart until acknowledged', async () => {
    ackEvents = false;
    const cfg = config('good-token-1', 'a2');
    const missed = item('gone', Date.now() - 60_000, { media: { sha256: sha, size: mp3.length, durationMs: 1000, url: `/media/${sha}` } });
    // The schedule the box saved before it went down.
    const store = new AgentStore(join(cfg.cacheDir, 'agent.db'));
    store.saveSnapshot(snapshot(2, [missed]), new Date(Date.now() - 3600_000).toISOString());
    store.close();

    agent = await startAgent(cfg, options);
    await until(() => events().length === 1);
    expect(events()[0]).toMatchObject({ kind: 'failed', reason: 'missed', occurrenceId: 'gone' });
    expect(agent.status().pendingEvents).toBe(1);
    await agent.stop();

    ackEvents = true;
    agent = await startAgent(cfg, options);
    await until(() => agent?.status().pendingEvents === 0);
    expect(events()).toHaveLength(2);
    expect(events()[1].id).toBe(events()[0].id);
    expect(received.filter((f) => f.type === 'hello').map((f) => (f.type === 'hello' ? f.scheduleVersion : -1))).toEqual([2, 2]);
  });

  it('finds a missing sound card at start, reports it at once, and gives its own words as the reason at air time', async () => {
    const errors: string[] = [];
    const cfg = loadConfig({
      env: { LOA_SERVER_URL: url, LOA_STATION_TOKEN: 'good-token-1', LOA_CACHE_DIR: join(dir, 'a4'), LOA_PLAYER: 'alsa', LOA_ALSA_DEVICE: 'hw:7,0' },
    });
    agent = await startAgent(cfg, { ...options, log: { info: () => {}, warn: () => {}, error: (m) => errors.push(m) } });
    // Known before any connection or schedule: the probe ran during start.
    const deviceWords = /Không mở được thiết bị âm thanh "hw:7,0": .*cannot open audio device hw:7,0 \(No such file or directory\)/;
    expect(agent.status().output).toMatchObject({ device: 'hw:7,0', ok: false });
    expect(agent.status().output?.error).toMatch(deviceWords);
    expect(agent.status().lastError).toMatch(deviceWords);
    expect(errors.some((m) => deviceWords.test(m))).toBe(true);
    await until(() => received.some((f) => f.type === 'status' && f.output?.ok === false && deviceWords.test(f.lastError ?? '')));

    const it1 = item('occ-alsa', Date.now() + 1500, { durationMs: 1000, media: { sha256: sha, size: mp3.length, durationMs: 1000, url: `/media/${sha}` } });
    sockets[0].send(JSON.stringify({ type: 'schedule', snapshot: snapshot(4, [it1]) } satisfies ServerToAgent));
    await until(() => events().some((e) => e.kind === 'failed'));
    const failed = events().find((e) => e.kind === 'failed');
    expect(failed).toMatchObject({ reason: 'player_error', occurrenceId: 'occ-alsa' });
    // The logbook's reason names the device and its problem in ALSA's words.
    expect(failed?.detail).toMatch(/^Lỗi thiết bị âm thanh "hw:7,0" \(aplay thoát mã 1\): .*audio open error: No such file or directory/);
  }, 20_000);

  it('keeps running when the token is refused', async () => {
    const logs: string[] = [];
    agent = await startAgent(config('wrong-token-1', 'a3'), {
      ...options,
      link: { ...options.link, refusedRetryMs: 50 },
      log: { info: () => {}, warn: () => {}, error: (m) => logs.push(m) },
    });
    await until(() => logs.filter((m) => /mã trạm/.test(m)).length >= 2);
    expect(agent.status().scheduleVersion).toBeNull();
  });
});
