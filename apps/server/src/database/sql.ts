import type { DataSource, EntityManager } from 'typeorm';

/** The engines Loa runs on. Hand-written SQL lives in repositories and is written for both. */
export type Engine = 'sqlite' | 'postgres';

export function engineOf(db: EntityManager | DataSource): Engine {
  const source = 'connection' in db ? db.connection : db;
  return source.options.type === 'postgres' ? 'postgres' : 'sqlite';
}

/** Numbered bind parameters as the engine writes them: `?` on SQLite, `$1`, `$2`… on PostgreSQL. */
export function binder(engine: Engine): () => string {
  let n = 0;
  return engine === 'postgres' ? () => `$${++n}` : () => '?';
}
