import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeToPcm, probeChannels } from '../../apps/agent/src/player/decode';
import { Api } from '../support/api';
import { ADMIN_PASSWORD, eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess } from '../support/processes';
import { createProgramme, createStation, duplicatesIn, faultSeed, fileSha256, LinkProxy, logbookOf, reportFigures, secondAhead, seededRandom } from './fault-kit';

const MAX_CUTS = 6;

/**
 * The station's mobile link drops again and again while a programme downloads, and once a byte arrives
 * damaged. A proxy between agent and server slows media to a crawl, cuts every connection at seeded points
 * and refuses new ones for a moment. The agent must resume with Range requests, reject the damaged file by
 * its sha256, fetch it again, and still play the true audio on time.
 */
describe('fault: network cut repeatedly during media download', () => {
  let dir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;
  let proxy: LinkProxy | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-fault-flaky-link-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await proxy?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes, verifies, never plays a damaged file, and plays on time', async () => {
    const random = seededRandom(faultSeed('flaky-link'));
    server = await startServerProcess(dir);
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const station = await createStation(api, 'song-yeu');
    const programme = await createProgramme(api, dir, 'Chuyên mục CCHC tải chậm', 660, 6);

    proxy = new LinkProxy(server.port, 40_000);
    await proxy.start();
    proxy.corruptNextDownload();
    const agentDir = join(dir, 'agent');
    agent = startAgentProcess(agentDir, `http://127.0.0.1:${proxy.port}`, station.token);
    await eventually('the agent connected', async () => (await api.ok('GET', '/api/agents/status')).length === 1, 15_000);

    const startAt = secondAhead(25_000);
    await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt, stationIds: [station.id] });
    const cachedFile = join(agentDir, 'cache', 'media', `${programme.sha256}.mp3`);

    // Cut at seeded points in the transfer, each time for a seeded moment, until the file is in.
    let cutAt = proxy.mediaBytes;
    while (!existsSync(cachedFile) && proxy.cuts < MAX_CUTS) {
      const after = 8000 + Math.floor(random() * 8000);
      const due = await eventually('media bytes flowing', () => existsSync(cachedFile) || proxy!.mediaBytes - cutAt >= after, 20_000);
      if (existsSync(cachedFile) || due !== true) break;
      proxy.cut();
      cutAt = proxy.mediaBytes;
      await sleep(300 + Math.floor(random() * 900));
      proxy.restore();
    }
    await eventually('the file cached and verified', () => existsSync(cachedFile), 30_000);
    const spareMs = Date.parse(startAt) - Date.now();
    expect(spareMs).toBeGreaterThan(1000);

    expect(proxy.cuts).toBeGreaterThanOrEqual(3);
    expect(proxy.corrupted).toBe(1);
    // The damaged copy was caught by its hash and thrown away.
    expect(agent.text).toMatch(/sai mã sha256/);
    // Cut transfers were resumed where they stopped, not started over.
    const resumed = proxy.mediaRequests.filter((offset) => offset > 0).length;
    expect(resumed).toBeGreaterThanOrEqual(2);
    expect(await fileSha256(cachedFile)).toBe(programme.sha256);

    const [record] = await eventually('the programme on air', () => readSink(join(agentDir, 'sink')).length >= 1 && readSink(join(agentDir, 'sink')), 40_000);
    expect(record.plannedAt).toBe(startAt);
    expect(Math.abs(record.startErrorMs)).toBeLessThanOrEqual(100);
    // What went on air is the server's file, sample for sample.
    const original = join(dir, 'media', 'sha256', programme.sha256.slice(0, 2), `${programme.sha256}.mp3`);
    const truePcm = await decodeToPcm(original, await probeChannels(original));
    expect(record.pcmSha256).toBe(createHash('sha256').update(truePcm).digest('hex'));

    const lines = await eventually('the logbook line', async () => {
      const got = await logbookOf(api, station.id);
      return got.length >= 1 && got;
    }, 60_000);
    await sleep(1500);
    const settled = await logbookOf(api, station.id);
    expect(settled).toHaveLength(1);
    expect(lines[0]).toMatchObject({ plannedStart: startAt, result: 'complete' });
    const duplicates = duplicatesIn(settled);

    reportFigures('flaky-link', {
      runs: 1,
      faults: proxy.cuts + proxy.corrupted,
      cuts: proxy.cuts,
      corrupted_bytes: proxy.corrupted,
      media_requests: proxy.mediaRequests.length,
      resumed_requests: resumed,
      cached_before_air_ms: spareMs,
      start_error_ms: record.startErrorMs,
      lines_lost: 1 - settled.length,
      duplicates,
    });
  }, 150_000);
});
