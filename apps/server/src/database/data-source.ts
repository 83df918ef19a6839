import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';

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
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    },
  };
}

/** For the TypeORM CLI (`npm run migration:generate`). */
export default new DataSource(dataSourceOptions(process.env.LOA_DB ?? join(process.cwd(), 'data', 'loa.sqlite')));
