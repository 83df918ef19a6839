/** Failed sign-ins allowed per user name and address within the window, before sign-in is refused. */
export const LOGIN_MAX_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;
/** Failures from one address, whatever the names tried (an office behind one NAT shares an address). */
export const ADDRESS_MAX_FAILURES = 30;
/** Failures from everywhere within OVERALL_WINDOW_MS, so many addresses together are limited too. */
export const OVERALL_MAX_FAILURES = 300;
export const OVERALL_WINDOW_MS = 60_000;

/**
 * Where failure instants are kept. In memory for one server process; a store shared by several server
 * instances (a key-value bucket, a database table) implements the same three calls.
 */
export interface FailureStore {
  /** The failure instants (ms) kept under `key` that are later than `since`, oldest first. */
  recent(key: string, since: number): Promise<number[]>;
  /** Records a failure at `at`; instants at or before `since` are no longer needed; at most `keep` newest matter. */
  add(key: string, at: number, since: number, keep: number): Promise<void>;
  clear(key: string): Promise<void>;
}

/** Beyond this many keys the least recently failed are forgotten, so a flood of names cannot exhaust memory. */
const MAX_TRACKED = 10_000;

export class MemoryFailureStore implements FailureStore {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly maxKeys = MAX_TRACKED) {}

  recent(key: string, since: number): Promise<number[]> {
    return Promise.resolve(this.live(key, since));
  }

  add(key: string, at: number, since: number, keep: number): Promise<void> {
    const list = this.live(key, since);
    list.push(at);
    if (list.length > keep) list.splice(0, list.length - keep);
    // Re-inserting keeps the map in order of last failure, so the oldest key is the first to go.
    this.failures.delete(key);
    this.failures.set(key, list);
    while (this.failures.size > this.maxKeys) this.failures.delete(this.failures.keys().next().value!);
    return Promise.resolve();
  }

  clear(key: string): Promise<void> {
    this.failures.delete(key);
    return Promise.resolve();
  }

  private live(key: string, since: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (!list.length) this.failures.delete(key);
    return list;
  }
}

export interface LimiterLimits {
  /** Per user name (or account) and address. */
  perName: number;
  perNameWindowMs: number;
  perAddress: number;
  perAddressWindowMs: number;
  overall: number;
  overallWindowMs: number;
}

export const DEFAULT_LIMITS: LimiterLimits = {
  perName: LOGIN_MAX_FAILURES,
  perNameWindowMs: LOGIN_WINDOW_MS,
  perAddress: ADDRESS_MAX_FAILURES,
  perAddressWindowMs: LOGIN_WINDOW_MS,
  overall: OVERALL_MAX_FAILURES,
  overallWindowMs: OVERALL_WINDOW_MS,
};

/** Which limit closed, and until when (ms). */
export interface Block {
  until: number;
  scope: 'name' | 'address' | 'overall';
}

/**
 * Counts failed password checks three ways in sliding windows: per (name, address), per address whatever
 * the name, and overall. Random names from one address meet the address limit; many addresses meet the
 * overall one. `kind` keeps sign-in and password-change counts apart for the same name.
 */
export class LoginLimiter {
  private readonly limits: LimiterLimits;

  constructor(
    private readonly now: () => number,
    limits: Partial<LimiterLimits> = {},
    private readonly store: FailureStore = new MemoryFailureStore(),
    private readonly kind = 'login',
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** When a check is refused: the limit that closed and until when; null when open now. */
  async blocked(name: string, address: string): Promise<Block | null> {
    const blocks: Block[] = [];
    for (const [key, max, windowMs, scope] of this.windows(name, address)) {
      const recent = await this.store.recent(key, this.now() - windowMs);
      if (recent.length >= max) blocks.push({ until: recent[recent.length - max] + windowMs, scope });
    }
    return blocks.reduce<Block | null>((last, b) => (last === null || b.until > last.until ? b : last), null);
  }

  async fail(name: string, address: string): Promise<void> {
    const at = this.now();
    for (const [key, max, windowMs] of this.windows(name, address)) await this.store.add(key, at, at - windowMs, max);
  }

  /** A success forgets the name's failures only: the address and overall counts stay, or one good account would reset them. */
  async succeed(name: string, address: string): Promise<void> {
    await this.store.clear(this.windows(name, address)[0][0]);
  }

  private windows(name: string, address: string): [string, number, number, Block['scope']][] {
    const l = this.limits;
    return [
      [`${this.kind}:name:${name.trim().toLowerCase()}\u0000${address}`, l.perName, l.perNameWindowMs, 'name'],
      [`${this.kind}:addr:${address}`, l.perAddress, l.perAddressWindowMs, 'address'],
      [`${this.kind}:all`, l.overall, l.overallWindowMs, 'overall'],
    ];
  }
}
