import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { AGENT_WS_PATH } from '@loa/protocol';
import { Api } from './support/api';
import { ADMIN_PASSWORD, eventually, ServerProc, startServerProcess } from './support/processes';

const FRAMES = 10_000;
const REQUESTS = 1_000;

/** A valid agent event, to be bent into valid-looking frames with wrong ids and wrong types. */
const goodEvent = () => ({
  id: randomUUID(),
  kind: 'finished',
  occurrenceId: `${randomUUID()}@2026-11-24T22:30:00.000Z`,
  slotId: randomUUID(),
  plannedAt: '2026-11-24T22:30:00.000Z',
  startedAt: '2026-11-24T22:30:00.002Z',
  endedAt: '2026-11-24T22:40:00.000Z',
  playedMs: 600_000,
});

const frameArb: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.record({ type: fc.constantFrom('hello', 'events', 'status', 'clock.ping', 'ack', 'schedule', 'welcome', ''), x: fc.jsonValue({ maxDepth: 2 }) }).map((v) => JSON.stringify(v)),
  // valid-looking events that name slots this station does not have
  fc.array(fc.constant(null), { minLength: 1, maxLength: 5 }).map((a) => JSON.stringify({ type: 'events', events: a.map(goodEvent) })),
  // one field of a valid event given the wrong type
  fc
    .record({ key: fc.constantFrom('id', 'kind', 'plannedAt', 'playedMs', 'startErrorMs', 'reason'), value: fc.jsonValue({ maxDepth: 1 }) })
    .map(({ key, value }) => JSON.stringify({ type: 'events', events: [{ ...goodEvent(), [key]: value }] })),
  // a truncated valid frame
  fc.nat({ max: 200 }).map((n) => JSON.stringify({ type: 'events', events: [goodEvent()] }).slice(0, n)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
);

/**
 * Whatever an agent or a browser sends, the server answers in words and keeps serving: thousands of
 * generated WebSocket frames and malformed HTTP requests, no crash, no 5xx, every refusal a clear 4xx.
 */
describe('bad input from outside', () => {
  let dir: string;
  let server: ServerProc;
  let api: Api;
  let token: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-bad-'));
    server = await startServerProcess(dir);
    api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const unit = await api.ok('POST', '/api/units', { name: 'Xã thử', kind: 'Xã' });
    token = (await api.ok('POST', '/api/stations', { unitId: unit.id, name: 'Trạm thử', code: 'thu' })).token;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`survives ${FRAMES} generated WebSocket frames and answers each bad one with an error frame`, async () => {
    const frames = fc.sample(frameArb, { numRuns: FRAMES, seed: 20261123 });
    frames.push('x'.repeat(1024 * 1024 + 10)); // over the frame limit, under the socket's
    const ws = new WebSocket(server.url.replace('http', 'ws') + AGENT_WS_PATH, { headers: { authorization: `Bearer ${token}` } });
    const received: { type: string; code?: string }[] = [];
    ws.on('message', (d) => received.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once('open', r));

    let sent = 0;
    for (const frame of frames) {
      ws.send(frame);
      // Let the socket drain now and then, as a real agent would, and check the server still answers HTTP.
      if (++sent % 1000 === 0) {
        await eventually('the socket to drain', () => ws.bufferedAmount === 0, 10_000);
        expect((await api.request('GET', '/api/health')).status).toBe(200);
      }
    }
    ws.send(JSON.stringify({ type: 'clock.ping', id: 424242, t0: 1 }));
    await eventually('the last pong', () => received.some((f) => f.type === 'clock.pong' && (f as { id?: number }).id === 424242), 60_000);

    expect(ws.readyState).toBe(WebSocket.OPEN);
    const errors = received.filter((f) => f.type === 'error');
    expect(errors.length).toBeGreaterThan(FRAMES / 2);
    expect(errors.filter((e) => e.code === 'internal')).toEqual([]);
    expect(errors.some((e) => e.code === 'too_large')).toBe(true);
    ws.close();
    // Events for slots the station does not have were refused: the logbook is still empty.
    expect((await api.ok('GET', '/api/logbook')).items).toEqual([]);
  }, 180_000);

  it(`answers ${REQUESTS} malformed HTTP requests with a clear 4xx, never a 5xx`, async () => {
    const routes: [string, string][] = [
      ['POST', '/api/auth/login'],
      ['POST', '/api/units'],
      ['POST', '/api/stations'],
      ['POST', `/api/stations/${randomUUID()}/token`],
      ['DELETE', '/api/stations/not-a-uuid/token'],
      ['POST', '/api/users'],
      ['POST', '/api/programmes'],
      ['GET', '/api/programmes/not-a-uuid'],
      ['POST', '/api/slots'],
      ['DELETE', `/api/slots/${randomUUID()}`],
      ['GET', '/api/slots'],
      ['GET', '/api/logbook'],
      ['GET', '/api/logbook/export.csv'],
      ['GET', '/api/media/assets/nope'],
      ['GET', '/api/media/files/zz'],
      ['POST', '/api/media'],
      ['GET', '/api/no-such-route'],
    ];
    const requestArb = fc.record({
      route: fc.constantFrom(...routes),
      body: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 300 }),
        fc.record({ programmeId: fc.string(), startAt: fc.string(), stationIds: fc.jsonValue(), name: fc.jsonValue(), username: fc.jsonValue() }).map((v) => JSON.stringify(v)),
        fc.constant('{"unterminated": '),
      ),
      contentType: fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', ''),
      query: fc.constantFrom('', '?from=yesterday', '?stationId=1%27%20OR%201=1', '?limit=-5', '?limit=99999999999', '?after=abc', '?unitId=' + 'x'.repeat(2000), '?from[$gt]=1'),
      auth: fc.constantFrom('good', 'none', 'garbage', 'station'),
    });

    const statuses = new Map<number, number>();
    const samples = fc.sample(requestArb, { numRuns: REQUESTS, seed: 7 });
    for (const r of samples) {
      const [method, path] = r.route;
      const headers: Record<string, string> = {};
      if (r.contentType) headers['content-type'] = r.contentType;
      if (r.auth === 'good') headers.authorization = `Bearer ${api.token}`;
      if (r.auth === 'garbage') headers.authorization = 'Bearer ' + 'é'.repeat(10);
      if (r.auth === 'station') headers.authorization = `Bearer ${token}`;
      const res = await fetch(server.url + path + (method === 'GET' || method === 'DELETE' ? r.query : ''), {
        method,
        headers,
        body: method === 'GET' || method === 'DELETE' ? undefined : r.body,
      });
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) throw new Error(`${method} ${path} → ${res.status}: ${text} (request ${JSON.stringify(r)})`);
      if (res.status >= 400) {
        const body = JSON.parse(text) as { code?: unknown; message?: unknown };
        expect(typeof body.code).toBe('string');
        expect(typeof body.message).toBe('string');
      }
    }
    // Valid requests can arise by chance (a bare GET of the logbook); what matters is that none failed inside.
    const refused = [...statuses].filter(([s]) => s >= 400 && s < 500).reduce((n, [, c]) => n + c, 0);
    expect(refused).toBeGreaterThan(REQUESTS * 0.8);
    expect((await api.request('GET', '/api/health')).status).toBe(200);
  }, 180_000);
});
