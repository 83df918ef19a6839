import { isIP } from 'node:net';
import { systemNow } from '../clock';

/**
 * Addresses of the station's own network: RFC 1918, loopback, link-local, IPv6 unique-local and link-local
 * (and IPv4 written as IPv6). Anything else reaching the console came from outside the commune hall.
 */
export function isPrivateAddress(address: string | undefined): boolean {
  if (!address) return false;
  let a = address.toLowerCase().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped) a = mapped[1];
  const kind = isIP(a);
  if (kind === 4) {
    const [p, q] = a.split('.').map(Number);
    return p === 10 || p === 127 || (p === 172 && q >= 16 && q <= 31) || (p === 192 && q === 168) || (p === 169 && q === 254);
  }
  if (kind === 6) {
    if (a === '::1') return true;
    const head = Number.parseInt(a.split(':')[0] || '0', 16);
    return (head & 0xfe00) === 0xfc00 || (head & 0xffc0) === 0xfe80;
  }
  return false;
}

/**
 * A request that changes something must come from a page of the console itself: its Origin (or, from
 * browsers that send none, Sec-Fetch-Site) must name this very host. A page elsewhere on the LAN or the
 * internet cannot then drive a logged-in operator's browser.
 */
export function isSameOrigin(headers: { host?: string; origin?: string; 'sec-fetch-site'?: string }): boolean {
  const host = headers.host;
  if (!host) return false;
  if (headers.origin !== undefined) {
    if (!URL.canParse(headers.origin)) return false;
    const origin = new URL(headers.origin);
    return (origin.protocol === 'http:' || origin.protocol === 'https:') && origin.host === host.toLowerCase();
  }
  return headers['sec-fetch-site'] === 'same-origin';
}

export interface LimiterOptions {
  /** Wrong PINs allowed from one address before it must wait. */
  freeTries: number;
  /** The first wait; each further wrong PIN doubles it, up to maxLockMs. */
  lockMs: number;
  maxLockMs: number;
  /** Wrong PINs from all addresses together within a minute before every login waits (many phones, one guesser). */
  globalPerMinute: number;
  now: () => number;
}

/**
 * Slows PIN guessing: each address has a few free tries, then waits that double with every wrong PIN; a
 * flood from many addresses at once closes the door for everyone for a minute. A right PIN clears the address.
 */
export class LoginLimiter {
  private readonly o: LimiterOptions;
  private readonly byAddress = new Map<string, { failures: number; until: number }>();
  private recent: number[] = [];
  private globalUntil = 0;

  constructor(options: Partial<LimiterOptions> = {}) {
    this.o = { freeTries: 5, lockMs: 30_000, maxLockMs: 3600_000, globalPerMinute: 30, now: systemNow, ...options };
  }

  /** Milliseconds this address must still wait before it may try a PIN; 0 when it may. */
  waitMs(address: string): number {
    const now = this.o.now();
    const own = this.byAddress.get(address);
    return Math.max(0, (own?.until ?? 0) - now, this.globalUntil - now);
  }

  failed(address: string): void {
    const now = this.o.now();
    const own = this.byAddress.get(address) ?? { failures: 0, until: 0 };
    own.failures++;
    if (own.failures >= this.o.freeTries) own.until = now + Math.min(this.o.maxLockMs, this.o.lockMs * 2 ** (own.failures - this.o.freeTries));
    this.byAddress.set(address, own);
    this.recent = this.recent.filter((t) => now - t < 60_000);
    this.recent.push(now);
    if (this.recent.length >= this.o.globalPerMinute) this.globalUntil = now + 60_000;
    // A flood from many addresses must not grow the table without end.
    if (this.byAddress.size > 10_000) this.byAddress.delete(this.byAddress.keys().next().value as string);
  }

  succeeded(address: string): void {
    this.byAddress.delete(address);
  }
}
