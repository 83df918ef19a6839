import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { hashPassword, ScryptKey, verifyPassword } from './password';

/** How long a caller turned away by a full queue is told to wait, in seconds. */
export const BUSY_RETRY_AFTER_S = 2;

/**
 * A bounded number of slots: at most `running` tasks at once and `waiting` more in line; anyone beyond
 * that is refused at once instead of queueing without end.
 */
export class Slots {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly running: number,
    private readonly waiting: number,
  ) {}

  get busy(): { active: number; queued: number } {
    return { active: this.active, queued: this.queue.length };
  }

  /** Whether a task given now would be refused. */
  get full(): boolean {
    return this.active >= this.running && this.queue.length >= this.waiting;
  }

  /** Runs `task` in a slot, or returns `refused` without running it when every slot and place in line is taken. */
  async run<T>(task: () => Promise<T>, refused: () => never): Promise<T> {
    if (this.active >= this.running) {
      if (this.queue.length >= this.waiting) refused();
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, so `active` never drops below the queue's demand.
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/**
 * The thread's code, given as source so it runs the same from the TypeScript sources and from dist/.
 * Linux sets a nice value per thread: the thread lowers its own priority, so while a flood of sign-ins
 * keeps it busy the event loop (media for the stations, their WebSockets) still gets the processor first.
 * Nice 10, not 19: next to the conversions' ffmpeg (nice 0) a real sign-in still gets about a tenth of a
 * core rather than almost nothing.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { scryptSync } = require('node:crypto');
try { require('node:os').setPriority(10); } catch {}
parentPort.on('message', ({ id, password, salt, keyLength, params }) => {
  try {
    const key = scryptSync(password, Buffer.from(salt), keyLength, params);
    parentPort.postMessage({ id, key });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
});
`;

/** One low-priority thread that derives scrypt keys one at a time, away from libuv's pool. */
class HashThread {
  private worker: Worker | null = null;
  private next = 0;
  private readonly pending = new Map<number, { resolve: (key: Buffer) => void; reject: (err: Error) => void }>();

  derive: ScryptKey = (password, salt, keyLength, params) =>
    new Promise((resolve, reject) => {
      const id = this.next++;
      this.pending.set(id, { resolve, reject });
      this.thread().postMessage({ id, password, salt, keyLength, params });
    });

  get load(): number {
    return this.pending.size;
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(THREAD_SOURCE, { eval: true });
    w.unref();
    w.on('message', (m: { id: number; key?: Uint8Array; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.key) p?.resolve(Buffer.from(m.key));
      else p?.reject(new Error(m.error ?? 'scrypt failed'));
    });
    // A dead thread fails what it held; the next hash starts a new one.
    const fail = (err: Error) => {
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', () => fail(new Error('password hashing thread exited')));
    this.worker = w;
    return w;
  }
}

/**
 * Every password hash and check of the server goes through here. A scrypt takes 32 MiB and tens of
 * milliseconds of processor; on libuv's four pool threads (which also read the stations' media files) an
 * unbounded flood of sign-ins would occupy them all, and the processor with them. So hashes run on threads
 * of their own at a low priority, only PASSWORD_HASH_CONCURRENCY at once; a few more wait, and the
 * rest are told to come back (429 with Retry-After).
 */
@Injectable()
export class PasswordHasher implements OnModuleDestroy {
  private readonly slots: Slots;
  private readonly threads: HashThread[];

  constructor(config: AppConfig) {
    this.slots = new Slots(config.passwordHashConcurrency, config.passwordHashConcurrency * 4);
    this.threads = Array.from({ length: config.passwordHashConcurrency }, () => new HashThread());
  }

  /** Whether a check asked for now would be refused: lets a sign-in be turned away before any other work. */
  get full(): boolean {
    return this.slots.full;
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => hashPassword(password, this.thread()), busy);
  }

  verify(password: string, stored: string): Promise<boolean> {
    return this.slots.run(() => verifyPassword(password, stored, this.thread()), busy);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.stop()));
  }

  /** The slots allow as many hashes at once as there are threads, so the least busy thread is a free one. */
  private thread(): ScryptKey {
    return this.threads.reduce((a, b) => (a.load <= b.load ? a : b)).derive;
  }
}

export const BUSY_MESSAGE = 'Máy chủ đang bận kiểm tra mật khẩu. Vui lòng thử lại sau vài giây.';

function busy(): never {
  throw new LoaError('too_many_requests', BUSY_MESSAGE, { retryAfterSeconds: BUSY_RETRY_AFTER_S });
}
