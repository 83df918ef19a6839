import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DownloadStatus, MediaRef } from '@loa/protocol';
import { DownloadWindow, kbpsToBytesPerSecond, throttle, TokenBucket } from './bandwidth';
import { SyncedClock, type Clock } from './clock';
import { errorText, type Logger } from './log';

export interface MediaCacheOptions {
  /** `<cache>/media`; partial downloads live in `<dir>/tmp`. */
  dir: string;
  serverUrl: string;
  /** The server to fetch from now (the one the agent is connected to); `serverUrl` when not given. */
  currentServer?: () => string;
  token: string;
  log: Logger;
  concurrency?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** After this many failures in a row a file waits `cooldownMs` before it is tried again. */
  maxAttempts?: number;
  cooldownMs?: number;
  /** A download that receives nothing for this long is abandoned (and resumed later). */
  idleTimeoutMs?: number;
  /** Every download together no faster than this (kbit/s); null: as fast as the link goes. */
  downloadKbps?: number | null;
  /** Downloads start only inside this window (box local time), unless an airing needs the file sooner. */
  downloadWindow?: DownloadWindow | null;
  /** Outside the window, a file whose first airing starts within this long is downloaded at once. */
  urgentMs?: number;
  /** The box's clock (epoch ms), which the window is read against; the clock's system time when not given. */
  now?: () => number;
  /** The agent's clock: retries are timed on its local time. */
  clock?: Clock;
}

class DownloadError extends Error {
  constructor(
    message: string,
    /** The partial file is wrong, not merely short: start over instead of resuming. */
    readonly discardPartial: boolean,
  ) {
    super(message);
  }
}

const SHA_FILE = /^([0-9a-f]{64})\.mp3$/;

/**
 * Content-addressed media on the station box. A file appears under its final name only after its size and
 * sha256 matched and it was fsynced, so the player can never be handed a partial or corrupt file.
 *
 * On start the files already there are trusted on a size check: they reached their name only through that
 * verification, and re-hashing gigabytes on a Raspberry Pi's SD card would delay the first broadcast.
 */
export class MediaCache {
  private readonly tmpDir: string;
  /** Verified files: downloaded and hashed by this process, or named by sha and of the expected size. */
  private readonly present = new Set<string>();
  /** Found on disk at start, not yet matched against a MediaRef. */
  private readonly unchecked = new Map<string, number>();
  private readonly wanted = new Map<string, MediaRef>();
  private readonly active = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, { attempts: number; nextAt: number; error: string }>();
  private readonly listeners = new Set<() => void>();
  private readonly requests = new Set<http.ClientRequest>();
  /** When each wanted file's first airing starts (server time, epoch ms), to override the window. */
  private neededAt: ReadonlyMap<string, number> = new Map();
  private deferred = 0;
  private readonly bucket: TokenBucket | null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly o: Required<Omit<MediaCacheOptions, 'log' | 'currentServer'>> & Pick<MediaCacheOptions, 'currentServer'> & { log: Logger };

  constructor(options: MediaCacheOptions) {
    const clock = options.clock ?? new SyncedClock();
    this.o = {
      concurrency: 3,
      retryBaseMs: 2000,
      retryMaxMs: 5 * 60_000,
      maxAttempts: 6,
      cooldownMs: 60 * 60_000,
      idleTimeoutMs: 30_000,
      downloadKbps: null,
      downloadWindow: null,
      urgentMs: 6 * 3600_000,
      now: () => clock.systemNow(),
      ...options,
      clock,
    };
    this.tmpDir = join(options.dir, 'tmp');
    this.bucket = this.o.downloadKbps ? new TokenBucket(kbpsToBytesPerSecond(this.o.downloadKbps)) : null;
  }

  async init(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
    for (const name of await readdir(this.o.dir)) {
      const m = SHA_FILE.exec(name);
      if (m) this.unchecked.set(m[1], (await stat(join(this.o.dir, name))).size);
    }
  }

  pathOf(sha256: string): string {
    return join(this.o.dir, `${sha256}.mp3`);
  }

  /** Present and verified: safe to hand to the player. */
  has(sha256: string): boolean {
    return this.present.has(sha256);
  }

  cached(): string[] {
    return [...this.present].sort();
  }

  /** Wanted files not yet present. */
  missing(): number {
    let n = 0;
    for (const sha of this.wanted.keys()) if (!this.present.has(sha)) n++;
    return n;
  }

  /** The limits in force and what they hold back, for the station's status. */
  downloadStatus(): DownloadStatus {
    const window = this.o.downloadWindow;
    const now = this.o.now();
    return {
      capKbps: this.o.downloadKbps,
      window: window?.text ?? null,
      windowOpen: window ? window.isOpen(now) : null,
      deferredFiles: this.deferred,
      nextWindowAt: window && this.deferred > 0 && !window.isOpen(now) ? new Date(window.nextOpening(now)).toISOString() : null,
    };
  }

  lastError(): string | null {
    let last: string | null = null;
    for (const [sha, f] of this.failures) if (this.wanted.has(sha)) last = f.error;
    return last;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Makes the cache match the schedule: `needed` (earliest first) is downloaded, anything not in `keep` is
   * deleted. `keep` must include what `needed` lists and whatever is playing. `neededAt` tells when each
   * file first airs, so a download window can be overridden for what is due soon; a file it does not name is
   * treated as due soon.
   */
  async reconcile(needed: readonly MediaRef[], keep: ReadonlySet<string>, neededAt: ReadonlyMap<string, number> = new Map()): Promise<void> {
    this.neededAt = neededAt;
    for (const ref of needed) {
      const size = this.unchecked.get(ref.sha256);
      if (size === undefined) continue;
      this.unchecked.delete(ref.sha256);
      if (size === ref.size) this.present.add(ref.sha256);
      else await this.remove(this.pathOf(ref.sha256), 'sai kích thước');
    }
    for (const [sha] of this.unchecked) {
      if (keep.has(sha)) continue;
      this.unchecked.delete(sha);
      await this.remove(this.pathOf(sha), 'không còn trong lịch');
    }
    for (const sha of [...this.present]) {
      if (keep.has(sha) || this.active.has(sha)) continue;
      this.present.delete(sha);
      await this.remove(this.pathOf(sha), 'không còn trong lịch');
    }
    for (const name of await readdir(this.tmpDir).catch(() => [] as string[])) {
      const sha = name.replace(/\.part$/, '');
      if (!keep.has(sha) && !this.active.has(sha)) await this.remove(join(this.tmpDir, name), 'tải dở không còn cần');
    }

    this.wanted.clear();
    for (const ref of needed) if (!this.present.has(ref.sha256)) this.wanted.set(ref.sha256, ref);
    for (const sha of [...this.failures.keys()]) if (!this.wanted.has(sha)) this.failures.delete(sha);
    this.pump();
  }

  /** Resolves when nothing is downloading (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active.values()]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const req of this.requests) req.destroy(new Error('agent stopping'));
    await this.idle();
  }

  private pump(): void {
    if (this.closed) return;
    const now = this.o.clock.localNow();
    const clock = this.o.now();
    const window = this.o.downloadWindow;
    const open = !window || window.isOpen(clock);
    let nextRetry = Infinity;
    let deferred = 0;
    for (const [sha, ref] of this.wanted) {
      if (this.present.has(sha) || this.active.has(sha)) continue;
      if (!open) {
        // Outside the window only what airs within `urgentMs` goes now; the rest waits for the window or
        // until its airing comes that close, whichever is first.
        const due = this.neededAt.get(sha) ?? clock;
        if (due - clock > this.o.urgentMs) {
          deferred++;
          nextRetry = Math.min(nextRetry, now + Math.min(window.nextOpening(clock), due - this.o.urgentMs) - clock);
          continue;
        }
      }
      if (this.active.size >= this.o.concurrency) continue;
      const failure = this.failures.get(sha);
      if (failure && failure.nextAt > now) {
        nextRetry = Math.min(nextRetry, failure.nextAt);
        continue;
      }
      const job = this.download(ref).finally(() => {
        this.active.delete(sha);
        this.pump();
      });
      this.active.set(sha, job);
    }
    if (deferred !== this.deferred) {
      this.deferred = deferred;
      for (const l of this.listeners) l();
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (nextRetry !== Infinity) {
      // setTimeout holds at most ~24.8 days; the periodic reconcile wakes the cache long before that anyway.
      this.retryTimer = setTimeout(() => this.pump(), Math.min(2 ** 31 - 1, Math.max(0, nextRetry - now)));
      this.retryTimer.unref();
    }
  }

  private async download(ref: MediaRef): Promise<void> {
    const tmp = join(this.tmpDir, `${ref.sha256}.part`);
    const before = await partialSize(tmp);
    try {
      await this.fetchInto(ref, tmp);
      await this.verifyAndCommit(ref, tmp);
      this.failures.delete(ref.sha256);
      this.present.add(ref.sha256);
      this.o.log.info(`Đã tải và kiểm tra tệp ${ref.sha256.slice(0, 12)} (${ref.size} byte)`);
      for (const l of this.listeners) l();
    } catch (e) {
      const discarded = e instanceof DownloadError && e.discardPartial;
      if (discarded) await this.remove(tmp, 'hỏng');
      if (this.closed) return;
      const prev = this.failures.get(ref.sha256);
      // A transfer cut after it made headway is a flaky link, not a bad file: try again soon and resume,
      // rather than climbing to the long cooldown while the file is in fact arriving.
      const progressed = !discarded && (await partialSize(tmp)) > before;
      let attempts = progressed ? 1 : (prev?.attempts ?? 0) + 1;
      let wait = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (attempts - 1));
      if (attempts >= this.o.maxAttempts) {
        wait = this.o.cooldownMs;
        attempts = 0;
      }
      const error = `Tải tệp ${ref.sha256.slice(0, 12)} thất bại: ${downloadErrorText(e)}`;
      this.failures.set(ref.sha256, { attempts, nextAt: this.o.clock.localNow() + wait, error });
      this.o.log.warn(`${error}; thử lại sau ${Math.round(wait / 1000)} giây`);
      for (const l of this.listeners) l();
    }
  }

  private async fetchInto(ref: MediaRef, tmp: string): Promise<void> {
    let offset = await partialSize(tmp);
    if (offset > ref.size) {
      await unlink(tmp);
      offset = 0;
    }
    if (offset === ref.size) return;

    const server = this.o.currentServer?.() ?? this.o.serverUrl;
    const url = new URL(ref.url, server + '/');
    // The token is the station's identity: it goes to the configured server and nowhere else, whatever a
    // snapshot says.
    if (url.origin !== new URL(server).origin) {
      throw new DownloadError(`địa chỉ tệp trỏ sang máy khác (${url.origin}), không tải`, false);
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.o.token}` };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const res = await this.request(url, headers);
    let append = false;
    if (res.statusCode === 206 && offset > 0) {
      const m = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '');
      if (!m || Number(m[1]) !== offset) {
        res.resume();
        throw new DownloadError('máy chủ trả về đoạn không khớp', true);
      }
      append = true;
    } else if (res.statusCode === 416) {
      res.resume();
      throw new DownloadError('máy chủ từ chối đoạn yêu cầu (416)', true);
    } else if (res.statusCode !== 200) {
      res.resume();
      const hint = res.statusCode === 401 || res.statusCode === 403 ? ' (mã trạm bị từ chối)' : '';
      throw new DownloadError(`HTTP ${res.statusCode}${hint}`, false);
    }

    let written = append ? offset : 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        written += chunk.length;
        if (written > ref.size) done(new DownloadError('tệp dài hơn kích thước khai báo', true));
        else done(null, chunk);
      },
    });
    const sink = createWriteStream(tmp, { flags: append ? 'a' : 'w' });
    if (this.bucket) await pipeline(res, throttle(this.bucket), limit, sink);
    else await pipeline(res, limit, sink);
  }

  private request(url: URL, headers: Record<string, string>): Promise<http.IncomingMessage> {
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = client.get(url, { headers }, (res) => {
        // A stalled transfer fails the pipeline; what arrived stays on disk for a Range resume.
        res.setTimeout(this.o.idleTimeoutMs, () => res.destroy(new Error('quá thời gian chờ dữ liệu')));
        resolve(res);
      });
      this.requests.add(req);
      req.on('close', () => this.requests.delete(req));
      req.setTimeout(this.o.idleTimeoutMs, () => req.destroy(new Error('quá thời gian chờ máy chủ')));
      req.on('error', reject);
    });
  }

  private async verifyAndCommit(ref: MediaRef, tmp: string): Promise<void> {
    const size = (await stat(tmp)).size;
    if (size < ref.size) throw new DownloadError(`tải dở (${size}/${ref.size} byte), sẽ tải tiếp`, false);
    if (size > ref.size) throw new DownloadError('tệp dài hơn kích thước khai báo', true);
    const hash = createHash('sha256');
    await pipeline(createReadStream(tmp), hash);
    const actual = hash.digest('hex');
    if (actual !== ref.sha256) throw new DownloadError(`sai mã sha256 (nhận ${actual.slice(0, 12)})`, true);

    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.pathOf(ref.sha256));
    // The rename itself must reach the disk, or a power cut could leave the file nameless.
    const dir = await open(this.o.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  private async remove(path: string, why: string): Promise<void> {
    try {
      await unlink(path);
      this.o.log.info(`Xoá ${path} (${why})`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.o.log.warn(`Không xoá được ${path}: ${errorText(e)}`);
    }
  }
}

async function partialSize(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/** A full disk is the operator's to fix, so it is named plainly; the system's words follow. */
function downloadErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return `ổ đĩa của trạm đã đầy, không ghi thêm được (${errorText(e)})`;
  return errorText(e);
}
