import { Injectable } from '@nestjs/common';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { hashPassword, verifyPassword } from './password';

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
 * Every password hash and check of the server goes through here. A scrypt takes 32 MiB and tens of
 * milliseconds on one of libuv's four pool threads, the same threads that read media files for the
 * stations; unbounded, a flood of sign-ins would occupy them all. So only PASSWORD_HASH_CONCURRENCY run
 * at once, a few more wait, and the rest are told to come back (429 with Retry-After).
 */
@Injectable()
export class PasswordHasher {
  private readonly slots: Slots;

  constructor(config: AppConfig) {
    this.slots = new Slots(config.passwordHashConcurrency, config.passwordHashConcurrency * 4);
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => hashPassword(password), busy);
  }

  verify(password: string, stored: string): Promise<boolean> {
    return this.slots.run(() => verifyPassword(password, stored), busy);
  }
}

function busy(): never {
  throw new LoaError('too_many_requests', 'Máy chủ đang bận kiểm tra mật khẩu. Vui lòng thử lại sau vài giây.', {
    retryAfterSeconds: BUSY_RETRY_AFTER_S,
  });
}
