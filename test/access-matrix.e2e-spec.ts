import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { AGENT_WS_PATH, PROTOCOL_VERSION, type ScheduleSnapshot } from '@loa/protocol';
import { AGENT_FORBIDDEN, ROLE_FORBIDDEN } from '../apps/server/src/auth/auth.guard';
import { ROLES, type Role } from '../apps/server/src/auth/principal';
import { OUTSIDE_UNIT } from '../apps/server/src/auth/unit-scope';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { startInProcessServer } from './support/in-process';

/** Who may call a route. `users`: the roles let through ('all' for every signed-in person). */
interface Access {
  users: readonly Role[] | 'all';
  agent?: boolean;
  public?: boolean;
  /** Calling it ends the caller's sessions (sign-in again afterwards). */
  endsSession?: boolean;
  /** Only a token of its own opens it (a CAP source's): no sign-in or station token does, all get 401. */
  ownToken?: boolean;
}

const ALL: Access = { users: 'all' };
const ADMIN: Access = { users: ['admin'] };
const PUBLIC: Access = { users: 'all', agent: true, public: true };
const AUTHORS: Access = { users: ['admin', 'editor', 'approver', 'operator'] };
const APPROVERS: Access = { users: ['admin', 'approver', 'operator'] };
const MEDIA_MAKERS: Access = { users: ['admin', 'editor', 'operator'] };
const EDITORS: Access = { users: ['admin', 'editor'] };

/**
 * The expected answer of every HTTP route, per caller. A route the server has and this table lacks (or
 * the other way round) fails the spec: a new endpoint cannot ship without saying who may call it.
 */
const MATRIX: Record<string, Access> = {
  'GET /api/health': PUBLIC,
  'GET /api/docs': PUBLIC,
  'GET /api/docs/': PUBLIC,
  'GET /api/docs/index.html': PUBLIC,
  'GET /api/docs/LICENSE': PUBLIC,
  'GET /api/docs/swagger-ui-init.js': PUBLIC,
  'GET /api/docs/docs/swagger-ui-init.js': PUBLIC,
  'GET /api/docs-json': PUBLIC,
  'GET /api/docs-yaml': PUBLIC,
  'POST /api/auth/login': PUBLIC,
  'GET /api/auth/me': ALL,
  'POST /api/auth/logout': { users: 'all', endsSession: true },
  'POST /api/auth/password': ALL,
  'GET /api/audit': ADMIN,
  'GET /api/users': ADMIN,
  'POST /api/users': ADMIN,
  'PATCH /api/users/:id': ADMIN,
  'POST /api/users/:id/password': ADMIN,
  'GET /api/units': ALL,
  'POST /api/units': ADMIN,
  'GET /api/stations': ALL,
  'POST /api/stations': ADMIN,
  'POST /api/stations/:id/token': ADMIN,
  'DELETE /api/stations/:id/token': ADMIN,
  'GET /api/stations/:id/timeline': ALL,
  'GET /api/stations/:id/clusters': ALL,
  'POST /api/stations/:id/clusters': ADMIN,
  'GET /api/station-groups': ALL,
  'POST /api/station-groups': ADMIN,
  'POST /api/stations/:id/calendar-token': AUTHORS,
  'POST /api/units/:id/calendar-token': AUTHORS,
  'GET /api/calendar/:file': PUBLIC,
  'GET /api/chuyen-muc': ALL,
  'POST /api/chuyen-muc': ADMIN,
  'POST /api/chuyen-muc/:id/topics': ADMIN,
  'GET /api/programmes': ALL,
  'GET /api/programmes/:id': ALL,
  'POST /api/programmes': MEDIA_MAKERS,
  'GET /api/plan-targets': ALL,
  'GET /api/plan-targets/compliance': ALL,
  'POST /api/plan-targets': { users: ['admin', 'approver'] },
  'GET /api/slots': ALL,
  'GET /api/slots/mine': ALL,
  'GET /api/slots/:id': ALL,
  'POST /api/slots': AUTHORS,
  'PATCH /api/slots/:id': AUTHORS,
  'POST /api/slots/:id/submit': AUTHORS,
  'POST /api/slots/:id/approve': APPROVERS,
  'POST /api/slots/:id/reject': APPROVERS,
  'POST /api/slots/:id/airings': AUTHORS,
  'DELETE /api/slots/:id': AUTHORS,
  'GET /api/logbook': ALL,
  'GET /api/logbook/verify': ALL,
  'GET /api/logbook/exports': ADMIN,
  'POST /api/logbook/:id/corrections': EDITORS,
  'GET /api/logbook/export.csv': ALL,
  'GET /api/logbook/export.xlsx': ALL,
  'GET /api/logbook/export.pdf': ALL,
  'GET /api/reports/periodic': ALL,
  'GET /api/reports/periodic.xlsx': ALL,
  'GET /api/reports/periodic.pdf': ALL,
  'GET /api/agents/status': ALL,
  'GET /api/agents/status/stream': ALL,
  'GET /api/live/relays': ALL,
  'POST /api/live/relays': EDITORS,
  'POST /api/live/emergencies': MEDIA_MAKERS,
  'GET /api/live/relays/:id': ALL,
  'POST /api/live/relays/:id/stop': MEDIA_MAKERS,
  'GET /api/live/relays/:id/recording.mp3': ALL,
  'GET /api/live/relays/:id/stream.mp3': PUBLIC,
  'POST /api/media': MEDIA_MAKERS,
  'POST /api/media/tts': MEDIA_MAKERS,
  'POST /api/media/assets/:id/cancel': MEDIA_MAKERS,
  'GET /api/media/assets/:id/events': ALL,
  'GET /api/media/loudness-targets': ALL,
  'PUT /api/media/loudness-targets': EDITORS,
  'DELETE /api/media/loudness-targets/:chuyenMuc': EDITORS,
  'GET /api/media/assets': ALL,
  'GET /api/media/assets/:id': ALL,
  'GET /api/media/files/:sha256': { users: 'all', agent: true },
  'POST /api/cap': { users: [], ownToken: true },
  'GET /api/cap/alerts': { users: ['admin', 'approver', 'editor'] },
  'POST /api/cap/alerts/:id/approve': { users: ['admin', 'approver'] },
  'GET /api/cap/sources': ADMIN,
  'POST /api/cap/sources': ADMIN,
  'DELETE /api/cap/sources/:id': ADMIN,
  'GET /api/cap/rules': { users: ['admin', 'approver', 'editor'] },
  'POST /api/cap/rules': ADMIN,
  'DELETE /api/cap/rules/:id': ADMIN,
};

/** Routes an inspector may call that are not reads: only their own account's. */
const INSPECTOR_OWN_ACCOUNT = new Set(['POST /api/auth/logout', 'POST /api/auth/password']);

type Caller = Role | 'agent' | 'anonymous';
const CALLERS: Caller[] = [...ROLES, 'agent', 'anonymous'];
const PASSWORD = 'matrix-password-1';

/** Every route the Express router really serves, as "METHOD /path". */
function routesOf(app: INestApplication): string[] {
  const express = (app as NestExpressApplication).getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  const found = new Set<string>();
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') found.add(`${method.toUpperCase()} ${layer.route.path}`);
    }
  }
  return [...found].sort();
}

function probePath(route: string): string {
  return route
    .split(' ')[1]
    .replace(':sha256', 'a'.repeat(64))
    .replace(':chuyenMuc', 'khong-co')
    .replace(':file', 'khong-co.ics')
    .replace('/logbook/:id/', '/logbook/999999/')
    .replace(/:id\b/g, '00000000-0000-4000-8000-000000000000');
}

function allowed(access: Access, caller: Caller): boolean {
  if (access.public) return true;
  if (caller === 'anonymous') return false;
  if (caller === 'agent') return access.agent === true;
  return access.users === 'all' || access.users.includes(caller);
}

describe('who may call every route: roles × endpoints, and unit scoping', () => {
  let dir: string;
  let app: INestApplication;
  let admin: Api;
  let baseUrl: string;
  const callers = new Map<Caller, Api>();
  const commune: Record<'a' | 'b', { unitId: string; stationId: string; token: string }> = {} as never;
  let operatorA: Api;
  let slotB: string;
  let shaB: string;

  beforeAll(async () => {
    ({ dir, app, api: admin } = await startInProcessServer('loa-matrix-'));
    baseUrl = admin.baseUrl;
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    for (const key of ['a', 'b'] as const) {
      const unit = await admin.ok('POST', '/api/units', { name: `Xã ${key}`, kind: 'Xã', parentId: province.id });
      const { station, token } = await admin.ok('POST', '/api/stations', { unitId: unit.id, name: `Trạm xã ${key}`, code: `xa-${key}` });
      commune[key] = { unitId: unit.id, stationId: station.id, token };
    }
    for (const role of ROLES) {
      await admin.ok('POST', '/api/users', { username: `matrix-${role}`, displayName: role, password: PASSWORD, role, unitId: role === 'operator' ? commune.a.unitId : province.id });
      const api = new Api(baseUrl);
      await api.login(`matrix-${role}`, PASSWORD);
      callers.set(role, api);
    }
    const agent = new Api(baseUrl);
    agent.token = commune.a.token;
    callers.set('agent', agent);
    callers.set('anonymous', new Api(baseUrl));
    operatorA = callers.get('operator')!;

    const upload = await admin.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    const asset = await admin.waitReady(upload.body.id);
    shaB = asset.sha256;
    const programme = await admin.ok('POST', '/api/programmes', { title: 'Bản tin xã b', chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id });
    const slot = await admin.ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(Date.now() + 3600_000).toISOString(), stationIds: [commune.b.stationId] });
    slotB = slot.id;
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A bare agent link: says hello, then hands out the frames it receives by type. */
  async function connectAgent(token: string) {
    const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + AGENT_WS_PATH, { headers: { authorization: `Bearer ${token}` } });
    const frames: Record<string, unknown>[] = [];
    const waiting: (() => void)[] = [];
    socket.on('message', (data) => {
      frames.push(JSON.parse(String(data)) as Record<string, unknown>);
      waiting.splice(0).forEach((wake) => wake());
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const send = (frame: object) => socket.send(JSON.stringify(frame));
    send({ type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'matrix', scheduleVersion: null, cached: [] });
    return {
      send,
      close: () => socket.close(),
      /** The first not yet taken frame of this type, within five seconds. */
      async next(type: string): Promise<Record<string, any>> {
        const until = Date.now() + 5000;
        for (;;) {
          const i = frames.findIndex((f) => f.type === type);
          if (i >= 0) return frames.splice(i, 1)[0];
          const left = until - Date.now();
          if (left <= 0) throw new Error(`no ${type} frame; got ${JSON.stringify(frames.map((f) => f.type))}`);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, left);
            waiting.push(() => {
              clearTimeout(timer);
              resolve();
            });
          });
        }
      },
    };
  }

  it('has an expectation for every route the server serves, and no stale ones', () => {
    const served = routesOf(app);
    expect(served.length).toBeGreaterThan(60);
    expect(served.filter((r) => !(r in MATRIX))).toEqual([]);
    expect(Object.keys(MATRIX).filter((r) => !served.includes(r))).toEqual([]);
  });

  it('lets an inspector read only: every route it may call is a GET, but for its own account', () => {
    const writes = Object.entries(MATRIX).filter(([route, access]) => !access.public && allowed(access, 'inspector') && !route.startsWith('GET '));
    expect(writes.map(([route]) => route).filter((r) => !INSPECTOR_OWN_ACCOUNT.has(r))).toEqual([]);
  });

  it('answers each caller as the table says: 401 without sign-in, 403 with a Vietnamese reason when refused', async () => {
    const wrong: string[] = [];
    for (const route of routesOf(app).filter((r) => r in MATRIX)) {
      const access = MATRIX[route];
      const method = route.split(' ')[0];
      for (const caller of CALLERS) {
        const api = callers.get(caller)!;
        const abort = new AbortController();
        const res = await fetch(baseUrl + probePath(route), {
          method,
          headers: { ...(api.token ? { authorization: `Bearer ${api.token}` } : {}), ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
          body: method === 'GET' ? undefined : '{}',
          signal: abort.signal,
        });
        const streaming = (res.headers.get('content-type') ?? '').includes('text/event-stream');
        const body = streaming ? null : ((await res.json().catch(() => null)) as { code?: string; message?: string } | null);
        abort.abort();
        const expectation = allowed(access, caller) ? 'allowed' : caller === 'anonymous' ? 401 : 403;
        const ok = access.ownToken
          ? res.status === 401 && body?.code === 'unauthorized'
          : expectation === 'allowed'
            ? res.status !== 401 && res.status !== 403 && res.status < 500
            : expectation === 401
              ? res.status === 401 && body?.code === 'unauthorized' && body.message === 'Bạn cần đăng nhập để dùng chức năng này.'
              : res.status === 403 && body?.code === 'forbidden' && body.message === (caller === 'agent' ? AGENT_FORBIDDEN : ROLE_FORBIDDEN);
        if (!ok) wrong.push(`${route} as ${caller}: expected ${expectation}, got ${res.status} ${JSON.stringify(body)}`);
        if (ok && expectation === 'allowed' && access.endsSession && caller !== 'agent' && caller !== 'anonymous') {
          await api.login(`matrix-${caller}`, PASSWORD);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  describe('a commune operator reaches only its own commune', () => {
    const refusedAs = async (method: string, path: string, body?: unknown) => {
      const res = await operatorA.request(method, path, body);
      return { status: res.status, code: res.body?.code, message: res.body?.message };
    };
    const refused = { status: 403, code: 'forbidden', message: OUTSIDE_UNIT };

    it('cannot read or change another commune\'s station', async () => {
      const range = `from=${encodeURIComponent(new Date().toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`;
      expect(await refusedAs('GET', `/api/stations/${commune.b.stationId}/timeline?${range}`)).toEqual(refused);
      expect(await refusedAs('GET', `/api/stations/${commune.b.stationId}/clusters`)).toEqual(refused);
      expect(await refusedAs('POST', `/api/stations/${commune.b.stationId}/calendar-token`)).toEqual(refused);
      expect(await refusedAs('POST', `/api/units/${commune.b.unitId}/calendar-token`)).toEqual(refused);
      // Its own station answers.
      expect((await operatorA.request('GET', `/api/stations/${commune.a.stationId}/timeline?${range}`)).status).toBe(200);
      expect((await operatorA.request('GET', `/api/stations/${commune.a.stationId}/clusters`)).status).toBe(200);
      expect((await operatorA.ok('GET', '/api/stations')).map((s: { id: string }) => s.id)).toEqual([commune.a.stationId]);
    });

    it('cannot read or change a slot that airs only in another commune', async () => {
      expect(await refusedAs('GET', `/api/slots/${slotB}`)).toEqual(refused);
      expect(await refusedAs('PATCH', `/api/slots/${slotB}`, { priority: 'normal' })).toEqual(refused);
      expect(await refusedAs('POST', `/api/slots/${slotB}/approve`)).toEqual(refused);
      expect(await refusedAs('POST', `/api/slots/${slotB}/reject`, { reason: 'không' })).toEqual(refused);
      expect(await refusedAs('DELETE', `/api/slots/${slotB}`)).toEqual(refused);
      expect(await refusedAs('GET', `/api/slots?stationId=${commune.b.stationId}`)).toEqual(refused);
      expect((await operatorA.ok('GET', '/api/slots')).map((s: { id: string }) => s.id)).not.toContain(slotB);
      expect((await callers.get('editor')!.ok('GET', '/api/slots')).map((s: { id: string }) => s.id)).toContain(slotB);
      expect((await admin.ok('GET', `/api/slots/${slotB}`)).status).toBe('approved');
      expect((await callers.get('editor')!.request('GET', `/api/slots/${slotB}`)).status).toBe(200);
    });

    it('cannot read another commune\'s logbook, in the list, the check or an export', async () => {
      for (const path of ['/api/logbook', '/api/logbook/verify', '/api/logbook/export.csv']) {
        expect(await refusedAs('GET', `${path}?stationId=${commune.b.stationId}`)).toEqual(refused);
      }
      expect((await operatorA.request('GET', `/api/logbook?stationId=${commune.a.stationId}`)).status).toBe(200);
    });
  });

  describe('a station token reaches only its own station', () => {
    it('downloads only media its own schedule uses', async () => {
      const agentA = callers.get('agent')!;
      const refused = await agentA.request('GET', `/api/media/files/${shaB}`);
      expect(refused.status).toBe(404);
      expect(refused.body.message).toBe('Trạm không có lịch phát nào dùng tệp này.');
      const agentB = new Api(baseUrl);
      agentB.token = commune.b.token;
      const res = await fetch(`${baseUrl}/api/media/files/${shaB}`, { headers: { authorization: `Bearer ${commune.b.token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('audio/mpeg');
      await res.arrayBuffer();
    });

    it('receives only its own schedule, and its events about another station\'s airing are refused and not stored', async () => {
      const b = await connectAgent(commune.b.token);
      const a = await connectAgent(commune.a.token);
      try {
        const snapB = (await b.next('schedule')).snapshot as ScheduleSnapshot;
        const snapA = (await a.next('schedule')).snapshot as ScheduleSnapshot;
        expect(snapB.stationId).toBe(commune.b.stationId);
        expect(snapA.stationId).toBe(commune.a.stationId);
        const airing = snapB.items.find((i) => i.slotId === slotB)!;
        expect(airing).toBeDefined();
        expect(snapA.items.filter((i) => i.slotId === slotB)).toEqual([]);

        const eventId = randomUUID();
        a.send({ type: 'events', events: [{ id: eventId, kind: 'started', occurrenceId: airing.occurrenceId, slotId: slotB, plannedAt: airing.startAt, startedAt: airing.startAt }] });
        const error = await a.next('error');
        expect(error.code).toBe('invalid_frame');
        expect(error.message).toBe('Có sự kiện phát sóng không thuộc lịch của trạm này; máy chủ đã bỏ qua.');
        expect(error.issues).toEqual([expect.stringContaining(eventId)]);
        const stored = (await app.get(DataSource).query('SELECT COUNT(*) AS n FROM "playback_event" WHERE "id" = ?', [eventId])) as { n: number }[];
        expect(Number(stored[0].n)).toBe(0);
      } finally {
        a.close();
        b.close();
      }
    });

    it('is refused on staff routes, even those naming its own station', async () => {
      const agentA = callers.get('agent')!;
      for (const path of [`/api/stations/${commune.a.stationId}/clusters`, '/api/stations', `/api/logbook?stationId=${commune.a.stationId}`]) {
        const res = await agentA.request('GET', path);
        expect([res.status, res.body.code, res.body.message]).toEqual([403, 'forbidden', AGENT_FORBIDDEN]);
      }
    });
  });
});
