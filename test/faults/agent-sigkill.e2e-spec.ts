import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from '../support/api';
import { ADMIN_PASSWORD, eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess } from '../support/processes';
import { createProgramme, createStation, duplicatesIn, faultSeed, logbookOf, reportFigures, secondAhead, seededRandom } from './fault-kit';

/**
 * The station box loses power in the middle of a programme (SIGKILL: no shutdown code runs). When it comes
 * back it records the cut broadcast as interrupted, does not play it again, and the next slot starts on time.
 */
describe('fault: agent killed mid-playback', () => {
  let dir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-fault-agent-kill-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs the interrupted broadcast once and plays the next slot within 100 ms', async () => {
    const random = seededRandom(faultSeed('agent-sigkill'));
    server = await startServerProcess(dir);
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const station = await createStation(api, 'mat-dien');
    const long = await createProgramme(api, dir, 'Bản tin CCHC dài', 523, 5);
    const next = await createProgramme(api, dir, 'Bản tin tiếp theo', 784, 2);

    const agentDir = join(dir, 'agent');
    const sinkDir = join(agentDir, 'sink');
    agent = startAgentProcess(agentDir, server.url, station.token);
    const firstAt = secondAhead(12_000);
    const nextAt = new Date(Date.parse(firstAt) + 9000).toISOString();
    await api.ok('POST', '/api/slots', { programmeId: long.id, startAt: firstAt, stationIds: [station.id] });
    await api.ok('POST', '/api/slots', { programmeId: next.id, startAt: nextAt, stationIds: [station.id] });
    const cached = (sha: string) => existsSync(join(agentDir, 'cache', 'media', `${sha}.mp3`));
    await eventually('both programmes cached', () => cached(long.sha256) && cached(next.sha256), 20_000);

    await eventually('the long programme on air', () => readSink(sinkDir).length === 1, 20_000);
    // Somewhere in the middle of its five seconds, chosen by the seed.
    const killAt = Date.parse(firstAt) + 800 + Math.floor(random() * 3000);
    await sleep(Math.max(0, killAt - Date.now()));
    await agent.kill();
    const killedAfterMs = Date.now() - Date.parse(firstAt);
    agent = startAgentProcess(agentDir, server.url, station.token);
    await agent.waitFor(/bị gián đoạn lần chạy trước/, 15_000);

    const sink = await eventually('the next programme on air', () => readSink(sinkDir).length >= 2 && readSink(sinkDir), 25_000);
    expect(sink.map((r) => r.plannedAt)).toEqual([firstAt, nextAt]);
    expect(Math.abs(sink[1].startErrorMs)).toBeLessThanOrEqual(100);
    expect(Math.abs(Date.parse(sink[1].startedAt) - Date.parse(nextAt))).toBeLessThanOrEqual(100);

    const lines = await eventually('two logbook lines', async () => {
      const got = await logbookOf(api, station.id);
      return got.length >= 2 && got;
    }, 20_000);
    await sleep(Math.max(0, Date.parse(nextAt) + next.durationMs + 1500 - Date.now()));
    const settled = await logbookOf(api, station.id);
    expect(settled).toHaveLength(2);
    const cut = lines.find((l) => l.plannedStart === firstAt)!;
    expect(cut).toMatchObject({ result: 'partial', reason: 'interrupted' });
    expect(cut.actualStart).not.toBeNull();
    const after = settled.find((l) => l.plannedStart === nextAt)!;
    expect(after).toMatchObject({ result: 'complete' });
    expect(Math.abs(after.startErrorMs ?? Infinity)).toBeLessThanOrEqual(100);
    // Played once each: the cut programme is not started again after the restart.
    expect(readSink(sinkDir)).toHaveLength(2);
    const duplicates = duplicatesIn(settled);
    expect(duplicates).toBe(0);

    reportFigures('agent-sigkill', {
      runs: 1,
      faults: 1,
      killed_after_ms: killedAfterMs,
      next_start_error_ms: sink[1].startErrorMs,
      lines_lost: 2 - settled.length,
      duplicates,
    });
  }, 120_000);
});
