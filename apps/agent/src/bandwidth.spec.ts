import { DownloadWindow, kbpsToBytesPerSecond, TokenBucket } from './bandwidth';

/** A local time on the box, whatever zone the tests run in. */
const at = (h: number, m = 0, day = 4) => new Date(2026, 11, day, h, m).getTime();

describe('DownloadWindow', () => {
  it('reads HH:MM-HH:MM and refuses anything else, or a window of no length', () => {
    expect(DownloadWindow.parse('22:00-05:00')?.text).toBe('22:00-05:00');
    expect(DownloadWindow.parse(' 01:30-04:15 ')?.text).toBe('01:30-04:15');
    for (const bad of ['22-05', '24:00-05:00', '22:00-5:00', '22:00 - 05:00', '22:60-05:00', '', '10:00-10:00']) expect(DownloadWindow.parse(bad)).toBeNull();
  });

  it('is open across midnight from the first minute up to, not including, the end', () => {
    const w = DownloadWindow.parse('22:00-05:00')!;
    expect(w.isOpen(at(21, 59))).toBe(false);
    expect(w.isOpen(at(22, 0))).toBe(true);
    expect(w.isOpen(at(23, 59))).toBe(true);
    expect(w.isOpen(at(0, 0))).toBe(true);
    expect(w.isOpen(at(4, 59))).toBe(true);
    expect(w.isOpen(at(5, 0))).toBe(false);
    expect(w.isOpen(at(12, 0))).toBe(false);
  });

  it('is open inside a window within one day only', () => {
    const w = DownloadWindow.parse('01:30-04:15')!;
    expect(w.isOpen(at(1, 29))).toBe(false);
    expect(w.isOpen(at(1, 30))).toBe(true);
    expect(w.isOpen(at(4, 14))).toBe(true);
    expect(w.isOpen(at(4, 15))).toBe(false);
    expect(w.isOpen(at(23, 0))).toBe(false);
  });

  it('names the next opening: later today, or tomorrow once today\'s has passed', () => {
    const w = DownloadWindow.parse('22:00-05:00')!;
    expect(w.nextOpening(at(12, 0))).toBe(at(22, 0));
    expect(w.nextOpening(at(23, 0))).toBe(at(23, 0));
    const early = DownloadWindow.parse('01:30-04:15')!;
    expect(early.nextOpening(at(5, 0))).toBe(at(1, 30, 5));
    expect(early.nextOpening(at(0, 10))).toBe(at(1, 30));
  });
});

describe('TokenBucket', () => {
  it('lets a burst of a tenth of a second through, then paces takers to the rate', async () => {
    let t = 0;
    const slept: number[] = [];
    const bucket = new TokenBucket(20_000, () => t, async (ms) => {
      slept.push(ms);
      t += ms;
    });
    expect(bucket.capacity).toBe(2000);
    await bucket.take(2000);
    expect(slept).toEqual([]);
    // 10 000 bytes more at 20 kB/s: half a second.
    for (let i = 0; i < 5; i++) await bucket.take(2000);
    expect(t).toBeCloseTo(500, 6);
    // Idle time refills only up to the burst.
    t += 10_000;
    await bucket.take(6000);
    expect(t).toBeCloseTo(10_700, 6);
  });

  it('converts kbit/s as mobile plans count them', () => {
    expect(kbpsToBytesPerSecond(256)).toBe(32_000);
  });
});
