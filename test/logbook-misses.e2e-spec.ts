import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProgramme, createStation, logbookOf, secondAhead } from './faults/fault-kit';
import { Api } from './support/api';
import { ADMIN_PASSWORD, eventually, Proc, ServerProc, startAgentProcess, startServerProcess } from './support/processes';

/**
 * A station box killed (SIGKILL, as a power cut) before its slot never reports the airing: the server
 * itself writes "không phát — mất kết nối" once the slot is over (grace 0 here, the sweep runs each
 * minute), the periodic report counts it as not played, and the agent's own report when it comes back
 * adds no second line.
 */
describe('a station killed before its slot still gets its logbook line', () => {
  let dir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-e2e-misses-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes "không phát — mất kết nối" by the slot’s end and keeps it the only line', async () => {
    server = await startServerProcess(dir, { env: { LOGBOOK_MISS_GRACE_MINUTES: '0' } });
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const station = await createStation(api, 'mat-dien-truoc');
    const programme = await createProgramme(api, dir, 'Tin CCHC', 660, 1);
    const agentDir = join(dir, 'agent');
    agent = startAgentProcess(agentDir, server.url, station.token);
    // A minute and more after the box dies: the server has not heard from it since well before the slot.
    const startAt = secondAhead(80_000);
    const slot = await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt, stationIds: [station.id] });
    await eventually('the programme cached', () => existsSync(join(agentDir, 'cache', 'media', `${programme.sha256}.mp3`)), 20_000);
    await agent.kill();
    agent = undefined;

    const end = Date.parse(startAt) + slot.durationMs;
    const [line] = await eventually('the server’s line', async () => (await logbookOf(api, station.id)).length > 0 && logbookOf(api, station.id), end - Date.now() + 90_000);
    const full = (await api.ok('GET', `/api/logbook?stationId=${station.id}`)).items[0];
    expect(line).toMatchObject({ plannedStart: startAt, result: 'missed', reason: 'station_offline', actualStart: null });
    expect(full.detail).toMatch(/^Trạm mất kết nối: lần cuối liên lạc lúc /);
    expect(full.recordedBy).toBe('tự động (máy chủ)');
    // On time: within the minute's sweep after the slot ended.
    expect(Date.parse(full.createdAt) - end).toBeLessThan(75_000);
    expect(Date.parse(full.createdAt)).toBeGreaterThanOrEqual(end);

    const year = new Date(Date.parse(startAt) + 7 * 3600_000).getUTCFullYear();
    const quarter = Math.floor(new Date(Date.parse(startAt) + 7 * 3600_000).getUTCMonth() / 3) + 1;
    const report = await api.ok('GET', `/api/reports/periodic?period=Q${quarter}&year=${year}&convention=calendar`);
    expect(report.stations.find((s: { stationId: string }) => s.stationId === station.id)).toMatchObject({ broadcastsScheduled: 1, broadcasts: 0, missed: 1 });

    // The box comes back: whatever it reports about the slot it slept through adds no line.
    agent = startAgentProcess(agentDir, server.url, station.token);
    await eventually(
      'the outbox empty',
      async () => (await api.ok('GET', '/api/agents/status')).some((a: { stationId: string; status: { pendingEvents: number } | null }) => a.stationId === station.id && a.status?.pendingEvents === 0),
      40_000,
    );
    const lines = await logbookOf(api, station.id);
    expect(lines).toHaveLength(1);
    expect((await api.ok('GET', `/api/logbook/verify?stationId=${station.id}`)).ok).toBe(true);
  }, 240_000);
});
