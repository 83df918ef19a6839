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

  it('follows the live status stream of its own agent only, and sees it go when the agent stops', async () => {
    const stream = await openStream(server.url, operator.token!);
    const first = await stream.next();
    expect(first.map((s) => s.stationId)).toEqual([stations['cam-binh'].id]);
    // The other station's agent going away changes nothing the operator may see; its own agent going does.
    await agents[0].stop();
    const after = await eventually('an event without the agent', async () => {
      const list = await stream.next();
      return list.length === 0 ? list : null;
    }, 20_000);
    expect(after).toEqual([]);
    stream.close();
    const all = await openStream(server.url, editor.token!);
    expect((await all.next()).map((s) => s.stationId)).toEqual([stations['cam-thanh'].id]);
    all.close();
  }, 60_000);

  it('cannot read another unit\'s logbook, in the list or the export', async () => {
    for (const path of [`/api/logbook?unitId=${stations['cam-thanh'].unitId}`, `/api/logbook/export.csv?unitId=${stations['cam-thanh'].unitId}`]) {
      const res = await operator.request('GET', path);
      expect(res.status).toBe(403);
      expect(res.body.message).toBe('Bạn chỉ xem được nhật ký của các trạm thuộc đơn vị mình.');
    }
    expect((await operator.request('GET', `/api/logbook?unitId=${stations['cam-binh'].unitId}`)).status).toBe(200);
  }, 30_000);

  it('an operator not yet placed in a unit sees no station at all', async () => {
    const lost = new Api(server.url);
    await lost.login('khong-don-vi', 'operator-password');
    expect(await lost.ok('GET', '/api/stations')).toEqual([]);
    expect(await lost.ok('GET', '/api/agents/status')).toEqual([]);
    expect((await lost.request('GET', '/api/logbook')).status).toBe(403);
  }, 30_000);
});

/** Reads `GET /api/agents/status/stream` event by event, as the console does. */
async function openStream(baseUrl: string, token: string) {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}/api/agents/status/stream`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<{ stationId: string }[]> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').find((l) => l.startsWith('data:'));
          if (data) return JSON.parse(data.slice(5)) as { stationId: string }[];
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
      }
    },
    close: () => abort.abort(),
  };
}
