import { backoffDelay } from './link';

describe('reconnect backoff', () => {
  it('grows exponentially up to the cap, with full jitter below it', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(a, 500, 30_000, () => 0.999999))).toEqual([499, 999, 1999, 3999]);
    expect(backoffDelay(20, 500, 30_000, () => 0.999999)).toBe(29_999);
    expect(backoffDelay(5, 500, 30_000, () => 0)).toBe(0);
  });
});
