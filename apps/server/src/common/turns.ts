import { performance } from 'node:perf_hooks';

/**
 * Runs many small jobs one after another, handing the event loop back whenever they have held it for
 * `budgetMs`: a schedule change for two thousand stations means two thousand snapshots to build, and
 * built in one go they would hold up every live audio frame and socket behind them.
 */
export class Turns {
  private sliceStart = Number.NEGATIVE_INFINITY;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly budgetMs = 5) {}

  /** Runs `work` after the jobs given before it; on a later turn of the event loop when this one's budget is spent. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      if (performance.now() - this.sliceStart > this.budgetMs) {
        await new Promise((resolve) => setImmediate(resolve));
        this.sliceStart = performance.now();
      }
      return work();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}
