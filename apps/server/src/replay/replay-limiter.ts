import { MemoryFailureStore } from '../auth/login-limiter';

const MINUTE = 60_000;

/**
 * Requests per address in a sliding minute, for the public pages anyone can call. Kept in this process:
 * with several instances behind a proxy each counts its own share, which still bounds a scraper.
 */
export class ReplayLimiter {
  private readonly hits = new MemoryFailureStore();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {}

  /** Counts the request; when the address is over its allowance, the seconds until one more is allowed. */
  async admit(address: string): Promise<number | null> {
    const now = this.now();
    const key = `replay:${address}`;
    const recent = await this.hits.recent(key, now - MINUTE);
    if (recent.length >= this.perMinute) return Math.max(1, Math.ceil((recent[recent.length - this.perMinute] + MINUTE - now) / 1000));
    await this.hits.add(key, now, now - MINUTE, this.perMinute);
    return null;
  }
}
