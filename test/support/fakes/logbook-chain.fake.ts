import type { Tx } from '../../../apps/server/src/database/unit-of-work';
import { lineKey, type LineKey, type LineStream, type LogbookChainRepository, type StoredHead, type WrittenLine, type WrittenSeal } from '../../../apps/server/src/logbook/logbook-chain.repository';
import type { PublicPart } from './fakes';

/**
 * The logbook's chains in memory. A transaction is whatever object the caller hands in: what it wrote
 * shows once `commit(tx)` is called, and `rollback(tx)` drops it, as a database would.
 */
export class InMemoryLogbookChain implements PublicPart<LogbookChainRepository> {
  readonly lines: WrittenLine[] = [];
  readonly seals: WrittenSeal[] = [];
  readonly locked: string[][] = [];
  private readonly open = new Map<Tx, { lines: WrittenLine[]; seals: WrittenSeal[]; onCommit: (() => void)[] }>();

  private work(tx: Tx) {
    let w = this.open.get(tx);
    if (!w) this.open.set(tx, (w = { lines: [], seals: [], onCommit: [] }));
    return w;
  }

  commit(tx: Tx): void {
    const w = this.work(tx);
    this.open.delete(tx);
    this.lines.push(...w.lines);
    this.seals.push(...w.seals);
    for (const fn of w.onCommit) fn();
  }

  rollback(tx: Tx): void {
    this.open.delete(tx);
  }

  afterCommit(tx: Tx, fn: () => void): void {
    this.work(tx).onCommit.push(fn);
  }

  async lockChains(_tx: Tx, stationIds: Iterable<string>): Promise<void> {
    this.locked.push([...new Set(stationIds)].sort());
  }

  async heads(tx: Tx, pairs: readonly { stationId: string; year: number }[]): Promise<StoredHead[]> {
    const w = this.work(tx);
    const lines = [...this.lines, ...w.lines];
    const seals = [...this.seals, ...w.seals];
    return pairs.map(({ stationId, year }) => {
      const mine = lines.filter((l) => l.stationId === stationId);
      const last = mine.reduce<WrittenLine | null>((a, l) => (!a || l.chainPos > a.chainPos ? l : a), null);
      return {
        stationId,
        year,
        last: last ? { chainPos: last.chainPos, lineHash: last.lineHash, createdAt: last.createdAt } : null,
        sealedPos: Math.max(0, ...seals.filter((s) => s.stationId === stationId).map((s) => s.lastChainPos)),
        lastNumber: Math.max(0, ...mine.filter((l) => l.year === year).map((l) => l.number)),
      };
    });
  }

  async storedKeys(tx: Tx, keys: readonly LineKey[]): Promise<Set<string>> {
    const stored = new Set([...this.lines, ...this.work(tx).lines].map((l) => lineKey(l.stationId, l.occurrenceId, l.revision)));
    return new Set(keys.map((k) => lineKey(k.stationId, k.occurrenceId, k.revision)).filter((k) => stored.has(k)));
  }

  async stationsWithLines(tx: Tx): Promise<string[]> {
    return [...new Set([...this.lines, ...this.work(tx).lines].map((l) => l.stationId))];
  }

  async insertLines(tx: Tx, rows: readonly WrittenLine[]): Promise<void> {
    this.work(tx).lines.push(...rows.map((r) => ({ ...r })));
  }

  /** Sent lines are stored (in the transaction) as they come, as a COPY loads them; an aborted stream's transaction is rolled back by its caller. */
  streamLines(tx: Tx): LineStream {
    return {
      send: async (rows, from, to) => {
        for (let k = from; k < to; k++) this.work(tx).lines.push({ ...rows[k] });
      },
      end: async () => undefined,
      abort: async () => undefined,
    };
  }

  async insertSeals(tx: Tx, seals: readonly WrittenSeal[]): Promise<void> {
    this.work(tx).seals.push(...seals.map((s) => ({ ...s })));
  }
}
