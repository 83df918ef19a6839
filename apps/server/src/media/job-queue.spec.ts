import { JobQueue } from './job-queue';

describe('JobQueue', () => {
  it('never runs more jobs at once than its concurrency, and runs them all', async () => {
    const errors: unknown[] = [];
    const queue = new JobQueue(2, (e) => errors.push(e));
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    for (let i = 0; i < 6; i++) {
      queue.add(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        done.push(i);
      });
    }
    await queue.idle();
    expect(peak).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(errors).toEqual([]);
  });

  it('hands a failing job to onError and carries on with the next', async () => {
    const errors: unknown[] = [];
    const queue = new JobQueue(1, (e) => errors.push(e));
    let ran = false;
    queue.add(() => Promise.reject(new Error('boom')));
    queue.add(async () => {
      ran = true;
    });
    await queue.idle();
    expect(ran).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('refuses a concurrency below one', () => {
    expect(() => new JobQueue(0, () => undefined)).toThrow();
  });
});
