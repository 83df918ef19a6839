import type { INestApplication } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import WebSocket from 'ws';
import { Api } from '../../../../test/support/api';
import { startInProcessServer } from '../../../../test/support/in-process';
import { LIVE_MIC_WS_PATH, MicCloseCode } from '../live/live-mic.gateway';
import { LOGIN_MAX_FAILURES } from './login-limiter';

// Each test signs in and fails to several times; every try is a 32 MiB scrypt, seconds on a busy machine.
jest.setTimeout(60_000);

const SESSION_ENDED = 'Phiên đăng nhập đã hết hạn hoặc đã kết thúc. Vui lòng đăng nhập lại.';

/** Sign-in tokens end when they should: sign-out, a new password, a new role or unit, a disabled account, expiry. */
describe('sign-in sessions on SQLite with the real migrations', () => {
  let dir: string;
  let app: INestApplication;
  let admin: Api;
  let unitId: string;
  let n = 0;

  beforeAll(async () => {
    ({ dir, app, api: admin } = await startInProcessServer('loa-sessions-'));
    unitId = (await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã' })).id;
    await admin.ok('POST', '/api/stations', { unitId, name: 'Đài xã Cẩm Bình', code: 'cam-binh' });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh editor, signed in: its id, its client, and its password. */
  async function newUser(role = 'editor') {
    const username = `nguoi-dung-${++n}`;
    const password = 'mat-khau-dai-1';
    const user = await admin.ok('POST', '/api/users', { username, displayName: `Người dùng ${n}`, password, role });
    const api = new Api(admin.baseUrl);
    await api.login(username, password);
    return { id: user.id as string, username, password, api };
  }

  async function expectEnded(api: Api) {
    const res = await api.request('GET', '/api/auth/me');
    expect([res.status, res.body.code, res.body.message]).toEqual([401, 'unauthorized', SESSION_ENDED]);
  }

  it('signs in for twelve hours by default', async () => {
    const res = await new Api(admin.baseUrl).request('POST', '/api/auth/login', { username: 'admin', password: 'integration-admin-pw' });
    expect(res.status).toBe(200);
    expect(res.body.expiresIn).toBe(12 * 3600);
    const claims = JSON.parse(Buffer.from(res.body.accessToken.split('.')[1], 'base64url').toString()) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(12 * 3600);
  });

  it('signing out ends every session of the user at once, on every device', async () => {
    const { username, password, api } = await newUser();
    const other = new Api(admin.baseUrl);
    await other.login(username, password);
    expect((await api.request('GET', '/api/auth/me')).status).toBe(200);
    expect((await api.request('POST', '/api/auth/logout')).status).toBe(204);
    await expectEnded(api);
    await expectEnded(other);
    await other.login(username, password);
    expect((await other.request('GET', '/api/auth/me')).status).toBe(200);
  });

  it('a new password ends the old sessions; the old password no longer signs in', async () => {
    const { username, password, api } = await newUser();
    const wrong = await api.request('POST', '/api/auth/password', { currentPassword: 'khong-dung-dau', newPassword: 'mat-khau-moi-2' });
    expect([wrong.status, wrong.body.code, wrong.body.message]).toEqual([401, 'invalid_credentials', 'Mật khẩu hiện tại không đúng.']);
    expect((await api.request('GET', '/api/auth/me')).status).toBe(200);
    expect((await api.request('POST', '/api/auth/password', { currentPassword: password, newPassword: 'mat-khau-moi-2' })).status).toBe(204);
    await expectEnded(api);
    expect((await api.request('POST', '/api/auth/login', { username, password })).status).toBe(401);
    await api.login(username, 'mat-khau-moi-2');
  });

  it('an admin\'s reset of the password ends the user\'s sessions', async () => {
    const { id, username, api } = await newUser();
    await admin.ok('POST', `/api/users/${id}/password`, { password: 'dat-lai-boi-admin' });
    await expectEnded(api);
    await api.login(username, 'dat-lai-boi-admin');
  });

  it('a new role or unit ends the sessions, and the next sign-in carries the new one', async () => {
    const { id, username, password, api } = await newUser();
    await admin.ok('PATCH', `/api/users/${id}`, { displayName: 'Tên mới' });
    expect((await api.request('GET', '/api/auth/me')).status).toBe(200);
    await admin.ok('PATCH', `/api/users/${id}`, { role: 'inspector' });
    await expectEnded(api);
    await api.login(username, password);
    expect((await api.ok('GET', '/api/auth/me')).role).toBe('inspector');
    await admin.ok('PATCH', `/api/users/${id}`, { unitId });
    await expectEnded(api);
  });

  it('a disabled account is signed out at once and cannot sign in', async () => {
    const { id, username, password, api } = await newUser();
    const updated = await admin.ok('PATCH', `/api/users/${id}`, { disabled: true });
    expect(updated.disabled).toBe(true);
    await expectEnded(api);
    expect((await api.request('POST', '/api/auth/login', { username, password })).status).toBe(401);
  });

  it('keeps at least one active admin', async () => {
    const me = await admin.ok('GET', '/api/auth/me');
    const self = await admin.request('PATCH', `/api/users/${me.userId}`, { role: 'editor' });
    expect([self.status, self.body.code]).toEqual([409, 'invalid_state']);
    expect((await admin.request('GET', '/api/auth/me')).status).toBe(200);
  });

  it('closes an open event stream when the session ends', async () => {
    const { id, api } = await newUser();
    const res = await fetch(`${admin.baseUrl}/api/agents/status/stream`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await admin.ok('PATCH', `/api/users/${id}`, { disabled: true });
    const ended = await Promise.race([
      (async () => {
        for (;;) if ((await reader.read()).done) return true;
      })(),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5000)),
    ]);
    expect(ended).toBe(true);
  });

  it('closes a live microphone when its speaker signs out', async () => {
    const { api } = await newUser();
    const { relay } = await api.ok('POST', '/api/live/relays', { title: 'Tiếp sóng trực tiếp', sourceKind: 'mic', unitIds: [unitId] });
    const url = `${admin.baseUrl.replace(/^http/, 'ws')}${LIVE_MIC_WS_PATH}?relayId=${relay.id}&access_token=${api.token}`;
    const socket = new WebSocket(url);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    // The microphone is attached once the server has checked the token; give it that moment.
    await new Promise((r) => setTimeout(r, 300));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    await api.ok('POST', '/api/auth/logout');
    const code = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000))]);
    expect(code).toBe(MicCloseCode.Unauthorized);
    await admin.ok('POST', `/api/live/relays/${relay.id}/stop`);
  });

  describe('sign-in attempts', () => {
    const attempt = (username: string, password: string) => new Api(admin.baseUrl).request('POST', '/api/auth/login', { username, password });

    it(`refuses a user name from an address after ${LOGIN_MAX_FAILURES} failures, saying when to try again`, async () => {
      const { username, password } = await newUser();
      for (let i = 0; i < LOGIN_MAX_FAILURES; i++) expect((await attempt(username, 'sai-mat-khau')).status).toBe(401);
      const blocked = await attempt(username, password);
      expect(blocked.status).toBe(429);
      expect(blocked.body.code).toBe('too_many_requests');
      expect(blocked.body.message).toMatch(/^Đăng nhập sai quá nhiều lần\. Vui lòng thử lại sau \d{2}:\d{2} \(khoảng 15 phút nữa\)\.$/);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
      expect(blocked.body.details.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
      // Another user from the same address is not held up.
      expect((await attempt('admin', 'integration-admin-pw')).status).toBe(200);
    });

    it('a successful sign-in clears the failures', async () => {
      const { username, password } = await newUser();
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < LOGIN_MAX_FAILURES - 1; i++) expect((await attempt(username, 'sai-mat-khau')).status).toBe(401);
        expect((await attempt(username, password)).status).toBe(200);
      }
    });
  });
});

describe('a sign-in token past its lifetime', () => {
  it('is refused once JWT_TTL_SECONDS have passed', async () => {
    const { dir, app, api } = await startInProcessServer('loa-ttl-', { JWT_TTL_SECONDS: '1' });
    try {
      expect((await api.request('GET', '/api/auth/me')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      const res = await api.request('GET', '/api/auth/me');
      expect([res.status, res.body.message]).toEqual([401, SESSION_ENDED]);
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
