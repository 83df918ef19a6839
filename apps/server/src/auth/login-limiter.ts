/** Failed sign-ins allowed per user name and address within the window, before sign-in is refused. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;
/** Beyond this many tracked pairs the oldest are forgotten, so a flood of names cannot exhaust memory. */
const MAX_TRACKED = 10_000;

/**
 * Counts failed sign-ins per (user name, address) in a sliding window. In memory: one server process
 * answers sign-ins, and a restart forgetting the counts costs an attacker nothing they did not have.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly now: () => number,
    private readonly maxFailures = LOGIN_MAX_FAILURES,
    private readonly windowMs = LOGIN_WINDOW_MS,
  ) {}

  /** When sign-in is blocked: the instant it opens again (ms), or null when it is open now. */
  blockedUntil(username: string, address: string): number | null {
    const recent = this.recent(key(username, address));
    if (recent.length < this.maxFailures) return null;
    return recent[recent.length - this.maxFailures] + this.windowMs;
  }

  fail(username: string, address: string): void {
    const k = key(username, address);
    const recent = this.recent(k);
    recent.push(this.now());
    this.failures.delete(k);
    this.failures.set(k, recent);
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(username: string, address: string): void {
    this.failures.delete(key(username, address));
  }

  private recent(k: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(k) ?? []).filter((t) => t > since);
    if (list.length) this.failures.set(k, list);
    else this.failures.delete(k);
    return list;
  }
}

function key(username: string, address: string): string {
  return `${username.trim().toLowerCase()}\u0000${address}`;
}
