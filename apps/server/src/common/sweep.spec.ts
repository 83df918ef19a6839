import { Sweep } from './sweep';

describe('Sweep', () => {
  it('visits each member once per period, in even slices, never all at once', () => {
    const members = new Set(Array.from({ length: 2000 }, (_, i) => i));
    const visits = new Map<number, number>();
    const perTick: number[] = [];
    let count = 0;
    const sweep = new Sweep(() => members, 30_000, (m) => {
      visits.set(m, (visits.get(m) ?? 0) + 1);
      count++;
    });
    for (let t = 0; t < 30; t++) {
      count = 0;
      sweep.step();
      perTick.push(count);
    }
    expect(visits.size).toBe(2000);
    expect([...visits.values()].every((n) => n === 1)).toBe(true);
    expect(Math.max(...perTick)).toBeLessThanOrEqual(Math.ceil(2000 / 30));
    expect(Math.min(...perTick)).toBeGreaterThanOrEqual(Math.floor(2000 / 30));
    // The next period visits everybody again, a newcomer included.
    members.add(5000);
    for (let t = 0; t < 30; t++) sweep.step();
    expect(visits.get(5000)).toBe(1);
    expect([...visits.values()].every((n) => n === 2 || n === 1)).toBe(true);
    expect([...members].filter((m) => visits.get(m) === 2)).toHaveLength(2000);
  });

  it('with fewer members than ticks, visits each once per period all the same', () => {
    const seen: string[] = [];
    const sweep = new Sweep(() => ['a', 'b', 'c'], 10_000, (m) => seen.push(m));
    for (let t = 0; t < 10; t++) sweep.step();
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('runs on its own timer once started', () => {
    jest.useFakeTimers();
    try {
      const seen: number[] = [];
      const sweep = new Sweep(() => [1, 2, 3, 4], 4000, (m) => seen.push(m), 1000);
      sweep.start();
      jest.advanceTimersByTime(2000);
      expect(seen).toEqual([1, 2]);
      jest.advanceTimersByTime(2000);
      expect(seen).toEqual([1, 2, 3, 4]);
      sweep.stop();
      jest.advanceTimersByTime(10_000);
      expect(seen).toHaveLength(4);
    } finally {
      jest.useRealTimers();
    }
  });
});
