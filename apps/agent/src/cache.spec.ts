import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MediaRef } from '@loa/protocol';
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
