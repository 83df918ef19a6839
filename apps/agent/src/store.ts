import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ScheduleSnapshot } from '@loa/protocol';
import { BadInstantError, receiveSnapshot, type AgentSnapshot } from './schedule-items';

export type PlayStateKind = 'started' | 'done' | 'skipped';

export interface PlayStateRow {
  occurrenceId: string;
  slotId: string;
  plannedAt: string;
  state: PlayStateKind;
  startedAt: string | null;
  endedAt: string | null;
}

const MIGRATIONS: string[] = [
  `CREATE TABLE snapshot (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     version INTEGER NOT NULL,
     json TEXT NOT NULL,
     received_at TEXT NOT NULL
   );
   CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     json TEXT NOT NULL,
     created_at TEXT NOT NULL
   );
   CREATE TABLE play_state (
     occurrence_id TEXT PRIMARY KEY,
     slot_id TEXT NOT NULL,
     planned_at TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('started', 'done', 'skipped')),
     started_at TEXT,
     ended_at TEXT,
     updated_at TEXT NOT NULL
   );`,
  // Announcements made on the box's own console, and the level of each output it set.
  `CREATE TABLE local_airing (
     id TEXT PRIMARY KEY,
     json TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'playing', 'done', 'cancelled')),
     at TEXT NOT NULL,
     started_at TEXT,
     ended_at TEXT,
     created_at TEXT NOT NULL
   );
   CREATE INDEX local_airing_at ON local_airing (at);
   CREATE TABLE output_volume (
     output_id TEXT PRIMARY KEY,
     volume INTEGER NOT NULL CHECK (volume BETWEEN 0 AND 100)
   );`,
  // Normal items of the upper level the commune chose, on the box's console, not to air.
  `CREATE TABLE declined (
     occurrence_id TEXT PRIMARY KEY,
     reason TEXT NOT NULL,
     declined_at TEXT NOT NULL
   );`,
];

/**
 * The agent's one SQLite file. WAL + synchronous=FULL: a committed write survives a power cut, which is
 * what lets the outbox promise that an event, once appended, is sent eventually.
 */
export class AgentStore {
  readonly db: Database.Database;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    // Owner-only, like the server's database: the station's schedule and its unsent reports are nobody
    // else's on a shared machine. SQLite gives -wal and -shm the database file's own mode.
    closeSync(openSync(file, 'a', 0o600));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- schedule snapshot ----

  /** The saved snapshot (kept as the server sent it), with its instants read for the agent. */
  loadSnapshot(): AgentSnapshot | null {
    const row = this.db.prepare('SELECT json FROM snapshot WHERE id = 1').get() as { json: string } | undefined;
    if (!row) return null;
    // A row written by an older agent that no longer validates is treated as "no schedule yet".
    const parsed = ScheduleSnapshot.safeParse(JSON.parse(row.json));
    if (!parsed.success) return null;
    try {
      return receiveSnapshot(parsed.data);
    } catch (e) {
      if (e instanceof BadInstantError) return null;
      throw e;
    }
  }

  /** Stores the snapshot unless one with a higher version is already held; returns whether it was stored. */
  saveSnapshot(snapshot: ScheduleSnapshot, receivedAt: string): boolean {
    const result = this.db
      .prepare(
        `INSERT INTO snapshot (id, version, json, received_at) VALUES (1, @version, @json, @receivedAt)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, json = excluded.json, received_at = excluded.received_at
         WHERE excluded.version >= snapshot.version`,
      )
      .run({ version: snapshot.version, json: JSON.stringify(snapshot), receivedAt });
    return result.changes > 0;
  }

  // ---- play state ----

  playStates(): Map<string, PlayStateRow> {
    const rows = this.db
      .prepare(
        `SELECT occurrence_id AS occurrenceId, slot_id AS slotId, planned_at AS plannedAt, state,
                started_at AS startedAt, ended_at AS endedAt FROM play_state`,
      )
      .all() as PlayStateRow[];
    return new Map(rows.map((r) => [r.occurrenceId, r]));
  }

  setPlayState(row: PlayStateRow, updatedAt: string): void {
    this.db
      .prepare(
        `INSERT INTO play_state (occurrence_id, slot_id, planned_at, state, started_at, ended_at, updated_at)
         VALUES (@occurrenceId, @slotId, @plannedAt, @state, @startedAt, @endedAt, @updatedAt)
         ON CONFLICT (occurrence_id) DO UPDATE SET state = excluded.state, started_at = excluded.started_at,
           ended_at = excluded.ended_at, updated_at = excluded.updated_at`,
      )
      .run({ ...row, updatedAt });
  }

  /** Forgets play state for occurrences planned before `before`; the scheduler ignores those anyway. */
  prunePlayStates(before: string): number {
    return this.db.prepare('DELETE FROM play_state WHERE planned_at < ?').run(before).changes;
  }
}
