import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaRef } from '@loa/protocol';
import { DownloadWindow } from './bandwidth';
import { MediaCache } from './cache';
import { silentLogger } from './log';

const body = randomBytes(200_000);
const sha = createHash('sha256').update(body).digest('hex');
const ref: MediaRef = { sha256: sha, size: body.length, durationMs: 1000, url: `/api/agent/media/${sha}` };

type Mode = 'ok' | 'corrupt' | 'cut' | 'flaky';

describe('MediaCache', () => {
  let dir: string;
  let server: http.Server;
  let baseUrl: string;
  let mode: Mode;
  let requests: { range?: string; auth?: string }[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loa-cache-'));
    mode = 'ok';
    requests = [];
    server = http.createServer((req, res) => {
      requests.push({ range: req.headers.range, auth: req.headers.authorization });
      const data = mode === 'corrupt' ? Buffer.concat([body.subarray(0, 1000), Buffer.from([body[1000] ^ 0xff]), body.subarray(1001)]) : body;
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      const part = data.subarray(start);
      res.writeHead(m ? 206 : 200, {
        'content-length': part.length,
        ...(m ? { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
      });
      if (mode === 'flaky' && part.length > 20_000) {
        // Every transfer drops after 20 kB: the file arrives only across many resumed attempts.
        res.write(part.subarray(0, 20_000), () => setTimeout(() => res.destroy(), 5));
        return;
      }
      if (mode === 'cut' && !m) {
        // Half the file, then the connection drops.
        res.write(part.subarray(0, 100_000), () => setTimeout(() => res.destroy(), 20));
        return;
      }
      res.end(part);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  function cache(): MediaCache {
    return new MediaCache({ dir: join(dir, 'media'), serverUrl: baseUrl, token: 'tok-secret', log: silentLogger, retryBaseMs: 10, retryMaxMs: 20 });
  }

  async function settle(c: MediaCache, until: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !until(); i++) {
      await c.idle();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('downloads with the token, verifies and names the file by its sha256', async () => {
    const c = cache();
    await c.init();
    await c.reconcile([ref], new Set([sha]));
    await settle(c, () => c.has(sha));
    expect(c.has(sha)).toBe(true);
    expect(c.cached()).toEqual([sha]);
    expect(c.missing()).toBe(0);
    expect(readFileSync(c.pathOf(sha)).equals(body)).toBe(true);
    expect(requests[0].auth).toBe('Bearer tok-secret');
    expect(readdirSync(join(dir, 'media', 'tmp'))).toEqual([]);
    await c.close();
  });

  it('never sends the token to another host, whatever path the schedule names', async () => {
    const elsewhere: (string | undefined)[] = [];
    const other = http.createServer((req, res) => {
      elsewhere.push(req.headers.authorization);
      res.end(body);
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      for (const url of [`//${host}/x`, `/\\${host}/x`, `/\t/${host}/x`, `http://${host}/x`]) {
        const c = new MediaCache({ dir: join(dir, 'media'), serverUrl: baseUrl, token: 'tok-secret', log: silentLogger, retryBaseMs: 60_000 });
        await c.init();
        await c.reconcile([{ ...ref, url }], new Set([sha]));
        await settle(c, () => c.lastError() !== null);
        expect(c.has(sha)).toBe(false);
        expect(c.lastError()).toMatch(/trỏ sang máy khác/);
        await c.close();
      }
      expect(elsewhere).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });

  it('rejects a corrupted body and keeps nothing of it', async () => {
    mode = 'corrupt';
    const c = new MediaCache({ dir: join(dir, 'media'), serverUrl: baseUrl, token: 't0k3n-123', log: silentLogger, retryBaseMs: 60_000 });
    await c.init();
    await c.reconcile([ref], new Set([sha]));
    await settle(c, () => requests.length > 0);
    await c.idle();
    expect(c.has(sha)).toBe(false);
    expect(existsSync(c.pathOf(sha))).toBe(false);
    expect(readdirSync(join(dir, 'media', 'tmp'))).toEqual([]);
    expect(c.lastError()).toMatch(/sha256/);
    await c.close();
  });

  it('resumes a download cut mid-way with a Range request', async () => {
    mode = 'cut';
    const c = cache();
    await c.init();
    await c.reconcile([ref], new Set([sha]));
    await settle(c, () => c.has(sha));
    expect(c.has(sha)).toBe(true);
    expect(requests.map((r) => r.range)).toEqual([undefined, 'bytes=100000-']);
    expect(readFileSync(c.pathOf(sha)).equals(body)).toBe(true);
    await c.close();
  });

  it('keeps retrying soon while each cut transfer still made headway, instead of cooling down for an hour', async () => {
    mode = 'flaky';
    const c = new MediaCache({ dir: join(dir, 'media'), serverUrl: baseUrl, token: 'tok-secret', log: silentLogger, retryBaseMs: 10, retryMaxMs: 20, maxAttempts: 3, cooldownMs: 3_600_000 });
    await c.init();
    await c.reconcile([ref], new Set([sha]));
    await settle(c, () => c.has(sha));
    expect(c.has(sha)).toBe(true);
    expect(requests.length).toBe(10);
    expect(requests.slice(1).every((r, i) => r.range === `bytes=${(i + 1) * 20_000}-`)).toBe(true);
    expect(readFileSync(c.pathOf(sha)).equals(body)).toBe(true);
    await c.close();
  });

  it('names a full disk plainly, keeps what it has and tries again later', async () => {
    const mediaDir = join(dir, 'media');
    mkdirSync(join(mediaDir, 'tmp'), { recursive: true });
    // Writes to /dev/full fail with ENOSPC, as on a disk with no room left.
    symlinkSync('/dev/full', join(mediaDir, 'tmp', `${sha}.part`));
    const c = new MediaCache({ dir: mediaDir, serverUrl: baseUrl, token: 'tok-secret', log: silentLogger, retryBaseMs: 60_000 });
    await c.init();
    await c.reconcile([ref], new Set([sha]));
    await settle(c, () => c.lastError() !== null);
    expect(c.has(sha)).toBe(false);
    expect(c.missing()).toBe(1);
    expect(c.lastError()).toMatch(/ổ đĩa của trạm đã đầy.*ENOSPC/);
    await c.close();
  });

  it('evicts files no scheduled item references, and trusts a present file of the right size on start', async () => {
    const mediaDir = join(dir, 'media');
    mkdirSync(mediaDir, { recursive: true });
    writeFileSync(join(mediaDir, `${sha}.mp3`), body);
    const stale = 'e'.repeat(64);
    writeFileSync(join(mediaDir, `${stale}.mp3`), 'old programme');
    const c = cache();
    await c.init();
    await c.reconcile([ref], new Set([sha]));
    expect(c.has(sha)).toBe(true);
    expect(requests).toEqual([]);
    expect(existsSync(join(mediaDir, `${stale}.mp3`))).toBe(false);

    await c.reconcile([], new Set());
    expect(c.has(sha)).toBe(false);
    expect(existsSync(join(mediaDir, `${sha}.mp3`))).toBe(false);
    await c.close();
  });

  it('replaces a present file whose size does not match', async () => {
    const mediaDir = join(dir, 'media');
    mkdirSync(mediaDir, { recursive: true });
    writeFileSync(join(mediaDir, `${sha}.mp3`), body.subarray(0, 10));
    const c = cache();
    await c.init();
    await c.reconcile([ref], new Set([sha]));
    await settle(c, () => c.has(sha));
    expect(readFileSync(c.pathOf(sha)).equals(body)).toBe(true);
    await c.close();
  });
});

describe('MediaCache with several server instances', () => {
  it('downloads from the instance the agent is connected to now, and sends the token to no other host', async () => {
    const hits: string[] = [];
    const servers = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const s = http.createServer((req, res) => {
          hits.push(`${name} ${req.url}`);
          res.writeHead(200, { 'content-length': body.length });
          res.end(body);
        });
        await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
        return s;
      }),
    );
    const [a, b] = servers.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`);
    const dir = mkdtempSync(join(tmpdir(), 'loa-cache-'));
    let current = b;
    const c = new MediaCache({ dir: join(dir, 'media'), serverUrl: a, currentServer: () => current, token: 'tok-secret', log: silentLogger, retryBaseMs: 10, retryMaxMs: 20 });
    try {
      await c.init();
      await c.reconcile([ref], new Set([sha]));
      for (let i = 0; i < 200 && !c.has(sha); i++) await new Promise((r) => setTimeout(r, 10));
      expect(c.has(sha)).toBe(true);
      expect(hits).toEqual([`b /api/agent/media/${sha}`]);
      // A snapshot naming another host gets nothing, whichever instance the agent is on.
      current = a;
      const elsewhere = { ...ref, sha256: 'f'.repeat(64), url: `http://127.0.0.2:1/api/agent/media/${'f'.repeat(64)}` };
      await c.reconcile([elsewhere], new Set([elsewhere.sha256]));
      await c.idle();
      expect(hits).toHaveLength(1);
    } finally {
      await c.close();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('MediaCache download limits', () => {
  let dir: string;
  let server: http.Server;
  let baseUrl: string;
  const files = new Map<string, Buffer>();
  const fetched: string[] = [];

  function media(size: number): MediaRef {
    const data = randomBytes(size);
    const sha256 = createHash('sha256').update(data).digest('hex');
    files.set(sha256, data);
    return { sha256, size, durationMs: 1000, url: `/api/agent/media/${sha256}` };
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loa-cache-bw-'));
    fetched.length = 0;
    server = http.createServer((req, res) => {
      const sha256 = (req.url ?? '').split('/').pop() ?? '';
      const data = files.get(sha256);
      fetched.push(sha256);
      if (!data) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': data.length });
      res.end(data);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds downloads to LOA_DOWNLOAD_KBPS within 15 % against a real HTTP server', async () => {
    const kbps = 1600; // 200 000 bytes a second
    const ref = media(500_000);
    const c = new MediaCache({ dir: join(dir, 'media'), serverUrl: baseUrl, token: 'tok', log: silentLogger, downloadKbps: kbps });
    await c.init();
    const t0 = performance.now();
    await c.reconcile([ref], new Set([ref.sha256]));
    while (!c.has(ref.sha256)) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - t0) / 1000;
    const rate = (ref.size * 8) / 1000 / seconds;
    console.log(`download cap ${kbps} kbit/s: measured ${rate.toFixed(0)} kbit/s over ${seconds.toFixed(2)} s`);
    expect(rate).toBeGreaterThan(kbps * 0.85);
    expect(rate).toBeLessThan(kbps * 1.15);
    expect(c.downloadStatus()).toMatchObject({ capKbps: kbps, window: null, windowOpen: null, deferredFiles: 0 });
    await c.close();
  });

  it('outside LOA_DOWNLOAD_WINDOW fetches only what airs within the urgency margin, and the rest once the window opens', async () => {
    let now = new Date(2026, 11, 4, 12, 0).getTime();
    const soon = media(20_000);
    const later = media(20_000);
    const c = new MediaCache({
      dir: join(dir, 'media'),
      serverUrl: baseUrl,
      token: 'tok',
      log: silentLogger,
      downloadWindow: DownloadWindow.parse('22:00-05:00'),
      urgentMs: 6 * 3600_000,
      now: () => now,
    });
    await c.init();
    const airs = new Map([
      [soon.sha256, now + 2 * 3600_000],
      [later.sha256, now + 10 * 3600_000],
    ]);
    const keep = new Set([soon.sha256, later.sha256]);
    await c.reconcile([soon, later], keep, airs);
    await c.idle();
    expect(c.has(soon.sha256)).toBe(true);
    expect(c.has(later.sha256)).toBe(false);
    expect(fetched).toEqual([soon.sha256]);
    expect(c.missing()).toBe(1);
    expect(c.downloadStatus()).toEqual({
      capKbps: null,
      window: '22:00-05:00',
      windowOpen: false,
      deferredFiles: 1,
      nextWindowAt: new Date(2026, 11, 4, 22, 0).toISOString(),
    });

    // Still outside the window, but the airing is now inside the margin: it goes at once.
    now = new Date(2026, 11, 4, 16, 30).getTime();
    await c.reconcile([later], keep, airs);
    await c.idle();
    expect(c.has(later.sha256)).toBe(true);
    expect(c.downloadStatus()).toMatchObject({ windowOpen: false, deferredFiles: 0, nextWindowAt: null });
    await c.close();
  });

  it('starts deferred downloads when the window opens', async () => {
    let now = new Date(2026, 11, 4, 21, 0).getTime();
    const ref = media(20_000);
    const c = new MediaCache({ dir: join(dir, 'media'), serverUrl: baseUrl, token: 'tok', log: silentLogger, downloadWindow: DownloadWindow.parse('22:00-05:00'), now: () => now });
    await c.init();
    const airs = new Map([[ref.sha256, now + 24 * 3600_000]]);
    await c.reconcile([ref], new Set([ref.sha256]), airs);
    await c.idle();
    expect(fetched).toEqual([]);
    now = new Date(2026, 11, 4, 22, 0).getTime();
    await c.reconcile([ref], new Set([ref.sha256]), airs);
    await c.idle();
    expect(c.has(ref.sha256)).toBe(true);
    expect(c.downloadStatus()).toMatchObject({ windowOpen: true, deferredFiles: 0 });
    await c.close();
  });
});
