import { performance } from 'node:perf_hooks';
import { Turns } from './turns';

/** Busy work that holds the event loop, as building a snapshot on better-sqlite3 does. */
function hold(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until);
  return Promise.resolve();
}

describe('Turns', () => {
  it('runs the jobs in order, one at a time, and lets a timer in between once the budget is spent', async () => {
    const turns = new Turns(5);
    const order: string[] = [];
    let timerFiredAfter = -1;
    const timer = setTimeout(() => (timerFiredAfter = order.length), 0);
    const jobs = Array.from({ length: 40 }, (_, i) =>
      turns.run(async () => {
        await hold(1);
        order.push(`job ${i}`);
        return i;
      }),
    );
    expect(await Promise.all(jobs)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    clearTimeout(timer);
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => `job ${i}`));
    // 40 ms of work in 5 ms slices: the timer ran long before the last job.
    expect(timerFiredAfter).toBeGreaterThanOrEqual(0);
    expect(timerFiredAfter).toBeLessThan(20);
  });

  it('a job that fails fails alone', async () => {
    const turns = new Turns();
    const bad = turns.run(() => Promise.reject(new Error('hỏng')));
    const good = turns.run(async () => 'được');
    await expect(bad).rejects.toThrow('hỏng');
    await expect(good).resolves.toBe('được');
  });
});
