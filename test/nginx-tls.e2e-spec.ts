import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import WebSocket from 'ws';
import { ADMIN_PASSWORD, ServerProc, startServerProcess } from './support/processes';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const OPENSSL = ['/usr/bin/openssl'].find((p) => existsSync(p));
if (!NGINX || !OPENSSL) console.warn('nginx TLS specs SKIPPED: install Debian\'s nginx and openssl (apt-get install nginx openssl).');
const describeWithNginx = NGINX && OPENSSL ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** An HTTPS request trusting the test's self-signed certificate, from a chosen loopback address. */
function call(url: string, opts: { method?: string; body?: unknown; headers?: Record<string, string>; from?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        rejectUnauthorized: false,
        localAddress: opts.from,
        headers: { ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }), ...opts.headers },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
  });
}

/** deploy/nginx/loa.conf as shipped, moved to loopback ports and a self-signed certificate, in front of a real server. */
describeWithNginx('the server behind deploy/nginx/loa.conf', () => {
  let dir: string;
  let server: ServerProc;
  let https: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-nginx-'));
    await mkdir(join(dir, 'certs'));
    await mkdir(join(dir, 'tmp'));
    execFileSync(OPENSSL!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'certs/privkey.pem'), '-out', join(dir, 'certs/fullchain.pem')], { stdio: 'ignore' });
    const [appPort, httpPort, httpsPort] = [await freePort(), await freePort(), await freePort()];
    server = await startServerProcess(dir, { port: appPort, env: { TRUST_PROXY: 'loopback' } });
    const site = readFileSync(join(__dirname, '..', 'deploy/nginx/loa.conf'), 'utf8')
      .replaceAll('/etc/nginx/certs', join(dir, 'certs'))
      .replace('127.0.0.1:3000', `127.0.0.1:${appPort}`)
      .replace(/listen 80;/, `listen 127.0.0.1:${httpPort};`)
      .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${httpsPort} ssl http2;`)
      .replace(/\n\s*listen \[::\]:\d+[^;]*;/g, '');
    writeFileSync(join(dir, 'loa.conf'), site);
    const t = join(dir, 'tmp');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid;\nerror_log ${dir}/nginx-error.log;\nevents {}\nhttp {\n access_log off;\n client_body_temp_path ${t}; proxy_temp_path ${t}; fastcgi_temp_path ${t}; uwsgi_temp_path ${t}; scgi_temp_path ${t};\n include ${dir}/loa.conf;\n}\n`,
    );
    execFileSync(NGINX!, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'inherit' });
    https = `https://127.0.0.1:${httpsPort}`;
  }, 120_000);

  afterAll(async () => {
    if (existsSync(join(dir, 'nginx.pid'))) spawn(NGINX!, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-s', 'stop'], { stdio: 'ignore' });
    await server?.stop();
    await new Promise((r) => setTimeout(r, 500));
    await rm(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with HSTS and the server\'s own headers', async () => {
    const res = await call(`${https}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  }, 30_000);

  it('upgrades the agents\' WebSocket on /api/agent/ws (a bad token is refused by the server itself)', async () => {
    const socket = new WebSocket(`${https.replace('https', 'wss')}/api/agent/ws`, { rejectUnauthorized: false, headers: { authorization: 'Bearer loa_st_not-a-real-token' } });
    const opened = new Promise<boolean>((resolve) => {
      socket.once('open', () => resolve(true));
      socket.once('unexpected-response', () => resolve(false));
      socket.once('error', () => resolve(false));
    });
    expect(await opened).toBe(true);
    const code = await new Promise<number>((resolve) => socket.once('close', (c) => resolve(c)));
    expect(code).toBeGreaterThanOrEqual(4000);
  }, 30_000);

  it('lets the sign-in limits see each client: 5 bad sign-ins from one client do not lock admin out for another, and a forged X-Forwarded-For is replaced', async () => {
    const attempt = (from: string, password: string, forged?: string) =>
      call(`${https}/api/auth/login`, { method: 'POST', from, body: { username: 'admin', password }, headers: forged ? { 'x-forwarded-for': forged } : {} });
    // Forged addresses do not spread the failures: nginx puts the client's own address in their place.
    for (let i = 0; i < 5; i++) expect((await attempt('127.0.0.1', 'sai-mat-khau', `203.0.113.${i}`)).status).toBe(401);
    expect((await attempt('127.0.0.1', ADMIN_PASSWORD, '203.0.113.77')).status).toBe(429);
    // Another machine (another loopback address) still signs in through the same proxy.
    expect((await attempt('127.0.0.2', ADMIN_PASSWORD)).status).toBe(200);
  }, 120_000);
});
