/**
 * Server time as the agent sees it. Start instants are planned in server time, so every timing decision
 * goes through `serverNow()`; the offset comes from NTP-style ping/pong exchanges over the link.
 */
export interface Clock {
  /** Local time, epoch ms with sub-millisecond resolution; monotonic within the process. */
  localNow(): number;
  /** Local time corrected by the estimated offset to the server. */
  serverNow(): number;
  /** Estimated server − local, in ms. */
  offsetMs(): number;
  /** The box's own wall clock, epoch ms: what logs and files on the box are stamped with; it may jump. */
  systemNow(): number;
}

/** performance.now() is monotonic and sub-millisecond; Date.now() can jump and is whole ms. */
export function hiResNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The system clock as the operating system keeps it. */
export function systemNow(): number {
  return Date.now();
}

export interface ClockSample {
  /** Agent clock when the ping left. */
  t0: number;
  /** Server clock when the ping arrived. */
  t1: number;
  /** Server clock when the pong left. */
  t2: number;
  /** Agent clock when the pong arrived. */
  t3: number;
}

export interface OffsetEstimate {
  offsetMs: number;
  roundTripMs: number;
}

/**
 * The sample with the smallest round trip carries the least queueing delay, so its symmetric-path
 * assumption is the least wrong.
 */
export function estimateOffset(samples: readonly ClockSample[]): OffsetEstimate | null {
  let best: OffsetEstimate | null = null;
  for (const s of samples) {
    const roundTripMs = s.t3 - s.t0 - (s.t2 - s.t1);
    if (!Number.isFinite(roundTripMs) || roundTripMs < 0) continue;
    const offsetMs = (s.t1 - s.t0 + (s.t2 - s.t3)) / 2;
    if (!best || roundTripMs < best.roundTripMs) best = { offsetMs, roundTripMs };
  }
  return best;
}

export class SyncedClock implements Clock {
  private readonly samples: ClockSample[] = [];
  private offset = 0;
  private roundTrip: number | null = null;

  constructor(
    private readonly local: () => number = hiResNow,
    /** How many recent samples compete; old ones age out so a drifting local clock is followed. */
    private readonly window = 16,
    private readonly system: () => number = systemNow,
  ) {}

  localNow(): number {
    return this.local();
  }

  serverNow(): number {
    return this.local() + this.offset;
  }

  offsetMs(): number {
    return this.offset;
  }

  systemNow(): number {
    return this.system();
  }

  hasSamples(): boolean {
    return this.samples.length > 0;
  }

  /** The round trip of the exchange the offset comes from; null before the first one. */
  roundTripMs(): number | null {
    return this.roundTrip;
  }

  /** Adds one exchange and returns how far the offset moved (0 when it did not). */
  addSample(sample: ClockSample): number {
    this.samples.push(sample);
    if (this.samples.length > this.window) this.samples.splice(0, this.samples.length - this.window);
    const estimate = estimateOffset(this.samples);
    if (!estimate) return 0;
    const moved = estimate.offsetMs - this.offset;
    this.offset = estimate.offsetMs;
    this.roundTrip = estimate.roundTripMs;
    return moved;
  }
}

/** A clock driven by hand, for tests. */
export class FakeClock implements Clock {
  constructor(
    public local = 0,
    public offset = 0,
  ) {}
  localNow(): number {
    return this.local;
  }
  serverNow(): number {
    return this.local + this.offset;
  }
  offsetMs(): number {
    return this.offset;
  }
  systemNow(): number {
    return this.local;
  }
  advance(ms: number): void {
    this.local += ms;
  }
}
