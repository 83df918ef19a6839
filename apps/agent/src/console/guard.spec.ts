import { isPrivateAddress, isSameOrigin, LoginLimiter } from './guard';
import { hashPin, pinProblem, verifyPin } from './pin';

describe('who may reach the console', () => {
  it('takes the commune hall’s own network and refuses any address from outside it', () => {
    for (const ok of ['192.168.1.20', '10.0.0.5', '172.16.0.1', '172.31.255.254', '127.0.0.1', '169.254.3.4', '::1', '::ffff:192.168.1.20', 'fd12:3456::1', 'fe80::1%eth0']) {
      expect([ok, isPrivateAddress(ok)]).toEqual([ok, true]);
    }
    for (const bad of ['8.8.8.8', '172.32.0.1', '172.15.255.255', '100.64.0.1', '::ffff:8.8.8.8', '2001:4860::8888', '', undefined, 'localhost', '192.168.1']) {
      expect([bad, isPrivateAddress(bad)]).toEqual([bad, false]);
    }
  });

  it('takes a change only from the console’s own pages', () => {
    expect(isSameOrigin({ host: '192.168.1.5:8080', origin: 'http://192.168.1.5:8080' })).toBe(true);
    expect(isSameOrigin({ host: '192.168.1.5:8080', 'sec-fetch-site': 'same-origin' })).toBe(true);
    expect(isSameOrigin({ host: '192.168.1.5:8080', origin: 'http://evil.example' })).toBe(false);
    expect(isSameOrigin({ host: '192.168.1.5:8080', origin: 'http://192.168.1.5:8081' })).toBe(false);
    expect(isSameOrigin({ host: '192.168.1.5:8080', origin: 'null' })).toBe(false);
    expect(isSameOrigin({ host: '192.168.1.5:8080', 'sec-fetch-site': 'cross-site' })).toBe(false);
    expect(isSameOrigin({ host: '192.168.1.5:8080' })).toBe(false);
    expect(isSameOrigin({ origin: 'http://192.168.1.5:8080' })).toBe(false);
  });
});

describe('PIN guessing', () => {
  it('gives an address five tries, then makes it wait longer after each wrong PIN; a right PIN clears it', () => {
    let now = 0;
    const limiter = new LoginLimiter({ now: () => now, lockMs: 30_000 });
    for (let i = 0; i < 4; i++) limiter.failed('192.168.1.9');
    expect(limiter.waitMs('192.168.1.9')).toBe(0);
    limiter.failed('192.168.1.9');
    expect(limiter.waitMs('192.168.1.9')).toBe(30_000);
    expect(limiter.waitMs('192.168.1.10')).toBe(0);
    now += 30_000;
    expect(limiter.waitMs('192.168.1.9')).toBe(0);
    limiter.failed('192.168.1.9');
    expect(limiter.waitMs('192.168.1.9')).toBe(60_000);
    limiter.succeeded('192.168.1.9');
    expect(limiter.waitMs('192.168.1.9')).toBe(0);
  });

  it('closes the door for everyone for a minute when many addresses guess at once', () => {
    let now = 0;
    const limiter = new LoginLimiter({ now: () => now, globalPerMinute: 30 });
    for (let i = 0; i < 30; i++) limiter.failed(`10.0.0.${i}`);
    expect(limiter.waitMs('10.0.1.1')).toBe(60_000);
    now += 60_000;
    expect(limiter.waitMs('10.0.1.1')).toBe(0);
  });

  it('keeps only a salted hash of the PIN and refuses PINs that are too easy', async () => {
    const a = await hashPin('482913');
    const b = await hashPin('482913');
    expect(a).not.toBe(b);
    expect(a).not.toContain('482913');
    expect(await verifyPin('482913', a)).toBe(true);
    expect(await verifyPin('482914', a)).toBe(false);
    expect(await verifyPin('482913', 'plain')).toBe(false);
    for (const bad of ['123', '1111', '123456', '98765', '12a456', '1234567890123']) expect(pinProblem(bad)).not.toBeNull();
    await expect(hashPin('0000')).rejects.toThrow(/dễ đoán/);
  });
});
