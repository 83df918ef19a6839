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
import { OUTSIDE_UNIT } from '../apps/server/src/access/access-policy';
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
  'PATCH /api/units/:id': ADMIN,
  'POST /api/units/:id/merge': ADMIN,
  'POST /api/units/:id/retire': ADMIN,
  'POST /api/units/import': ADMIN,
  'GET /api/holidays': ALL,
  'POST /api/holidays/days-off': ADMIN,
  'DELETE /api/holidays/days-off/:id': ADMIN,
  'GET /api/stations': ALL,
  'POST /api/stations': ADMIN,
  'PATCH /api/stations/:id': ADMIN,
  'POST /api/stations/:id/disable': ADMIN,
  'POST /api/stations/:id/enable': ADMIN,
  'POST /api/stations/:id/token': ADMIN,
  'DELETE /api/stations/:id/token': ADMIN,
  'POST /api/stations/:id/enrolment': ADMIN,
  'POST /api/agent/enrol': PUBLIC,
  'GET /api/stations/:id/timeline': ALL,
  'GET /api/stations/:id/agenda': ALL,
  'GET /api/stations/:id/airing-orders': ALL,
  'POST /api/stations/:id/airing-orders': AUTHORS,
  'DELETE /api/stations/:id/airing-orders/:orderId': AUTHORS,
  'GET /api/stations/:id/clusters': ALL,
  'POST /api/stations/:id/clusters': ADMIN,
  'GET /api/station-groups': ALL,
  'POST /api/station-groups': ADMIN,
  'POST /api/stations/:id/calendar-token': AUTHORS,
  'GET /api/calendar-tokens': AUTHORS,
  'DELETE /api/calendar-tokens/:id': AUTHORS,
  'POST /api/units/:id/calendar-token': AUTHORS,
  'GET /api/calendar/:file': PUBLIC,
  'GET /api/chuyen-muc': ALL,
  'POST /api/chuyen-muc': ADMIN,
  'POST /api/chuyen-muc/:id/topics': ADMIN,
  'PATCH /api/chuyen-muc/:id': ADMIN,
  'POST /api/chuyen-muc/:id/retire': ADMIN,
  'PATCH /api/chuyen-muc/topics/:topicId': ADMIN,
  'POST /api/chuyen-muc/topics/:topicId/retire': ADMIN,
  'GET /api/programmes': ALL,
  'GET /api/programmes/:id': ALL,
  'POST /api/programmes': MEDIA_MAKERS,
  'POST /api/programmes/:id/versions': MEDIA_MAKERS,
  'DELETE /api/programmes/:id/versions/:language': MEDIA_MAKERS,
  'GET /api/languages': ALL,
  'POST /api/languages': ADMIN,
  'PATCH /api/programmes/:id/public': MEDIA_MAKERS,
  // The commune's public replay: a page, its feed and the audio of what aired, for residents with no account.
  'GET /api/nghe-lai/:slug': PUBLIC,
  'GET /api/nghe-lai/:slug/feed.xml': PUBLIC,
  'GET /api/nghe-lai/:slug/audio/:file': PUBLIC,
  'GET /api/plan-targets': ALL,
  'GET /api/plan-targets/compliance': ALL,
  'POST /api/plan-targets': { users: ['admin', 'approver'] },
  'PATCH /api/plan-targets/:id': { users: ['admin', 'approver'] },
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
  'GET /api/logbook/keys': ALL,
  'GET /api/logbook/exports': ADMIN,
  'POST /api/logbook/:id/corrections': EDITORS,
  'GET /api/logbook/export.csv': ALL,
  'GET /api/logbook/export.xlsx': ALL,
  'GET /api/logbook/export.pdf': ALL,
  'GET /api/logbook/dossier': ALL,
  'GET /api/logbook/dossier/closures': ALL,
  'POST /api/logbook/dossier/closures': { users: ['admin', 'inspector'] },
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
  'GET /api/alerts': ALL,
  'GET /api/alerts/subscriptions': ADMIN,
  'POST /api/alerts/subscriptions': ADMIN,
  'DELETE /api/alerts/subscriptions/:id': ADMIN,
  'GET /api/stations/:id/health': ALL,
};

/** Routes an inspector may call that are not reads: only their own account's, and closing a period of a dossier. */
const INSPECTOR_OWN_ACCOUNT = new Set(['POST /api/auth/logout', 'POST /api/auth/password', 'POST /api/logbook/dossier/closures']);

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
    .replace(':language', 'km')
    .replace(':file', 'khong-co.ics')
    .replace('/logbook/:id/', '/logbook/999999/')
    .replace(':orderId', '00000000-0000-4000-8000-000000000001')
    .replace(/:(id|topicId)\b/g, '00000000-0000-4000-8000-000000000000');
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
  let province: { id: string };
  const district: Record<'a' | 'b', string> = {} as never;

  beforeAll(async () => {
    ({ dir, app, api: admin } = await startInProcessServer('loa-matrix-'));
    baseUrl = admin.baseUrl;
    province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    // Two sibling districts, each with a commune and its station.
    for (const key of ['a', 'b'] as const) {
      district[key] = (await admin.ok('POST', '/api/units', { name: `Huyện ${key}`, kind: 'Huyện', parentId: province.id })).id;
      const unit = await admin.ok('POST', '/api/units', { name: `Xã ${key}`, kind: 'Xã', parentId: district[key] });
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

  /**
   * Role × unit × route: a person of every role bound to district a (a commune operator: to commune a)
   * against the same routes aimed at district a's things and at district b's, its sibling. What lies
   * in b is refused (403, or 404 for what b made, as if it did not exist) and never listed; what lies in
   * a answers as the role allows. Province-level staff see both districts.
   */
  describe('every role bound to a unit reaches only its own subtree', () => {
    type Side = 'a' | 'b';
    const bound = new Map<Role, Api>();
    const made: Record<Side, {
      programmeId: string;
      assetId: string;
      sha256: string;
      slotId: string;
      submittedSlotId: string;
      relayId: string;
      linkId: string;
      /** An account and a station of the side that the routes may change without harm to the rest of the spec. */
      spareUserId: string;
      spareStationId: string;
      startAt: string;
    }> = {} as never;
    let sharedProgrammeId: string;
    let editorB: Api;
    let provinceTargetId: string;
    let cchcId: string;
    const targets: Record<Side, { district: string; station: string }> = {} as never;

    beforeAll(async () => {
      for (const role of ROLES) {
        const unitId = role === 'operator' ? commune.a.unitId : district.a;
        await admin.ok('POST', '/api/users', { username: `a-${role}`, displayName: `${role} a`, password: PASSWORD, role, unitId });
        const api = new Api(baseUrl);
        await api.login(`a-${role}`, PASSWORD);
        bound.set(role, api);
      }
      await admin.ok('POST', '/api/users', { username: 'b-operator', displayName: 'operator b', password: PASSWORD, role: 'operator', unitId: commune.b.unitId });
      await admin.ok('POST', '/api/users', { username: 'b-editor', displayName: 'editor b', password: PASSWORD, role: 'editor', unitId: district.b });
      const operatorB = new Api(baseUrl);
      await operatorB.login('b-operator', PASSWORD);
      editorB = new Api(baseUrl);
      await editorB.login('b-editor', PASSWORD);
      const makers: Record<Side, Api> = { a: bound.get('operator')!, b: operatorB };
      // Made by an admin with no unit: shared with everyone. Its own sound, so no other file has its hash.
      const sharedUpload = await admin.upload(await makeTone(join(dir, 'tone-shared.wav'), { frequency: 330, seconds: 2 }));
      const shared = await admin.waitReady(sharedUpload.body.id);
      sharedProgrammeId = (await admin.ok('POST', '/api/programmes', { title: 'Chuyên mục tỉnh', chuyenMuc: 'Cải cách hành chính', mediaAssetId: shared.id })).id;
      for (const side of ['a', 'b'] as const) {
        // A commune's own upload and programme (typed emergency texts are such uploads too), each its own sound.
        const tone = await makeTone(join(dir, `tone-${side}.wav`), { frequency: side === 'a' ? 660 : 770, seconds: 2 });
        const upload = await makers[side].upload(tone, `tone-${side}.wav`);
        const asset = await makers[side].waitReady(upload.body.id);
        const programme = await makers[side].ok('POST', '/api/programmes', { title: `Bản tin riêng xã ${side}`, chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id });
        const startAt = new Date(Date.now() + 2 * 3600_000 + (side === 'a' ? 0 : 600_000)).toISOString();
        const slot = await admin.ok('POST', '/api/slots', { programmeId: sharedProgrammeId, startAt, stationIds: [commune[side].stationId] });
        const submitted = await admin.ok('POST', '/api/slots', {
          programmeId: sharedProgrammeId,
          startAt: new Date(Date.parse(startAt) + 3600_000).toISOString(),
          stationIds: [commune[side].stationId],
          status: 'submitted',
        });
        const relay = await admin.ok('POST', '/api/live/relays', { title: `Tiếp sóng ${side}`, sourceKind: 'programme', programmeId: sharedProgrammeId, stationIds: [commune[side].stationId] });
        const link = await makers[side].ok('POST', `/api/stations/${commune[side].stationId}/calendar-token`);
        const spareUserId = (await admin.ok('POST', '/api/users', { username: `${side}-spare`, displayName: 'spare', password: PASSWORD, role: 'inspector', unitId: commune[side].unitId })).id;
        const spareStationId = (await admin.ok('POST', '/api/stations', { unitId: commune[side].unitId, name: `Trạm phụ ${side}`, code: `phu-${side}` })).station.id;
        made[side] = { programmeId: programme.id, assetId: asset.id, sha256: asset.sha256, slotId: slot.id, submittedSlotId: submitted.id, relayId: relay.relay.id, linkId: link.id, spareUserId, spareStationId, startAt };
      }
      const cm = (await admin.ok('GET', '/api/chuyen-muc'))[0];
      cchcId = cm.id;
      provinceTargetId = (await admin.ok('POST', '/api/plan-targets', { name: 'Mỗi trạm 2 buổi', chuyenMucId: cm.id, scope: 'each_station', unitId: province.id, minPerMonth: 2 })).id;
      for (const side of ['a', 'b'] as const) {
        targets[side] = {
          district: (await admin.ok('POST', '/api/plan-targets', { name: `Huyện ${side} 1 buổi`, chuyenMucId: cm.id, scope: 'each_station', unitId: district[side], minPerMonth: 1 })).id,
          station: (await admin.ok('POST', '/api/plan-targets', { name: `Trạm xã ${side} 1 buổi`, chuyenMucId: cm.id, scope: 'station', stationId: commune[side].stationId, minPerMonth: 1 })).id,
        };
      }
      await admin.ok('POST', '/api/station-groups', { name: 'Hai xã', stationIds: [commune.a.stationId, commune.b.stationId] });
    }, 120_000);

    /** The same request aimed at one side's things. */
    function routes(side: Side): { route: string; method: string; path: string; body?: unknown; missingOk?: boolean }[] {
      const st = commune[side].stationId;
      const m = made[side];
      const range = `from=${encodeURIComponent(new Date().toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 86_400_000).toISOString())}`;
      return [
        { route: 'GET /api/stations/:id/timeline', method: 'GET', path: `/api/stations/${st}/timeline?${range}` },
        { route: 'GET /api/stations/:id/clusters', method: 'GET', path: `/api/stations/${st}/clusters` },
        { route: 'GET /api/stations/:id/agenda', method: 'GET', path: `/api/stations/${st}/agenda` },
        { route: 'GET /api/stations/:id/airing-orders', method: 'GET', path: `/api/stations/${st}/airing-orders` },
        // An empty body: refused for the unit before it is read, or 400 on the caller's own station.
        { route: 'POST /api/stations/:id/airing-orders', method: 'POST', path: `/api/stations/${st}/airing-orders`, body: {} },
        { route: 'DELETE /api/stations/:id/airing-orders/:orderId', method: 'DELETE', path: `/api/stations/${st}/airing-orders/${randomUUID()}`, missingOk: true },
        { route: 'GET /api/stations/:id/health', method: 'GET', path: `/api/stations/${st}/health` },
        // A discard address on loopback: nothing in this spec raises an alert, and nothing would leave the machine.
        { route: 'POST /api/alerts/subscriptions', method: 'POST', path: '/api/alerts/subscriptions', body: { channel: 'webhook', target: 'http://127.0.0.1:9/loa', unitId: commune[side].unitId } },
        { route: 'POST /api/stations/:id/clusters', method: 'POST', path: `/api/stations/${st}/clusters`, body: {} },
        { route: 'POST /api/stations/:id/token', method: 'POST', path: `/api/stations/${m.spareStationId}/token` },
        { route: 'DELETE /api/stations/:id/token', method: 'DELETE', path: `/api/stations/${m.spareStationId}/token` },
        { route: 'POST /api/stations', method: 'POST', path: '/api/stations', body: { unitId: commune[side].unitId, name: `Trạm mới ${side}`, code: `moi-${side}` } },
        { route: 'POST /api/units', method: 'POST', path: '/api/units', body: { name: `Xã mới ${side}`, kind: 'Xã', parentId: district[side] } },
        { route: 'POST /api/users', method: 'POST', path: '/api/users', body: { username: `moi-${side}`, displayName: 'mới', password: PASSWORD, role: 'inspector', unitId: commune[side].unitId } },
        { route: 'PATCH /api/users/:id', method: 'PATCH', path: `/api/users/${m.spareUserId}`, body: { displayName: `operator ${side}` } },
        { route: 'POST /api/users/:id/password', method: 'POST', path: `/api/users/${m.spareUserId}/password`, body: { password: PASSWORD } },
        { route: 'POST /api/stations/:id/calendar-token', method: 'POST', path: `/api/stations/${st}/calendar-token` },
        { route: 'POST /api/units/:id/calendar-token', method: 'POST', path: `/api/units/${commune[side].unitId}/calendar-token` },
        { route: 'DELETE /api/calendar-tokens/:id', method: 'DELETE', path: `/api/calendar-tokens/${m.linkId}` },
        { route: 'PATCH /api/plan-targets/:id', method: 'PATCH', path: `/api/plan-targets/${targets[side].station}`, body: { minPerMonth: 1 } },
        { route: 'POST /api/plan-targets', method: 'POST', path: '/api/plan-targets', body: { name: `Trạm xã ${side} thêm`, chuyenMucId: cchcId, scope: 'station', stationId: st, minPerMonth: 1 } },
        { route: 'GET /api/slots', method: 'GET', path: `/api/slots?stationId=${st}` },
        { route: 'GET /api/slots/:id', method: 'GET', path: `/api/slots/${m.slotId}` },
        { route: 'POST /api/slots', method: 'POST', path: '/api/slots', body: { programmeId: sharedProgrammeId, startAt: new Date(Date.now() + 5 * 3600_000).toISOString(), stationIds: [st], status: 'draft' } },
        { route: 'PATCH /api/slots/:id', method: 'PATCH', path: `/api/slots/${m.slotId}`, body: { priority: 'normal' } },
        { route: 'POST /api/slots/:id/submit', method: 'POST', path: `/api/slots/${m.slotId}/submit` },
        { route: 'POST /api/slots/:id/approve', method: 'POST', path: `/api/slots/${m.submittedSlotId}/approve` },
        { route: 'POST /api/slots/:id/reject', method: 'POST', path: `/api/slots/${m.slotId}/reject`, body: { reason: 'không' } },
        { route: 'POST /api/slots/:id/airings', method: 'POST', path: `/api/slots/${m.slotId}/airings`, body: { action: 'cancel', occurrenceAt: m.startAt, stationId: st } },
        { route: 'DELETE /api/slots/:id', method: 'DELETE', path: `/api/slots/${m.slotId}` },
        { route: 'GET /api/logbook', method: 'GET', path: `/api/logbook?stationId=${st}` },
        { route: 'GET /api/logbook/verify', method: 'GET', path: `/api/logbook/verify?stationId=${st}` },
        { route: 'GET /api/logbook/export.csv', method: 'GET', path: `/api/logbook/export.csv?stationId=${st}` },
        { route: 'GET /api/logbook/export.xlsx', method: 'GET', path: `/api/logbook/export.xlsx?stationId=${st}` },
        { route: 'GET /api/logbook/export.pdf', method: 'GET', path: `/api/logbook/export.pdf?stationId=${st}` },
        { route: 'GET /api/reports/periodic', method: 'GET', path: `/api/reports/periodic?period=Y&year=2026&unitId=${commune[side].unitId}` },
        { route: 'GET /api/reports/periodic.xlsx', method: 'GET', path: `/api/reports/periodic.xlsx?period=Y&year=2026&unitId=${commune[side].unitId}` },
        { route: 'GET /api/reports/periodic.pdf', method: 'GET', path: `/api/reports/periodic.pdf?period=Y&year=2026&unitId=${commune[side].unitId}` },
        { route: 'GET /api/live/relays/:id', method: 'GET', path: `/api/live/relays/${m.relayId}` },
        { route: 'GET /api/live/relays/:id/recording.mp3', method: 'GET', path: `/api/live/relays/${m.relayId}/recording.mp3`, missingOk: true },
        { route: 'POST /api/live/relays/:id/stop', method: 'POST', path: `/api/live/relays/${m.relayId}/stop` },
        // Without a programme the request is refused with 400 once the targets pass: nothing goes on air.
        { route: 'POST /api/live/relays', method: 'POST', path: '/api/live/relays', body: { title: 'Tiếp sóng', sourceKind: 'programme', stationIds: [st] } },
        { route: 'POST /api/live/emergencies', method: 'POST', path: '/api/live/emergencies', body: { title: 'Khẩn cấp', sourceKind: 'programme', stationIds: [st] } },
        { route: 'GET /api/programmes/:id', method: 'GET', path: `/api/programmes/${m.programmeId}` },
        { route: 'POST /api/programmes/:id/versions', method: 'POST', path: `/api/programmes/${m.programmeId}/versions`, body: { language: 'km', mediaAssetId: m.assetId } },
        { route: 'DELETE /api/programmes/:id/versions/:language', method: 'DELETE', path: `/api/programmes/${m.programmeId}/versions/km`, missingOk: true },
        { route: 'PATCH /api/programmes/:id/public', method: 'PATCH', path: `/api/programmes/${m.programmeId}/public`, body: { public: true } },
        { route: 'GET /api/media/assets/:id', method: 'GET', path: `/api/media/assets/${m.assetId}` },
        { route: 'GET /api/media/assets/:id/events', method: 'GET', path: `/api/media/assets/${m.assetId}/events` },
        { route: 'POST /api/media/assets/:id/cancel', method: 'POST', path: `/api/media/assets/${m.assetId}/cancel` },
        { route: 'GET /api/media/files/:sha256', method: 'GET', path: `/api/media/files/${m.sha256}` },
      ];
    }

    /** Every refusal for lying outside the caller's unit says so, in the words "đơn vị". */
    const UNIT_REFUSAL = /đơn vị/;

    async function call(api: Api, method: string, path: string, body?: unknown) {
      const abort = new AbortController();
      const res = await fetch(baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${api.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: abort.signal,
      });
      const streaming = (res.headers.get('content-type') ?? '').includes('text/event-stream');
      const json = streaming ? null : ((await res.json().catch(() => null)) as { code?: string; message?: string } | null);
      abort.abort();
      return { status: res.status, code: json?.code, message: json?.message };
    }

    it('names every unit-scoped route it checks, and each is a route the server serves', () => {
      const served = routesOf(app);
      expect(routes('b').map((r) => r.route).filter((r) => !served.includes(r))).toEqual([]);
    });

    it.each(ROLES.map((r) => [r]))('%s bound to one district: the sibling district\'s things are refused, its own answer as the role allows', async (role) => {
      const api = bound.get(role as Role)!;
      const wrong: string[] = [];
      for (const side of ['b', 'a'] as const) {
        for (const r of routes(side)) {
          const res = await call(api, r.method, r.path, r.body);
          const roleMay = allowed(MATRIX[r.route], role as Role);
          if (!roleMay) {
            if (res.status !== 403 || res.message !== ROLE_FORBIDDEN) wrong.push(`${r.route} on ${side}: expected the role refused, got ${res.status} ${res.message}`);
          } else if (side === 'b') {
            const refused = (res.status === 403 && res.code === 'forbidden' && UNIT_REFUSAL.test(res.message ?? '')) || res.status === 404;
            if (!refused) wrong.push(`${r.route} on b: expected 403 for the unit or 404, got ${res.status} ${res.code} ${res.message}`);
          } else {
            // Its own district: the role's own rules may still say no (an operator on a district relay), the unit never.
            const outside = res.status === 403 && UNIT_REFUSAL.test(res.message ?? '');
            if (res.status === 401 || outside || (res.status === 404 && !r.missingOk) || res.status >= 500) {
              wrong.push(`${r.route} on a: expected an answer, got ${res.status} ${res.code} ${res.message}`);
            }
          }
        }
      }
      expect(wrong).toEqual([]);
    }, 120_000);

    it.each(ROLES.map((r) => [r]))('%s bound to one district lists only its own district\'s stations, slots, relays, agents, programmes, uploads, plan targets and compliance, the units of its branch and (an admin) the audit trail', async (role) => {
      const api = bound.get(role as Role)!;
      const a = connectAgent(commune.a.token);
      const b = connectAgent(commune.b.token);
      const [agentA, agentB] = await Promise.all([a, b]);
      try {
        await Promise.all([agentA.next('schedule'), agentB.next('schedule')]);
        const ids = (rows: { id: string }[]) => rows.map((x) => x.id);
        const stations = ids(await api.ok('GET', '/api/stations'));
        expect(stations).toContain(commune.a.stationId);
        expect(stations).not.toContain(commune.b.stationId);
        expect(await api.ok('GET', `/api/stations?unitId=${district.b}`)).toEqual([]);
        const slots = ids(await api.ok('GET', '/api/slots'));
        expect(slots).toContain(made.a.slotId);
        expect(slots).not.toContain(made.b.slotId);
        expect(slots).not.toContain(slotB);
        const relays = (await api.ok('GET', '/api/live/relays')).map((x: { id: string }) => x.id);
        expect(relays).toContain(made.a.relayId);
        expect(relays).not.toContain(made.b.relayId);
        const agents = (await api.ok('GET', '/api/agents/status')).map((x: { stationId: string }) => x.stationId);
        expect(agents).toEqual([commune.a.stationId]);
        const programmes = ids(await api.ok('GET', '/api/programmes'));
        expect(programmes).toEqual(expect.arrayContaining([made.a.programmeId, sharedProgrammeId]));
        expect(programmes).not.toContain(made.b.programmeId);
        const groups = (await api.ok('GET', '/api/station-groups')).find((g: { name: string }) => g.name === 'Hai xã');
        expect(groups.stationIds).toEqual([commune.a.stationId]);
        const assets = ids(await api.ok('GET', '/api/media/assets'));
        expect(assets).toContain(made.a.assetId);
        expect(assets).not.toContain(made.b.assetId);
        const range = `from=${encodeURIComponent(new Date(Date.now() - 40 * 86_400_000).toISOString())}&to=${encodeURIComponent(new Date().toISOString())}`;
        const compliance = await api.ok('GET', `/api/plan-targets/compliance?${range}`);
        const counted = compliance.targets.flatMap((t: { stations: { stationId: string }[] }) => t.stations.map((x) => x.stationId));
        expect(counted).toContain(commune.a.stationId);
        expect(counted).not.toContain(commune.b.stationId);
        // Plan targets: its own subtree's and those set above it, never the sibling's.
        const planTargets = ids(await api.ok('GET', '/api/plan-targets'));
        expect(planTargets).toEqual(expect.arrayContaining([provinceTargetId, targets.a.district, targets.a.station]));
        expect(planTargets).not.toContain(targets.b.district);
        expect(planTargets).not.toContain(targets.b.station);
        // Units: its subtree and the chain above it, never the sibling district or its commune.
        const units = ids(await api.ok('GET', '/api/units'));
        expect(units).toEqual(expect.arrayContaining([province.id, district.a, commune.a.unitId]));
        expect(units).not.toContain(district.b);
        expect(units).not.toContain(commune.b.unitId);
        if (role === 'admin') {
          const users = (await api.ok('GET', '/api/users')).map((u: { username: string }) => u.username);
          expect(users).toContain('a-operator');
          expect(users).not.toContain('b-operator');
          // The audit trail: changes to its own subtree's rows, never the sibling's nor those its people made.
          const audit = async (query: string) => (await api.ok('GET', `/api/audit?${query}`)).items as unknown[];
          expect((await audit(`entity=station&entityId=${commune.a.stationId}`)).length).toBeGreaterThan(0);
          expect((await audit(`entity=unit&entityId=${commune.a.unitId}`)).length).toBeGreaterThan(0);
          expect(await audit(`entity=station&entityId=${commune.b.stationId}`)).toEqual([]);
          expect(await audit(`entity=unit&entityId=${district.b}`)).toEqual([]);
          const operatorBId = (await admin.ok('GET', '/api/users')).find((u: { username: string }) => u.username === 'b-operator').id as string;
          expect(await audit(`entity=user&entityId=${operatorBId}`)).toEqual([]);
          expect(await audit(`actorId=${operatorBId}`)).toEqual([]);
          // An admin with no unit still reads all of it.
          expect((await admin.ok('GET', `/api/audit?actorId=${operatorBId}`)).items.length).toBeGreaterThan(0);
          expect((await admin.ok('GET', `/api/audit?entity=station&entityId=${commune.b.stationId}`)).items.length).toBeGreaterThan(0);
        }
      } finally {
        agentA.close();
        agentB.close();
      }
    }, 60_000);

    it('province-level staff see both districts; a commune sees what its district shares, never its sibling\'s own', async () => {
      const inspector = callers.get('inspector')!;
      const stations = (await inspector.ok('GET', '/api/stations')).map((x: { id: string }) => x.id);
      expect(stations).toEqual(expect.arrayContaining([commune.a.stationId, commune.b.stationId]));
      expect((await inspector.ok('GET', '/api/units')).map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([district.a, district.b, commune.b.unitId]));
      expect((await inspector.ok('GET', '/api/plan-targets')).map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([targets.a.station, targets.b.station, targets.b.district]));
      const programmes = (await inspector.ok('GET', '/api/programmes')).map((x: { id: string }) => x.id);
      expect(programmes).toEqual(expect.arrayContaining([made.a.programmeId, made.b.programmeId]));
      expect((await inspector.request('GET', `/api/live/relays/${made.b.relayId}`)).status).toBe(200);

      // What district b's editor makes is shared down to b's commune, not to a's.
      const upload = await editorB.upload(await makeTone(join(dir, 'tone-district.wav'), { frequency: 550, seconds: 1 }));
      const asset = await editorB.waitReady(upload.body.id);
      const programme = await editorB.ok('POST', '/api/programmes', { title: 'Chuyên mục huyện b', chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id });
      const operatorB = new Api(baseUrl);
      await operatorB.login('b-operator', PASSWORD);
      expect((await operatorB.request('GET', `/api/programmes/${programme.id}`)).status).toBe(200);
      expect((await operatorB.request('GET', `/api/media/files/${asset.sha256}`)).status).toBe(200);
      expect((await bound.get('operator')!.request('GET', `/api/programmes/${programme.id}`)).status).toBe(404);
      // And what b's commune made is seen by the district above it.
      expect((await editorB.request('GET', `/api/programmes/${made.b.programmeId}`)).status).toBe(200);
    }, 60_000);

    it('an editor bound to one district cannot schedule on the other, nor an approver approve it there', async () => {
      const editor = bound.get('editor')!;
      const res = await editor.request('POST', '/api/slots', { programmeId: sharedProgrammeId, startAt: new Date(Date.now() + 7 * 3600_000).toISOString(), stationIds: [commune.b.stationId] });
      expect([res.status, res.body.code]).toEqual([403, 'forbidden']);
      const both = await editor.request('POST', '/api/slots', { programmeId: sharedProgrammeId, startAt: new Date(Date.now() + 7 * 3600_000).toISOString(), stationIds: [commune.a.stationId, commune.b.stationId] });
      expect([both.status, both.body.code]).toEqual([403, 'forbidden']);
      const approve = await bound.get('approver')!.request('POST', `/api/slots/${made.b.submittedSlotId}/approve`);
      expect([approve.status, approve.body.code]).toEqual([403, 'forbidden']);
      expect((await admin.ok('GET', `/api/slots/${made.b.submittedSlotId}`)).status).toBe('submitted');
      // Nor put the other commune's own programme on air at home: for them it does not exist.
      const foreign = await bound.get('operator')!.request('POST', '/api/slots', { programmeId: made.b.programmeId, startAt: new Date(Date.now() + 8 * 3600_000).toISOString(), stationIds: [commune.a.stationId] });
      expect([foreign.status, foreign.body.code]).toEqual([404, 'not_found']);
      const foreignLive = await editor.request('POST', '/api/live/relays', { title: 'Tiếp sóng', sourceKind: 'programme', programmeId: made.b.programmeId, stationIds: [commune.a.stationId] });
      expect([foreignLive.status, foreignLive.body.code]).toEqual([404, 'not_found']);
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
