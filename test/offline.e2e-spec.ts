import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess } from './support/processes';

/**
 * The network is down at air time: the agent plays from its cache on time, is itself restarted while
 * still cut off, and when the server is back the logbook line arrives exactly once.
 */
describe('a station cut off at air time', () => {
  let dir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-offline-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('plays on time from cache, survives its own restart, and the line reaches the logbook once', async () => {
    server = await startServerProcess(dir);
    const port = server.port;
    const api = new Api(server.url);
    await api.login('admin', 'e2e-admin-password');
    const unit = await api.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã' });
    const { station, token } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: 'Đài xã Cẩm Bình', code: 'cam-binh' });
    const upload = await api.upload(await makeTone(join(dir, 'tone.mp3'), { frequency: 660, seconds: 2 }));
    const asset = await api.waitReady(upload.body.id);
    const programme = await api.ok('POST', '/api/programmes', { title: 'Thông báo CCHC', chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id });

    const agentDir = join(dir, 'agent');
    agent = startAgentProcess(agentDir, server.url, token);
    const startAt = new Date(Math.ceil((Date.now() + 12_000) / 1000) * 1000).toISOString();
    await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt, stationIds: [station.id] });
    await eventually('the programme cached on the station', () => existsSync(join(agentDir, 'cache', 'media', `${asset.sha256}.mp3`)), 20_000);

    // The link goes down well before air time.
    await server.stop();
    server = undefined;

    const [record] = await eventually('the programme on air', () => readSink(join(agentDir, 'sink')).length === 1 && readSink(join(agentDir, 'sink')), 30_000);
    expect(record.plannedAt).toBe(startAt);
    expect(Math.abs(Date.parse(record.startedAt) - Date.parse(startAt))).toBeLessThanOrEqual(100);

    // Wait for the end of the programme, then restart the agent while the server is still away.
    await sleep(Math.max(0, Date.parse(startAt) + 2500 - Date.now()));
    await agent.stop();
    agent = startAgentProcess(agentDir, `http://127.0.0.1:${port}`, token);
    await sleep(1500);

    server = await startServerProcess(dir, { port });
    await eventually(
      'the logbook line after reconnect',
      async () => (await api.ok('GET', `/api/logbook?stationId=${station.id}`)).items.length >= 1,
      60_000,
    );
    // Let the agent resend whatever it still holds; the count must not move.
    await sleep(3000);
    const lines = (await api.ok('GET', `/api/logbook?stationId=${station.id}`)).items;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ plannedStart: startAt, result: 'complete' });
    expect(Math.abs(Date.parse(lines[0].actualStart) - Date.parse(startAt))).toBeLessThanOrEqual(100);
    // And the agent played it once: no replay after its restart.
    expect(readSink(join(agentDir, 'sink'))).toHaveLength(1);
  }, 150_000);
});
