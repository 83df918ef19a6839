import { PlaybackEvent } from '@loa/protocol';
import type { AgentStore } from './store';

export interface OutboxEntry {
  seq: number;
  event: PlaybackEvent;
}

/**
 * Durable queue of playback events. `append` has committed when it returns, so an event the agent made
 * survives any crash after that point; it leaves only when the server acknowledges it.
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly store: AgentStore) {}

  /** Appends inside the caller's transaction when there is one (better-sqlite3 nests as a savepoint). */
  append(event: PlaybackEvent): void {
    const valid = PlaybackEvent.parse(event);
    this.store.db
      .prepare('INSERT OR IGNORE INTO outbox (id, json, created_at) VALUES (?, ?, ?)')
      .run(valid.id, JSON.stringify(valid), new Date().toISOString());
    if (!this.store.db.inTransaction) this.notify();
  }

  /** Tells listeners that events were appended inside a transaction that has now committed. */
  notify(): void {
    for (const l of this.listeners) l();
  }

  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Oldest first. */
  pending(limit = 500): OutboxEntry[] {
    const rows = this.store.db.prepare('SELECT seq, json FROM outbox ORDER BY seq LIMIT ?').all(limit) as {
      seq: number;
      json: string;
    }[];
    return rows.map((r) => ({ seq: r.seq, event: JSON.parse(r.json) as PlaybackEvent }));
  }

  count(): number {
    return (this.store.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  }

  /** Deletes the acknowledged events; unknown ids are ignored (a late or repeated ack). */
  ack(ids: readonly string[]): number {
    if (ids.length === 0) return 0;
    const del = this.store.db.prepare('DELETE FROM outbox WHERE id = ?');
    return this.store.transaction(() => ids.reduce((n, id) => n + del.run(id).changes, 0));
  }
}
