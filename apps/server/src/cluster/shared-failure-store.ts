import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { FailureStore, LOGIN_WINDOW_MS, MemoryFailureStore } from '../auth/login-limiter';
import { BucketConflict, decodeJson, encodeJson, type SharedBucket } from './cluster-bus';

/** Compare-and-set attempts before a failure is counted here alone. */
const MAX_ATTEMPTS = 20;

/**
 * Failed sign-ins counted in a bucket every instance shares, so five failures spread over three instances
 * count as five. Each key holds its recent instants, rewritten by compare-and-set; the bucket forgets a key
 * a window after its last failure. Should the bucket be unreachable (NATS restarting), failures are counted
 * on this instance meanwhile: the limits keep holding per instance instead of sign-in failing.
 */
export class SharedFailureStore implements FailureStore {
  private readonly log = new Logger('LoginLimiter');
  private readonly fallback = new MemoryFailureStore();

  constructor(private readonly bucket: SharedBucket) {}

  /** Bucket keys allow few characters; names and IPv6 addresses are hashed into them. */
  private static key(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  async recent(key: string, since: number): Promise<number[]> {
    try {
      const entry = await this.bucket.get(SharedFailureStore.key(key));
      const shared = entry ? instants(entry.value).filter((t) => t > since) : [];
      const local = await this.fallback.recent(key, since);
      return local.length ? [...shared, ...local].sort((a, b) => a - b) : shared;
    } catch (err) {
      this.unreachable(err);
      return this.fallback.recent(key, since);
    }
  }

  async add(key: string, at: number, since: number, keep: number): Promise<void> {
    const k = SharedFailureStore.key(key);
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const entry = await this.bucket.get(k);
        const list = (entry ? instants(entry.value) : []).filter((t) => t > since);
        list.push(at);
        if (list.length > keep) list.splice(0, list.length - keep);
        try {
          if (entry) await this.bucket.update(k, encodeJson(list), entry.revision);
          else await this.bucket.create(k, encodeJson(list));
          return;
        } catch (err) {
          if (!(err instanceof BucketConflict)) throw err;
        }
      }
      throw new Error(`too many concurrent writers on one key`);
    } catch (err) {
      this.unreachable(err);
      await this.fallback.add(key, at, since, keep);
    }
  }

  async clear(key: string): Promise<void> {
    await this.fallback.clear(key);
    try {
      await this.bucket.delete(SharedFailureStore.key(key));
    } catch (err) {
      this.unreachable(err);
    }
  }

  private unreachable(err: unknown): void {
    this.log.warn(`shared sign-in counts unreachable, counting on this instance: ${(err as Error).message}`);
  }
}

/** The longest window any limiter counts over: keys are kept that long after their last failure. */
export const FAILURE_BUCKET_TTL_MS = LOGIN_WINDOW_MS;

function instants(value: Uint8Array): number[] {
  const parsed = decodeJson<unknown>(value);
  return Array.isArray(parsed) ? parsed.filter((t): t is number => typeof t === 'number') : [];
}
