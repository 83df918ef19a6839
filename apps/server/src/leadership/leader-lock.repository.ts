import { Client } from 'pg';
import type { DatabaseSettings } from '../config/app-config';

/** A database session that can hold the leader's lock; the lock lives exactly as long as the session. */
export interface LockSession {
  /** True when this session now holds the lock (or already held it). */
  tryLock(): Promise<boolean>;
  /** Fails when the session is gone (and so is any lock it held). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Called once when the session ends by itself (server restart, connection cut, backend terminated). */
  onLost(listener: (err: Error) => void): void;
}

/** Any number will do as long as nothing else in the database takes the same advisory lock. */
export const LEADER_LOCK = 7_305_104_122;

/** A dedicated connection to `url` holding LEADER_LOCK at session level. */
export async function postgresLockSession(url: string): Promise<LockSession> {
  const client = new Client({ connectionString: url, application_name: 'loa-leadership', keepAlive: true, connectionTimeoutMillis: 10_000 });
  const lost: Array<(err: Error) => void> = [];
  let ended = false;
  const end = (err: Error) => {
    if (ended) return;
    ended = true;
    for (const l of lost) l(err);
  };
  client.on('error', (err) => end(err));
  client.on('end', () => end(new Error('connection closed')));
  await client.connect();
  return {
    async tryLock() {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LEADER_LOCK]);
      return rows[0]?.locked === true;
    },
    async ping() {
      await client.query('SELECT 1');
    },
    async close() {
      ended = true;
      await client.end();
    },
    onLost(listener) {
      lost.push(listener);
    },
  };
}

/**
 * How this deployment's engine gives the leader's lock: PostgreSQL opens a session per try (see
 * `postgresLockSession`); SQLite has no advisory locks and needs none, since one process is the whole
 * deployment, so there is nothing to connect to.
 */
export function leaderLockSessions(database: DatabaseSettings): (() => Promise<LockSession>) | null {
  if (database.engine !== 'postgres') return null;
  const url = database.url;
  return () => postgresLockSession(url);
}
