import { QUIET_BEFORE_MS, StartGuard } from './start-guard';

describe('StartGuard', () => {
  let now: number;
  const errors: unknown[] = [];
  const owner = {};

  beforeEach(() => {
    jest.useFakeTimers();
    now = 1_000_000;
    errors.length = 0;
  });
  afterEach(() => jest.useRealTimers());

  const guard = () => new StartGuard(() => now, (e) => errors.push(e));
  /** Moves both the guard's clock and the timers. */
  const advance = (ms: number) => {
    now += ms;
    jest.advanceTimersByTime(ms);
  };

  it('runs a task at once when no start is near', () => {
    const g = guard();
    g.expect(owner, now + QUIET_BEFORE_MS + 50);
    const ran: string[] = [];
    g.run(() => ran.push('ack'));
    expect(ran).toEqual(['ack']);
  });

  it('holds a task queued in the stretch before a start until the start is behind, in order', () => {
    const g = guard();
    const instant = now + 40;
    g.expect(owner, instant);
    const ran: { what: string; at: number }[] = [];
    g.run(() => ran.push({ what: 'commit', at: now }));
    g.run(() => ran.push({ what: 'ack', at: now }));
    expect(ran).toEqual([]);
    expect(g.pending()).toBe(2);
    advance(39);
    expect(ran).toEqual([]);
    // The runner says the start happened: what waited runs right after, never in the runner's own stack.
    advance(1);
    g.expect(owner, null);
    expect(ran).toEqual([]);
    advance(0);
    jest.runOnlyPendingTimers();
    expect(ran.map((r) => r.what)).toEqual(['commit', 'ack']);
    for (const r of ran) expect(r.at).toBeGreaterThanOrEqual(instant);
  });

  it('lets the work go shortly after the instant even if the runner never says so', () => {
    const g = guard();
    g.expect(owner, now + 10);
    const ran: number[] = [];
    g.run(() => ran.push(now));
    advance(25);
    expect(ran).toEqual([]);
    advance(10);
    expect(ran).toHaveLength(1);
    expect(ran[0]).toBeGreaterThanOrEqual(1_000_010);
  });

  it('keeps a later task behind earlier queued ones even once the window is over', () => {
    const g = guard();
    g.expect(owner, now + 10);
    const ran: string[] = [];
    g.run(() => ran.push('first'));
    g.expect(owner, null);
    g.run(() => ran.push('second'));
    expect(ran).toEqual([]);
    jest.runOnlyPendingTimers();
    expect(ran).toEqual(['first', 'second']);
  });

  it('reports a failing task and goes on with the others; drain runs everything at once', () => {
    const g = guard();
    g.expect(owner, now + 10);
    const ran: string[] = [];
    g.run(() => {
      throw new Error('disk');
    });
    g.run(() => ran.push('after'));
    g.drain();
    expect(ran).toEqual(['after']);
    expect(errors).toEqual([new Error('disk')]);
  });
});

describe('StartGuard.whenClear', () => {
  let now: number;
  const owner = {};
  beforeEach(() => {
    jest.useFakeTimers();
    now = 5_000_000;
  });
  afterEach(() => jest.useRealTimers());
  const advance = (ms: number) => {
    now += ms;
    jest.advanceTimersByTime(ms);
  };
  const settle = () => Promise.resolve().then(() => Promise.resolve());

  it('lets a process start at once with room before the next start, and after that start without', async () => {
    const g = new StartGuard(() => now, () => {});
    g.expect(owner, now + 2000);
    let early = false;
    void g.whenClear(500).then(() => (early = true));
    await settle();
    expect(early).toBe(true);

    const instant = now + 300;
    g.expect(owner, instant);
    let at: number | null = null;
    void g.whenClear(500).then(() => (at = now));
    advance(299);
    await settle();
    expect(at).toBeNull();
    // The start happened; the next one is 700 ms away: room enough.
    advance(1);
    g.expect(owner, instant + 700);
    advance(1);
    await settle();
    expect(at).toBeGreaterThanOrEqual(instant);
  });

  it('never waits for a second start: starts closer together than the room still let it run after the first', async () => {
    const g = new StartGuard(() => now, () => {});
    const instant = now + 100;
    g.expect(owner, instant);
    let at: number | null = null;
    void g.whenClear(500).then(() => (at = now));
    advance(100);
    g.expect(owner, instant + 200);
    advance(25);
    await settle();
    expect(at).not.toBeNull();
    expect(at!).toBeLessThan(instant + 200);
  });
});
