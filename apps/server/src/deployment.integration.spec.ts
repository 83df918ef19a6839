import type { INestApplication } from '@nestjs/common';
import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startInProcessServer } from '../../../test/support/in-process';

/** What every answer of a running server carries, and how it keeps its files. */
describe('a started server', () => {
  let dir: string;
  let app: INestApplication;
  let base: string;
  let umask: number;

  beforeAll(async () => {
    umask = process.umask(0o022);
    ({ dir, app } = await startInProcessServer('loa-deploy-'));
    base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }, 60_000);

  afterAll(async () => {
    process.umask(umask);
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['/', '/api/health', '/api/auth/me', '/api/does-not-exist'])('answers %s with the security headers and without X-Powered-By', async (path) => {
    const res = await fetch(base + path);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self' blob:", "object-src 'none'", "frame-ancestors 'none'", "connect-src 'self'"]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-powered-by')).toBeNull();
    // HSTS belongs to the TLS proxy (deploy/nginx), never to plain HTTP.
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('keeps loa.sqlite and its WAL and shared-memory files readable by its owner only', () => {
    const data = join(dir, 'data');
    const files = readdirSync(data).filter((f) => f.startsWith('loa.sqlite'));
    expect(files).toEqual(expect.arrayContaining(['loa.sqlite', 'loa.sqlite-wal', 'loa.sqlite-shm']));
    for (const f of files) expect([f, statSync(join(data, f)).mode & 0o777]).toEqual([f, 0o600]);
  });
});
