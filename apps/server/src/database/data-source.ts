import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { registerAuditFunctions } from '../audit/audit-context';

/**
 * The database: SQLite through better-sqlite3, in WAL mode, with migrations run at start-up.
 * Every query goes through TypeORM, so another engine can be chosen here by configuration alone.
 */
export function dataSourceOptions(databasePath: string): DataSourceOptions {
  return {
    type: 'better-sqlite3',
    database: databasePath,
    entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')],
    migrations: [join(__dirname, 'migrations', '*.{ts,js}')],
    migrationsRun: true,
    synchronize: false,
    // WAL lets readers go on while a writer commits; FULL makes every acknowledged commit survive a power cut.
    prepareDatabase: (db: { pragma(sql: string): unknown } & Parameters<typeof registerAuditFunctions>[0]) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // The audit triggers ask it who is making each change.
      registerAuditFunctions(db);
    },
  };
}

/** For the TypeORM CLI (`npm run migration:generate`). */
export default new DataSource(dataSourceOptions(process.env.LOA_DB ?? join(process.cwd(), 'data', 'loa.sqlite')));

/**
 * better-sqlite3 gives TypeORM one connection, shared by every request: two transactions that overlap in
 * time would both BEGIN on it and the second fails ("cannot start a transaction within a transaction").
 * SQLite has a single writer anyway, so transactions are queued and run one after another. Inside a
 * transaction, use its own manager (`m`), never `dataSource.transaction` again.
 */
export function serialiseTransactions(db: DataSource): void {
  if (db.options.type !== 'better-sqlite3') return;
  const manager = db.manager;
  const original = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  const queued = (...args: unknown[]): Promise<unknown> => {
    const run = tail.then(() => original(...args));
    tail = run.catch(() => undefined);
    return run;
  };
  Object.assign(manager, { transaction: queued });
}
