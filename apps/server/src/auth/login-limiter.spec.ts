import { LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS, LoginLimiter } from './login-limiter';

describe('the sign-in limiter', () => {
  let now: number;
  let limiter: LoginLimiter;

  beforeEach(() => {
    now = Date.UTC(2026, 10, 23, 5, 0, 0);
    limiter = new LoginLimiter(() => now);
  });

  const failTimes = (n: number, user = 'bientap', ip = '10.0.0.1') => {
    for (let i = 0; i < n; i++) {
      limiter.fail(user, ip);
      now += 1000;
    }
  };

  it(`opens for ${LOGIN_MAX_FAILURES - 1} failures and closes on the ${LOGIN_MAX_FAILURES}th, until the first of them is ${LOGIN_WINDOW_MS / 60_000} minutes old`, () => {
    const first = now;
    failTimes(LOGIN_MAX_FAILURES - 1);
    expect(limiter.blockedUntil('bientap', '10.0.0.1')).toBeNull();
    failTimes(1);
    expect(limiter.blockedUntil('bientap', '10.0.0.1')).toBe(first + LOGIN_WINDOW_MS);
    now = first + LOGIN_WINDOW_MS - 1;
    expect(limiter.blockedUntil('bientap', '10.0.0.1')).toBe(first + LOGIN_WINDOW_MS);
    now = first + LOGIN_WINDOW_MS;
    expect(limiter.blockedUntil('bientap', '10.0.0.1')).toBeNull();
  });

  it('counts each user name and address apart, and ignores the case of the name', () => {
    failTimes(LOGIN_MAX_FAILURES, 'BienTap');
    expect(limiter.blockedUntil('bientap', '10.0.0.1')).not.toBeNull();
    expect(limiter.blockedUntil('bientap', '10.0.0.2')).toBeNull();
    expect(limiter.blockedUntil('kiemtra', '10.0.0.1')).toBeNull();
  });

  it('forgets the failures after a successful sign-in', () => {
    failTimes(LOGIN_MAX_FAILURES - 1);
    limiter.succeed('bientap', '10.0.0.1');
    failTimes(LOGIN_MAX_FAILURES - 1);
    expect(limiter.blockedUntil('bientap', '10.0.0.1')).toBeNull();
  });
});
