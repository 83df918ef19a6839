import { Batched } from './batched';

describe('Batched lookups', () => {
  it('keys asked together share one load, at most `max` per load, and one load runs at a time', async () => {
    const loads: string[][] = [];
    let running = 0;
    let most = 0;
    const batched = new Batched<string, string>(async (keys) => {
      running++;
      most = Math.max(most, running);
      loads.push(keys);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return new Map(keys.filter((k) => k !== 'missing').map((k) => [k, k.toUpperCase()]));
    }, 3);
    const keys = ['a', 'b', 'c', 'd', 'e', 'a', 'missing'];
    const values = await Promise.all(keys.map((k) => batched.get(k)));
    expect(values).toEqual(['A', 'B', 'C', 'D', 'E', 'A', undefined]);
    // Six distinct keys, three per load; the repeated key is loaded once.
    expect(loads).toEqual([['a', 'b', 'c'], ['d', 'e', 'missing']]);
    expect(most).toBe(1);
    // Asked while a load is out: goes in the next one.
    const first = batched.get('x');
    await new Promise((r) => setImmediate(r));
    const second = batched.get('y');
    expect(await Promise.all([first, second])).toEqual(['X', 'Y']);
    expect(batched.loadCount).toBe(loads.length);
  });

  it('a failed load fails the lookups of its batch only', async () => {
    let calls = 0;
    const batched = new Batched<number, number>(async (keys) => {
      if (calls++ === 0) throw new Error('database unreachable');
      return new Map(keys.map((k) => [k, k * 2]));
    }, 2);
    const results = await Promise.allSettled([1, 2, 3].map((k) => batched.get(k)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseFulfilledResult<number>).value).toBe(6);
  });

  it('waits `gatherMs` for more keys before the first load', async () => {
    jest.useFakeTimers();
    try {
      const loads: number[][] = [];
      const batched = new Batched<number, number>(async (keys) => {
        loads.push(keys);
        return new Map(keys.map((k) => [k, k]));
      }, 100, 20);
      const a = batched.get(1);
      await jest.advanceTimersByTimeAsync(10);
      const b = batched.get(2);
      expect(loads).toEqual([]);
      await jest.advanceTimersByTimeAsync(15);
      expect(await Promise.all([a, b])).toEqual([1, 2]);
      expect(loads).toEqual([[1, 2]]);
    } finally {
      jest.useRealTimers();
    }
  });
});
