/**
 * Keeps the event loop free just before a precise start. The timer that runs the last stretch (see
 * precise-wait.ts) can only fire when nothing else holds the loop: a synchronous SQLite commit (an fsync
 * on an SD card can take tens of milliseconds), a big JSON encoding or parse started a moment before it
 * delays it, and a timer that fires after the instant makes the start late. Work that can wait a few
 * milliseconds goes through `run`: in the stretch before an expected start it is queued, in order, and runs
 * once the start is behind (or no longer expected).
 */

/**
 * How long before an instant the loop stays free: the runner's timer fires 50 ms before it, and a task
 * begun just before that must be over by then; 50 ms more covers an fsync on a slow card.
 */
export const QUIET_BEFORE_MS = 100;
/** Past the instant, queued work waits for the runner to say the start happened, but not longer than this. */
const AFTER_MS = 20;
/**
 * Starting a process holds the loop until the child has exec'd (libuv waits for it), and the child runs at
 * the ordinary priority: on a busy box that is hundreds of milliseconds. Such work waits for this much room.
 */
export const SPAWN_CLEAR_MS = 500;

export class StartGuard {
  private readonly expected = new Map<object, number>();
  private readonly waiting: (() => void)[] = [];
  /** `latest`: the end of the start it first waited for; it never waits for a second one. */
  private readonly clearing: { ms: number; latest: number; resolve: () => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing = false;

  constructor(
    private readonly now: () => number,
    private readonly onError: (e: unknown) => void,
    private readonly quietMs = QUIET_BEFORE_MS,
  ) {}

  /** `owner` (one runner) expects a precise start at `instant`; null once it has started or was dropped. */
  expect(owner: object, instant: number | null): void {
    if (instant === null) this.expected.delete(owner);
    else this.expected.set(owner, instant);
    this.schedule();
  }

  /** The end of the quiet stretch `now` falls in, or null when the loop is free for anything. */
  quietUntil(now = this.now(), beforeMs = this.quietMs): number | null {
    let until: number | null = null;
    for (const at of this.expected.values()) {
      if (now >= at - beforeMs && now < at + AFTER_MS) until = Math.max(until ?? at + AFTER_MS, at + AFTER_MS);
    }
    return until;
  }

  /**
   * Resolves once no start is expected within `ms`: at once when there is that much room, else just after
   * the start ahead, even if another follows within `ms`. For work that holds the loop for long (starting a
   * process), unordered.
   */
  whenClear(ms = SPAWN_CLEAR_MS): Promise<void> {
    const latest = this.quietUntil(this.now(), ms);
    if (latest === null) return Promise.resolve();
    return new Promise((resolve) => {
      this.clearing.push({ ms, latest, resolve });
      this.schedule();
    });
  }

  /** Runs `task` now, or once the start ahead is behind. Tasks keep their order. */
  run(task: () => void): void {
    if (this.waiting.length === 0 && this.quietUntil() === null) {
      task();
      return;
    }
    this.waiting.push(task);
    this.schedule();
  }

  /** Tasks waiting for a start. */
  pending(): number {
    return this.waiting.length;
  }

  /** Runs what waits at once (shutdown). */
  drain(): void {
    this.clearTimer();
    this.runWaiting(() => true);
    for (const c of this.clearing.splice(0)) c.resolve();
  }

  private schedule(): void {
    this.clearTimer();
    if (this.waiting.length === 0 && this.clearing.length === 0) return;
    const now = this.now();
    let next: number | null = null;
    const consider = (until: number | null) => (next = Math.min(next ?? Infinity, until ?? now));
    if (this.waiting.length > 0) consider(this.quietUntil(now));
    for (const c of this.clearing) consider(Math.min(c.latest, this.quietUntil(now, c.ms) ?? now));
    // Never inside the caller's stack: the runner calls expect() in the middle of a start.
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.ceil((next ?? now) - now)));
  }

  private flush(): void {
    this.timer = null;
    this.runWaiting(() => this.quietUntil() === null);
    const now = this.now();
    for (let i = this.clearing.length - 1; i >= 0; i--) {
      const c = this.clearing[i];
      if (now >= c.latest || this.quietUntil(now, c.ms) === null) {
        this.clearing.splice(i, 1);
        c.resolve();
      }
    }
    this.schedule();
  }

  private runWaiting(free: () => boolean): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      // A task may itself queue more (a commit that notifies): they run in this same pass when still free.
      while (this.waiting.length > 0 && free()) {
        const task = this.waiting.shift()!;
        try {
          task();
        } catch (e) {
          this.onError(e);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
