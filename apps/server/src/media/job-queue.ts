/**
 * Runs async jobs in process, at most `concurrency` at a time, in the order they were added.
 * A failing job is the job's own business: it must catch what it cares about; anything it lets through is
 * handed to `onError` so it can never become an unhandled rejection.
 */
export class JobQueue {
  private readonly waiting: Array<() => Promise<void>> = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly onError: (err: unknown) => void,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be ≥ 1: ${concurrency}`);
  }

  add(job: () => Promise<void>): void {
    this.waiting.push(job);
    this.pump();
  }

  /**
   * Runs `task` ahead of everything waiting (still never more than `concurrency` at once) and gives back
   * its result: short checks someone waits for go before long background jobs.
   */
  runFirst<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.unshift(() => task().then(resolve, reject));
      this.pump();
    });
  }

  get size(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Resolves once nothing runs and nothing waits. */
  idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forgets jobs not yet started; running ones carry on. */
  clear(): void {
    this.waiting.length = 0;
    this.settleIfIdle();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      void this.runOne(job);
    }
  }

  private async runOne(job: () => Promise<void>): Promise<void> {
    try {
      await job();
    } catch (err) {
      this.onError(err);
    } finally {
      this.running--;
      this.pump();
      this.settleIfIdle();
    }
  }

  private settleIfIdle(): void {
    if (this.running > 0 || this.waiting.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
