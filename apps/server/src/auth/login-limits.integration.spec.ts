import type { INestApplication } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { Api } from '../../../../test/support/api';
import { startInProcessServer } from '../../../../test/support/in-process';
import { ADDRESS_MAX_FAILURES, LOGIN_MAX_FAILURES } from './login-limiter';
import { BUSY_RETRY_AFTER_S } from './password-hasher';

const ADMIN_PW = 'integration-admin-pw';

/** The sign-in limits as a client meets them, with the server behind a reverse proxy on loopback. */
describe('sign-in limits behind a trusted proxy', () => {
  let dir: string;
  let app: INestApplication;
  let admin: Api;
  let client = 0;
  /** A fresh client address, as the proxy would forward it. */
  const nextClient = () => `198.51.100.${++client}`;
  const attempt = (from: string, username: string, password: string) =>
    new Api(admin.baseUrl).request('POST', '/api/auth/login', { username, password }, { 'x-forwarded-for': from });

  beforeAll(async () => {
    ({ dir, app, api: admin } = await startInProcessServer('loa-limits-', { TRUST_PROXY: 'loopback' }));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`counts bad sign-ins per client, so ${LOGIN_MAX_FAILURES} of them from one client do not lock admin out for the others`, async () => {
    const attacker = nextClient();
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) expect((await attempt(attacker, 'admin', 'sai-mat-khau')).status).toBe(401);
    expect((await attempt(attacker, 'admin', ADMIN_PW)).status).toBe(429);
    expect((await attempt(nextClient(), 'admin', ADMIN_PW)).status).toBe(200);
  }, 120_000);

  it(`closes an address after ${ADDRESS_MAX_FAILURES} failures with random user names, for every name, but not other addresses`, async () => {
    const attacker = nextClient();
    for (let i = 0; i < ADDRESS_MAX_FAILURES; i++) {
      expect((await attempt(attacker, `khong-co-${i}-${Math.random().toString(36).slice(2)}`, 'x')).status).toBe(401);
    }
    const blocked = await attempt(attacker, 'admin', ADMIN_PW);
    expect([blocked.status, blocked.body.code, blocked.body.details.scope]).toEqual([429, 'too_many_requests', 'address']);
    expect(blocked.body.message).toMatch(/^Đăng nhập sai quá nhiều lần\. Có quá nhiều lần sai từ địa chỉ mạng này\. Vui lòng thử lại sau \d{2}:\d{2}/);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(60);
    expect((await attempt(nextClient(), 'admin', ADMIN_PW)).status).toBe(200);
  }, 120_000);

  it(`limits guesses of the current password on POST /auth/password like sign-in: after ${LOGIN_MAX_FAILURES} wrong ones even the right one is refused`, async () => {
    const username = 'doi-mat-khau';
    await admin.ok('POST', '/api/users', { username, displayName: 'Đổi mật khẩu', password: 'mat-khau-cu-1', role: 'editor' });
    const stolen = new Api(admin.baseUrl);
    await stolen.login(username, 'mat-khau-cu-1');
    const from = nextClient();
    const change = (current: string) =>
      stolen.request('POST', '/api/auth/password', { currentPassword: current, newPassword: 'mat-khau-moi-1' }, { 'x-forwarded-for': from });
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
      const wrong = await change(`doan-${i}-sai`);
      expect([wrong.status, wrong.body.code]).toEqual([401, 'invalid_credentials']);
    }
    const blocked = await change('mat-khau-cu-1');
    expect([blocked.status, blocked.body.code]).toEqual([429, 'too_many_requests']);
    expect(blocked.body.message).toMatch(/^Nhập sai mật khẩu hiện tại quá nhiều lần\. Vui lòng thử lại sau/);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    // The password did not change; signing in (counted apart) still works with the old one.
    expect((await attempt(nextClient(), username, 'mat-khau-cu-1')).status).toBe(200);
  }, 120_000);

  it('runs a bounded number of password checks at once and turns the rest away with 429 and Retry-After', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => attempt(nextClient(), `ngau-nhien-${i}`, 'x')),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
    const shed = answers.filter((a) => a.status === 429);
    expect(shed.length).toBeGreaterThan(20);
    for (const a of shed) {
      expect(a.body.code).toBe('too_many_requests');
      expect(a.headers.get('retry-after')).toBe(String(BUSY_RETRY_AFTER_S));
    }
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThan(0);
  }, 120_000);
});

describe('sign-in limits without TRUST_PROXY', () => {
  it('ignores X-Forwarded-For, so a client cannot dodge the limit by naming other addresses', async () => {
    const { dir, app, api } = await startInProcessServer('loa-noproxy-');
    try {
      const attempt = (from: string, password: string) =>
        new Api(api.baseUrl).request('POST', '/api/auth/login', { username: 'admin', password }, { 'x-forwarded-for': from });
      for (let i = 0; i < LOGIN_MAX_FAILURES; i++) expect((await attempt(`203.0.113.${i}`, 'sai')).status).toBe(401);
      expect((await attempt('203.0.113.99', ADMIN_PW)).status).toBe(429);
    } finally {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
