import { Transform, type TransformCallback } from 'node:stream';
import { TIME_OF_DAY_RANGE, timeOfDayRange } from '@loa/protocol';

/** `HH:MM-HH:MM`, box local time; the end may be earlier than the start (the window crosses midnight). */
export const WINDOW_PATTERN = TIME_OF_DAY_RANGE;

/** The hours of the day (box local time) when downloads may run, e.g. 22:00-05:00 when the 3G/4G plan is cheap. */
export class DownloadWindow {
  private constructor(
    readonly text: string,
    private readonly startMin: number,
    private readonly endMin: number,
  ) {}

  /** null when the text is not `HH:MM-HH:MM` or starts and ends at the same minute (say nothing for all day). */
  static parse(text: string): DownloadWindow | null {
    const span = timeOfDayRange(text.trim());
    if (!span) return null;
    const { start, end } = span;
    if (start === end) return null;
    return new DownloadWindow(text.trim(), start, end);
  }

  isOpen(atMs: number): boolean {
    const d = new Date(atMs);
    const min = d.getHours() * 60 + d.getMinutes();
    return this.startMin < this.endMin ? min >= this.startMin && min < this.endMin : min >= this.startMin || min < this.endMin;
  }

  /** When the window next opens after `atMs` (at `atMs` itself if it is open). */
  nextOpening(atMs: number): number {
    if (this.isOpen(atMs)) return atMs;
    const d = new Date(atMs);
    // Calendar arithmetic on the local date, so a day of 23 or 25 hours still opens at the set minute.
    d.setHours(Math.floor(this.startMin / 60), this.startMin % 60, 0, 0);
    if (d.getTime() <= atMs) d.setDate(d.getDate() + 1);
    return d.getTime();
  }
}

/**
 * A token bucket shared by every download: `bytesPerSecond` on average, with at most a tenth of a second's
 * worth let through at once, so the link is never flooded in bursts even though chunks arrive in tens of
 * kilobytes. Takers queue in order.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  readonly capacity: number;

  constructor(
    readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.capacity = Math.max(1024, Math.floor(bytesPerSecond / 10));
    this.tokens = this.capacity;
    this.last = now();
  }

  /** Resolves once `bytes` may pass. */
  take(bytes: number): Promise<void> {
    const turn = this.queue.then(async () => {
      this.refill();
      this.tokens -= bytes;
      if (this.tokens < 0) {
        await this.sleep((-this.tokens / this.bytesPerSecond) * 1000);
        this.refill();
      }
    });
    this.queue = turn.catch(() => {});
    return turn;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.bytesPerSecond);
    this.last = t;
  }
}

/** Passes the stream on no faster than the bucket allows, in pieces no larger than its burst. */
export function throttle(bucket: TokenBucket): Transform {
  const piece = bucket.capacity;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      void (async () => {
        for (let i = 0; i < chunk.length; i += piece) {
          const part = chunk.subarray(i, Math.min(chunk.length, i + piece));
          await bucket.take(part.length);
          this.push(part);
        }
      })().then(
        () => done(),
        (e: unknown) => done(e as Error),
      );
    },
  });
}

/** kbit/s (1000 bits) as the operator's mobile plan states it, to bytes per second. */
export function kbpsToBytesPerSecond(kbps: number): number {
  return (kbps * 1000) / 8;
}
