import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from './support/api';
import { eventually, Proc, ServerProc, startAgentProcess, startServerProcess } from './support/processes';

/**
 * A commune operator works with its own station only: the station list and the live agent status are
 * narrowed on the server, whatever the browser asks for.
 */
describe('a commune operator sees only the stations of its own unit', () => {
  let dir: string;
  let server: ServerProc;
  const agents: Proc[] = [];
  let admin: Api;
  let operator: Api;
  let editor: Api;
  const stations: Record<string, { id: string; unitId: string }> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-scope-'));
    server = await startServerProcess(dir);
    admin = new Api(server.url);
    await admin.login('admin', 'e2e-admin-password');
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    for (const code of ['cam-binh', 'cam-thanh']) {
      const commune = await admin.ok('POST', '/api/units', { name: `Xã ${code}`, kind: 'Xã', parentId: province.id });
      const { station, token } = await admin.ok('POST', '/api/stations', { unitId: commune.id, name: `Đài xã ${code}`, code });
      stations[code] = { id: station.id, unitId: commune.id };
      agents.push(startAgentProcess(join(dir, code), server.url, token));
    }
    await admin.ok('POST', '/api/users', { username: 'tram-cam-binh', displayName: 'Cán bộ đài xã', password: 'operator-password', role: 'operator', unitId: stations['cam-binh'].unitId });
    await admin.ok('POST', '/api/users', { username: 'khong-don-vi', displayName: 'Chưa xếp đơn vị', password: 'operator-password', role: 'operator' });
    await admin.ok('POST', '/api/users', { username: 'bientap', displayName: 'Biên tập', password: 'editor-password', role: 'editor', unitId: province.id });
    operator = new Api(server.url);
    await operator.login('tram-cam-binh', 'operator-password');
    editor = new Api(server.url);
    await editor.login('bientap', 'editor-password');
    await eventually('both agents connected', async () => (await admin.ok('GET', '/api/agents/status')).length === 2, 30_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists only its own station, even when it asks for another unit', async () => {
    const own = await operator.ok('GET', '/api/stations');
    expect(own.map((s: { id: string }) => s.id)).toEqual([stations['cam-binh'].id]);
    expect(await operator.ok('GET', `/api/stations?unitId=${stations['cam-thanh'].unitId}`)).toEqual([]);
    expect((await editor.ok('GET', '/api/stations')).length).toBe(2);
  }, 30_000);

  it('sees the live status of its own agent only', async () => {
    const status = await operator.ok('GET', '/api/agents/status');
    expect(status.map((s: { stationId: string }) => s.stationId)).toEqual([stations['cam-binh'].id]);
    expect((await editor.ok('GET', '/api/agents/status')).length).toBe(2);
  }, 30_000);

  it('an operator not yet placed in a unit sees no station at all', async () => {
    const lost = new Api(server.url);
    await lost.login('khong-don-vi', 'operator-password');
    expect(await lost.ok('GET', '/api/stations')).toEqual([]);
    expect(await lost.ok('GET', '/api/agents/status')).toEqual([]);
  }, 30_000);
});
