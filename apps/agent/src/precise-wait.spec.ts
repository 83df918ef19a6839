import { runQueueWaitMs, waitUntil } from './precise-wait';

const now = () => performance.timeOrigin + performance.now();

describe('waitUntil', () => {
  it('never returns before the deadline', () => {
    for (const ahead of [0.2, 1.5, 7]) {
      const deadline = now() + ahead;
      waitUntil(now, deadline);
      expect(now()).toBeGreaterThanOrEqual(deadline);
    }
  });

  it('returns at once for a deadline already past', () => {
    const t0 = performance.now();
    waitUntil(now, now() - 50);
    expect(performance.now() - t0).toBeLessThan(5);
  });

  it('sleeps through the wait and spins only its last millisecond, leaving the CPU to others', () => {
    // A busy-wait of 150 ms costs ~150 ms of CPU however loaded the machine is (a thread only spins while it
    // runs); a sleep costs next to nothing.
    const cpu0 = process.cpuUsage();
    waitUntil(now, now() + 150);
    const cpu = process.cpuUsage(cpu0);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(40);
  });
});

describe('runQueueWaitMs', () => {
  it('reads a growing run-queue wait on Linux, and null elsewhere', () => {
    const a = runQueueWaitMs();
    if (process.platform !== 'linux') return expect(a).toBeNull();
    expect(a).toEqual(expect.any(Number));
    expect(runQueueWaitMs()!).toBeGreaterThanOrEqual(a!);
  });
});
