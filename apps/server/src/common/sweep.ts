/**
 * Visits every member of a changing set once per period, a slice on each tick, so work owed to each of
 * thousands of connections (a keep-alive ping, a fresh schedule) never lands in one burst that would
 * hold up the live audio behind it. Each period starts from the members of that moment; one that joins
 * during a period waits for the next, one that leaves is skipped by `visit` itself.
 */
export class Sweep<T> {
  private round: T[] = [];
  private next = 0;
  private tick = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly ticksPerPeriod: number;

  constructor(
    private readonly members: () => Iterable<T>,
    periodMs: number,
    private readonly visit: (member: T) => void,
    private readonly tickMs = 1000,
  ) {
    this.ticksPerPeriod = Math.max(1, Math.round(periodMs / tickMs));
  }

  start(): void {
    this.timer ??= setInterval(() => this.step(), this.tickMs).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One tick: a new period takes the members of now; every tick visits its share of them. */
  step(): void {
    const phase = this.tick++ % this.ticksPerPeriod;
    if (phase === 0) {
      this.round = [...this.members()];
      this.next = 0;
    }
    // Spread what is left over the ticks left, so the last tick of a period ends it.
    const share = Math.ceil((this.round.length - this.next) / (this.ticksPerPeriod - phase));
    const end = Math.min(this.round.length, this.next + share);
    for (; this.next < end; this.next++) this.visit(this.round[this.next]);
    if (this.next === this.round.length) this.round = [];
  }
}
