import { ADDRESS_MAX_FAILURES, LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS, LoginLimiter, MemoryFailureStore, OVERALL_MAX_FAILURES, OVERALL_WINDOW_MS } from './login-limiter';

describe('the sign-in limiter', () => {
  let now: number;
  let limiter: LoginLimiter;

  beforeEach(() => {
    now = Date.UTC(2026, 10, 23, 5, 0, 0);
    limiter = new LoginLimiter(() => now);
  });

  const failTimes = async (n: number, user = 'bientap', ip = '10.0.0.1', stepMs = 1000) => {
    for (let i = 0; i < n; i++) {
      await limiter.fail(user, ip);
      now += stepMs;
    }
  };
  const until = async (user: string, ip: string) => (await limiter.blocked(user, ip))?.until ?? null;

  it(`opens for ${LOGIN_MAX_FAILURES - 1} failures and closes on the ${LOGIN_MAX_FAILURES}th, until the first of them is ${LOGIN_WINDOW_MS / 60_000} minutes old`, async () => {
    const first = now;
    await failTimes(LOGIN_MAX_FAILURES - 1);
    expect(await until('bientap', '10.0.0.1')).toBeNull();
    await failTimes(1);
    expect(await until('bientap', '10.0.0.1')).toBe(first + LOGIN_WINDOW_MS);
    now = first + LOGIN_WINDOW_MS - 1;
    expect(await until('bientap', '10.0.0.1')).toBe(first + LOGIN_WINDOW_MS);
    now = first + LOGIN_WINDOW_MS;
    expect(await until('bientap', '10.0.0.1')).toBeNull();
  });

  it('counts each user name and address apart, and ignores the case of the name', async () => {
    await failTimes(LOGIN_MAX_FAILURES, 'BienTap');
    expect(await limiter.blocked('bientap', '10.0.0.1')).toMatchObject({ scope: 'name' });
    expect(await until('bientap', '10.0.0.2')).toBeNull();
    expect(await until('kiemtra', '10.0.0.1')).toBeNull();
  });

  it('forgets the name\'s failures after a successful sign-in', async () => {
    await failTimes(LOGIN_MAX_FAILURES - 1);
    await limiter.succeed('bientap', '10.0.0.1');
    await failTimes(LOGIN_MAX_FAILURES - 1);
    expect(await until('bientap', '10.0.0.1')).toBeNull();
  });

  it(`closes an address after ${ADDRESS_MAX_FAILURES} failures with different names, for every name, and a success elsewhere does not reopen it`, async () => {
    for (let i = 0; i < ADDRESS_MAX_FAILURES - 1; i++) await failTimes(1, `random-${i}`);
    expect(await until('admin', '10.0.0.1')).toBeNull();
    await failTimes(1, 'random-last');
    await limiter.succeed('attacker-own-account', '10.0.0.1');
    expect(await limiter.blocked('admin', '10.0.0.1')).toMatchObject({ scope: 'address' });
    expect(await until('admin', '10.0.0.2')).toBeNull();
  });

  it(`closes for everyone after ${OVERALL_MAX_FAILURES} failures from many addresses within ${OVERALL_WINDOW_MS / 1000} s, and opens once they age`, async () => {
    const first = now;
    for (let i = 0; i < OVERALL_MAX_FAILURES; i++) await failTimes(1, `n${i}`, `10.1.${i >> 8}.${i & 255}`, 10);
    expect(await limiter.blocked('admin', '192.0.2.7')).toMatchObject({ scope: 'overall', until: first + OVERALL_WINDOW_MS });
    now = first + OVERALL_WINDOW_MS;
    expect(await until('admin', '192.0.2.7')).toBeNull();
  });

  it('keeps sign-in and password-change counts apart in a shared store', async () => {
    const store = new MemoryFailureStore();
    const logins = new LoginLimiter(() => now, {}, store, 'login');
    const changes = new LoginLimiter(() => now, {}, store, 'password');
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) await changes.fail('user-1', '10.0.0.1');
    expect(await changes.blocked('user-1', '10.0.0.1')).not.toBeNull();
    expect(await logins.blocked('user-1', '10.0.0.1')).toBeNull();
  });
});

describe('the in-memory failure store', () => {
  it('forgets the least recently failed keys beyond its size, and keeps at most the newest instants asked for', async () => {
    const store = new MemoryFailureStore(3);
    for (const k of ['a', 'b', 'c', 'd']) await store.add(k, 100, 0, 5);
    expect(await store.recent('a', 0)).toEqual([]);
    expect(await store.recent('d', 0)).toEqual([100]);
    for (let t = 1; t <= 10; t++) await store.add('d', 100 + t, 0, 4);
    expect(await store.recent('d', 0)).toEqual([107, 108, 109, 110]);
    expect(await store.recent('d', 108)).toEqual([109, 110]);
  });
});
