import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from '../support/api';
import { ADMIN_PASSWORD, eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess } from '../support/processes';
import { createProgramme, createStation, duplicatesIn, logbookOf, reportFigures, secondAhead } from './fault-kit';

/** Two days of a busy station (twelve airings a day), compressed to one every 1.5 s. */
const SLOTS = 24;
const SPACING_MS = 1500;
const FAR_AHEAD_MS = 47 * 3600_000;

/**
 * A station cut off from the server for 48 hours of schedule. The agent has cached everything the next two
 * days need (including a programme 47 h ahead) before the server goes away; it then plays every slot from
 * its cache, on time, and logs each; when the server is back, every line reaches the logbook exactly once.
 */
describe('fault: agent offline for 48 hours of schedule', () => {
  let dir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-fault-offline-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('plays and logs every slot offline, and after reconnect the server holds each line once', async () => {
    server = await startServerProcess(dir);
    const port = server.port;
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const station = await createStation(api, 'mat-mang');
    const short = await createProgramme(api, dir, 'Tin CCHC ngắn', 620, 1);
    const later = await createProgramme(api, dir, 'Chuyên mục ngày kia', 330, 2);

    const agentDir = join(dir, 'agent');
    const sinkDir = join(agentDir, 'sink');
    agent = startAgentProcess(agentDir, server.url, station.token);

    const firstAt = Date.parse(secondAhead(11_000));
    const planned = Array.from({ length: SLOTS }, (_, i) => new Date(firstAt + i * SPACING_MS).toISOString());
    for (const startAt of planned) await api.ok('POST', '/api/slots', { programmeId: short.id, startAt, stationIds: [station.id] });
    const farAt = secondAhead(FAR_AHEAD_MS);
    await api.ok('POST', '/api/slots', { programmeId: later.id, startAt: farAt, stationIds: [station.id] });
    const cached = (sha: string) => existsSync(join(agentDir, 'cache', 'media', `${sha}.mp3`));
    await agent.waitFor(new RegExp(`: ${SLOTS + 1} chương trình`), 15_000);
    await eventually('both programmes cached', () => cached(short.sha256) && cached(later.sha256), 15_000);
    const leadMs = firstAt - Date.now();
    expect(leadMs).toBeGreaterThan(3000);

    // The link goes down and stays down for the whole two days.
    await server.stop();
    server = undefined;

    const sink = await eventually('every slot on air', () => readSink(sinkDir).length >= SLOTS && readSink(sinkDir), SLOTS * SPACING_MS + 20_000);
    expect(sink.map((r) => r.plannedAt)).toEqual(planned);
    const worstStartErrorMs = Math.max(...sink.map((r) => Math.abs(r.startErrorMs)));
    expect(worstStartErrorMs).toBeLessThanOrEqual(100);
    await sleep(Math.max(0, Date.parse(planned[SLOTS - 1]) + short.durationMs + 500 - Date.now()));
    expect(agent.child.exitCode).toBeNull();

    server = await startServerProcess(dir, { port });
    const reconnectedAt = Date.now();
    await eventually('every line after reconnect', async () => (await logbookOf(api, station.id)).length >= SLOTS, 60_000);
    const catchUpMs = Date.now() - reconnectedAt;
    await eventually(
      'the outbox empty',
      async () => (await api.ok('GET', '/api/agents/status')).some((a: { stationId: string; status: { pendingEvents: number } | null }) => a.stationId === station.id && a.status?.pendingEvents === 0),
      30_000,
    );
    // Whatever the agent resends now must not add a line.
    await sleep(2000);
    const lines = await logbookOf(api, station.id);
    const duplicates = duplicatesIn(lines);
    const logged = new Set(lines.map((l) => l.occurrenceId));
    const lost = sink.filter((r) => !logged.has(r.occurrenceId)).length;
    expect(lines).toHaveLength(SLOTS);
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(lines.every((l) => l.result === 'complete')).toBe(true);
    expect(lines.map((l) => l.plannedStart).sort()).toEqual(planned);
    expect(readSink(sinkDir)).toHaveLength(SLOTS);

    reportFigures('offline-48h', {
      runs: SLOTS,
      faults: 1,
      offline_slots: SLOTS,
      worst_start_error_ms: worstStartErrorMs,
      spare_lead_ms: leadMs,
      catch_up_ms: catchUpMs,
      lines_lost: lost,
      duplicates,
    });
  }, 180_000);
});
