import { PlaybackEvent } from '@loa/protocol';
import { SyncedClock, type Clock } from './clock';
import { errorText } from './log';
import type { AgentStore } from './store';

export interface OutboxEntry {
  seq: number;
  event: PlaybackEvent;
}

/**
 * An error of the disk under the database (full, failing or read-only card, lock held too long), as
 * opposed to a bug in our own code. Told by SQLite's result code rather than the error's class, which a
 * test runner may load twice.
 */
export function isStorageError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(FULL|IOERR|READONLY|CORRUPT|CANTOPEN|BUSY|NOTADB)/.test(code);
}

/**
 * Durable queue of playback events. `append` has committed when it returns, so an event the agent made
 * survives any crash after that point; it leaves only when the server acknowledges it.
 *
 * When the disk refuses a write (full, failing card), `commit` holds the event in memory instead: it is
 * sent like the others and written as soon as the disk takes it again, so the station stays on the air
 * and loses only the crash-safety of those few events meanwhile.
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();
  private readonly held = new Map<string, PlaybackEvent>();
  private storageError: string | null = null;

  constructor(
    private readonly store: AgentStore,
    private readonly clock: Clock = new SyncedClock(),
  ) {}

  /** Appends inside the caller's transaction when there is one (better-sqlite3 nests as a savepoint). */
  append(event: PlaybackEvent): void {
    const valid = PlaybackEvent.parse(event);
    this.insert(valid);
    if (!this.store.db.inTransaction) this.notify();
  }

  /**
   * Commits `write` (the play state that goes with the event) and the event in one transaction. Returns
   * null, or the disk's error when the event could only be held in memory.
   */
  commit(event: PlaybackEvent, write: () => void): string | null {
    const valid = PlaybackEvent.parse(event);
    try {
      this.store.transaction(() => {
        write();
        this.insert(valid);
      });
      return null;
    } catch (e) {
      if (!isStorageError(e)) throw e;
      this.held.set(valid.id, valid);
      this.storageError = `Không ghi được vào bộ nhớ của trạm (ổ đĩa đầy hoặc hỏng?): ${errorText(e)}`;
      return this.storageError;
    }
  }

  /** Why events are being held in memory, while they are. */
  lastError(): string | null {
    return this.held.size > 0 ? this.storageError : null;
  }

  /** Tells listeners that events were appended inside a transaction that has now committed. */
  notify(): void {
    for (const l of this.listeners) l();
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Oldest first; events held in memory come last. */
  pending(limit = 500): OutboxEntry[] {
    this.writeHeld();
    const rows = this.store.db.prepare('SELECT seq, json FROM outbox ORDER BY seq LIMIT ?').all(limit) as {
      seq: number;
      json: string;
    }[];
    const entries = rows.map((r) => ({ seq: r.seq, event: JSON.parse(r.json) as PlaybackEvent }));
    for (const event of this.held.values()) if (entries.length < limit) entries.push({ seq: Number.MAX_SAFE_INTEGER, event });
    return entries;
  }

  count(): number {
    return (this.store.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n + this.held.size;
  }

  /**
   * Deletes the acknowledged events; unknown ids are ignored (a late or repeated ack). When the disk
   * refuses even the delete, the rows stay and are sent again later, which the server takes as a no-op.
   */
  ack(ids: readonly string[]): number {
    if (ids.length === 0) return 0;
    let n = 0;
    for (const id of ids) if (this.held.delete(id)) n++;
    const del = this.store.db.prepare('DELETE FROM outbox WHERE id = ?');
    try {
      return n + this.store.transaction(() => ids.reduce((sum, id) => sum + del.run(id).changes, 0));
    } catch (e) {
      if (!isStorageError(e)) throw e;
      return n;
    }
  }

  private insert(event: PlaybackEvent): void {
    this.store.db
      .prepare('INSERT OR IGNORE INTO outbox (id, json, created_at) VALUES (?, ?, ?)')
      .run(event.id, JSON.stringify(event), new Date(this.clock.systemNow()).toISOString());
  }

  /** Moves held events into the database once it takes writes again. */
  private writeHeld(): void {
    if (this.held.size === 0) return;
    try {
      this.store.transaction(() => {
        for (const event of this.held.values()) this.insert(event);
      });
      this.held.clear();
      this.storageError = null;
    } catch (e) {
      if (!isStorageError(e)) throw e;
    }
  }
}
