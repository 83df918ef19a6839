interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Answers lookups by key with one load per batch: the keys asked within `gatherMs` of the first, and while
 * a batch is out, go together in the next, at most `max` at a time, one batch after another. Agents
 * that reconnect together (an instance died, thousands of them come to this one) then cost a few queries
 * instead of a few each, and hold one connection of the pool at a time, leaving the others to the live
 * relay's lease, the events' acknowledgements and the staff.
 */
export class Batched<K, V> {
  private readonly waiting = new Map<K, Waiter<V>[]>();
  private running = false;
  private loads = 0;

  constructor(
    private readonly load: (keys: K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly max = 500,
    /** How long the first key of a batch waits for others: connections of a storm arrive over many turns of the loop. */
    private readonly gatherMs = 0,
  ) {}

  /** The value of `key`, or undefined when the load found none. */
  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (this.running) return;
      this.running = true;
      if (this.gatherMs > 0) setTimeout(() => void this.drain(), this.gatherMs);
      else setImmediate(() => void this.drain());
    });
  }

  /** How many loads ran since this was made. */
  get loadCount(): number {
    return this.loads;
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.size) {
        const keys = [...this.waiting.keys()].slice(0, this.max);
        const waiters = keys.map((k) => {
          const w = this.waiting.get(k)!;
          this.waiting.delete(k);
          return w;
        });
        this.loads++;
        try {
          const found = await this.load(keys);
          keys.forEach((k, i) => {
            for (const w of waiters[i]) w.resolve(found.get(k));
          });
        } catch (err) {
          for (const w of waiters.flat()) w.reject(err);
        }
        // What came meanwhile goes next, once the sockets waiting behind this batch have been read.
        if (this.waiting.size) await new Promise((r) => (this.gatherMs > 0 ? setTimeout(r, this.gatherMs) : setImmediate(r)));
      }
    } finally {
      this.running = false;
    }
  }
}
