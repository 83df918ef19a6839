import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from '../support/api';
import { ADMIN_PASSWORD, eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess } from '../support/processes';
import { createProgramme, createStation, duplicatesIn, fileSha256, logbookOf, reportFigures, secondAhead } from './fault-kit';

/**
 * The station box's disk fills up while a new programme downloads. Without root there is no tiny file
 * system to fill, so the download's work file is made to point at /dev/full, where every write fails with
 * ENOSPC exactly as on a full disk. The agent must say so to the server, keep the programme it already
 * holds, stay up, and play that programme on time.
 */
describe('fault: disk full on the agent cache', () => {
  let dir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-fault-disk-full-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the full disk, keeps and plays what it cached, and does not crash', async () => {
    expect(existsSync('/dev/full')).toBe(true);
    server = await startServerProcess(dir);
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const station = await createStation(api, 'day-dia');
    const cachedFirst = await createProgramme(api, dir, 'Chương trình đã tải', 440, 2);
    const arrivesLate = await createProgramme(api, dir, 'Chương trình mới', 880, 2);

    const agentDir = join(dir, 'agent');
    const mediaDir = join(agentDir, 'cache', 'media');
    agent = startAgentProcess(agentDir, server.url, station.token);
    const firstAt = secondAhead(14_000);
    await api.ok('POST', '/api/slots', { programmeId: cachedFirst.id, startAt: firstAt, stationIds: [station.id] });
    const kept = join(mediaDir, `${cachedFirst.sha256}.mp3`);
    await eventually('the first programme cached', () => existsSync(kept), 15_000);

    // The disk is full from now on, for the next download.
    await mkdir(join(mediaDir, 'tmp'), { recursive: true });
    await symlink('/dev/full', join(mediaDir, 'tmp', `${arrivesLate.sha256}.part`));
    const lateAt = new Date(Date.parse(firstAt) + 5000).toISOString();
    await api.ok('POST', '/api/slots', { programmeId: arrivesLate.id, startAt: lateAt, stationIds: [station.id] });

    const reported = await eventually(
      'the agent to report the full disk',
      async () => {
        const [mine] = (await api.ok('GET', '/api/agents/status')).filter((a: { stationId: string }) => a.stationId === station.id);
        return mine?.status?.lastError && mine.status;
      },
      15_000,
    );
    expect(reported.lastError).toMatch(/ổ đĩa của trạm đã đầy/);
    expect(reported.lastError).toMatch(/ENOSPC/);
    expect(reported).toMatchObject({ cacheReady: false, missingFiles: 1, cachedFiles: 1 });

    const [record] = await eventually('the cached programme on air', () => readSink(join(agentDir, 'sink')).length >= 1 && readSink(join(agentDir, 'sink')), 30_000);
    expect(record.plannedAt).toBe(firstAt);
    expect(Math.abs(record.startErrorMs)).toBeLessThanOrEqual(100);

    const lines = await eventually('both slots in the logbook', async () => {
      const got = await logbookOf(api, station.id);
      return got.length >= 2 && got;
    }, 30_000);
    await sleep(1500);
    const settled = await logbookOf(api, station.id);
    expect(settled).toHaveLength(2);
    expect(lines.find((l) => l.plannedStart === firstAt)).toMatchObject({ result: 'complete' });
    // The programme that never arrived is logged truthfully, not silently dropped.
    expect(lines.find((l) => l.plannedStart === lateAt)).toMatchObject({ result: 'failed', reason: 'media_missing' });

    expect(agent.child.exitCode).toBeNull();
    expect(agent.child.signalCode).toBeNull();
    expect(await fileSha256(kept)).toBe(cachedFirst.sha256);
    expect(existsSync(join(mediaDir, `${arrivesLate.sha256}.mp3`))).toBe(false);
    expect(readSink(join(agentDir, 'sink'))).toHaveLength(1);
    const duplicates = duplicatesIn(settled);
    expect(duplicates).toBe(0);
    const failedWrites = (agent.text.match(/ổ đĩa của trạm đã đầy/g) ?? []).length;
    expect(failedWrites).toBeGreaterThanOrEqual(1);

    reportFigures('disk-full', { runs: 1, faults: failedWrites, lines_lost: 2 - settled.length, duplicates, start_error_ms: record.startErrorMs });
  }, 120_000);
});
