import { estimateOffset, SyncedClock, type ClockSample } from './clock';

/** An exchange with a server `offset` ahead of the agent, `up`/`down` ms of network each way. */
function exchange(t0: number, offset: number, up: number, down: number, serverHold = 1): ClockSample {
  const t1 = t0 + up + offset;
  const t2 = t1 + serverHold;
  return { t0, t1, t2, t3: t2 - offset + down };
}

describe('clock offset estimation', () => {
  it('recovers the offset exactly from a symmetric exchange', () => {
    expect(estimateOffset([exchange(1000, 250, 20, 20)])).toEqual({ offsetMs: 250, roundTripMs: 40 });
  });

  it('trusts the exchange with the shortest round trip', () => {
    const samples = [exchange(0, -120, 300, 10), exchange(1000, -120, 4, 6), exchange(2000, -120, 10, 200)];
    const best = estimateOffset(samples);
    expect(best?.roundTripMs).toBe(10);
    expect(best?.offsetMs).toBe(-121);
  });

  it('ignores impossible samples and returns null without any', () => {
    expect(estimateOffset([])).toBeNull();
    expect(estimateOffset([{ t0: 10, t1: 0, t2: 100, t3: 11 }])).toBeNull();
  });

  it('serverNow follows the estimate and forgets samples outside its window', () => {
    let local = 10_000;
    const clock = new SyncedClock(() => local, 3);
    expect(clock.serverNow()).toBe(10_000);
    expect(clock.addSample(exchange(0, 500, 1, 1))).toBe(500);
    expect(clock.serverNow()).toBe(10_500);
    // The best sample ages out; the offset follows the newer ones.
    for (let i = 1; i <= 3; i++) clock.addSample(exchange(i * 1000, 800, 5, 5));
    expect(clock.offsetMs()).toBe(800);
    local += 1;
    expect(clock.serverNow()).toBe(10_801);
  });
});
