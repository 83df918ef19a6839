import { join } from 'node:path';
import { types as pgTypes } from 'pg';
import { parseInstant } from '@loa/protocol';
import { randomUUID } from 'node:crypto';
import { DataSource, DataSourceOptions, InsertEvent, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { AuditContext, registerAuditFunctions } from '../audit/audit-context';
import { storeInstantsAs } from '../common/columns';
import type { DatabaseSettings } from '../config/app-config';

const ENTITIES = [join(__dirname, '..', '**', '*.entity.{ts,js}')];

/**
 * The database. SQLite through better-sqlite3 (the embedded default), in WAL mode; or PostgreSQL when
 * DATABASE_URL names one. Each engine has its own migrations: `migrations/` for SQLite, `migrations/postgres/`
 * for PostgreSQL (README: "Adding a migration").
 */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  if (settings.engine === 'postgres') return postgresOptions(settings.url);
  storeInstantsAs('iso-text');
  return {
    type: 'better-sqlite3',
    database: settings.path,
    entities: ENTITIES,
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

const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMPTZ = 1184;

/**
 * What PostgreSQL hands back, in the forms the code already uses with SQLite: an instant as the ISO-8601 UTC
 * string (from raw queries too, not only entities), and counts and sums as numbers (they stay far below 2^53).
 */
function pgTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === TIMESTAMPTZ) return instantFromPostgres;
  if (oid === INT8 || oid === NUMERIC) return Number;
  return format === 'binary' ? pgTypes.getTypeParser(oid, 'binary') : pgTypes.getTypeParser(oid, 'text');
}

/** '2026-11-24 22:30:00.12+00' (or '+05:30', '+07') → '2026-11-24T22:30:00.120Z'. */
export function instantFromPostgres(text: string): string {
  const at = parseInstant(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  if (at === null) throw new Error(`unexpected timestamptz ${text}`);
  return at;
}

function postgresOptions(url: string): DataSourceOptions {
  storeInstantsAs('timestamptz');
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [join(__dirname, 'migrations', 'postgres', '*.{ts,js}')],
    // Run by openDatabase under an advisory lock, so instances starting together migrate one at a time.
    migrationsRun: false,
    synchronize: false,
    extra: { types: { getTypeParser: pgTypeParser }, options: '-c TimeZone=UTC' },
  };
}

/**
 * A data source for these options. On PostgreSQL the generated ids (`@PrimaryGeneratedColumn('uuid')`) are
 * text made by the server, as on SQLite, rather than the `uuid` type with a column default: the columns that
 * refer to them are text, and PostgreSQL compares uuid with text only by an explicit cast, in every join and
 * every lookup by a value from outside (a malformed id would be an error instead of "not found").
 */
export function createDataSource(options: DataSourceOptions): DataSource {
  const db = new DataSource(options);
  if (options.type !== 'postgres') return db;
  const madeHere = new WeakSet<ColumnMetadata>();
  const target = db as unknown as { buildMetadatas(): Promise<void> };
  const build = target.buildMetadatas.bind(db);
  target.buildMetadatas = async () => {
    await build();
    for (const entity of db.entityMetadatas) {
      for (const column of entity.columns) {
        if (column.generationStrategy !== 'uuid') continue;
        Object.assign(column, { type: 'varchar', isGenerated: false, generationStrategy: undefined });
        madeHere.add(column);
      }
    }
    db.subscribers.push({
      beforeInsert(event: InsertEvent<ObjectLiteral>) {
        const row = event.entity as ObjectLiteral | undefined;
        if (!row) return;
        for (const column of event.metadata.primaryColumns) {
          if (madeHere.has(column) && column.getEntityValue(row) === undefined) column.setEntityValue(row, randomUUID());
        }
      },
    });
  };
  passAuditActor(db);
  return db;
}

/** For the TypeORM CLI (`npm run migration:generate`, `npm run migration:generate:pg`). */
export default createDataSource(
  dataSourceOptions(
    process.env.DATABASE_URL
      ? { engine: 'postgres', url: process.env.DATABASE_URL }
      : { engine: 'sqlite', path: process.env.LOA_DB ?? join(process.cwd(), 'data', 'loa.sqlite') },
  ),
);

/** Any number will do as long as nothing else in the database takes the same advisory lock. */
const MIGRATION_LOCK = 7_305_104_121;

/**
 * Connects and brings the schema up to date. On PostgreSQL the migrations run under a session advisory
 * lock, so of several instances starting at once one migrates and the others wait, then find nothing to do.
 */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  const db = createDataSource(options);
  await db.initialize();
  if (options.type === 'postgres') {
    const runner = db.createQueryRunner();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await db.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
      await runner.release();
    }
  }
  serialiseTransactions(db);
  return db;
}

const WRITE = /^\s*(INSERT|UPDATE|DELETE)\b/i;

/**
 * The PostgreSQL audit triggers read the acting user from `loa.actor`, set for each transaction only
 * (`set_config(…, true)`), so a pooled connection never carries one request's actor into another's work.
 * Every transaction opened while a request is being served sets it first; a lone INSERT, UPDATE or DELETE
 * issued outside a transaction is wrapped in one so it is attributed too.
 */
function passAuditActor(db: DataSource): void {
  const driver = db.driver;
  const create = driver.createQueryRunner.bind(driver);
  driver.createQueryRunner = (mode) => {
    const runner = create(mode);
    const start = runner.startTransaction.bind(runner);
    const query = runner.query.bind(runner) as (sql: string, params?: unknown[], structured?: boolean) => Promise<unknown>;
    runner.startTransaction = async (isolation) => {
      const outermost = !runner.isTransactionActive;
      await start(isolation);
      const actor = AuditContext.current();
      if (outermost && actor) await query(`SELECT set_config('loa.actor', $1, true)`, [JSON.stringify(actor)]);
    };
    const wrapped = async (sql: string, params?: unknown[], structured?: boolean): Promise<unknown> => {
      if (runner.isTransactionActive || !AuditContext.current() || !WRITE.test(sql)) return query(sql, params, structured);
      await runner.startTransaction();
      try {
        const result = await query(sql, params, structured);
        await runner.commitTransaction();
        return result;
      } catch (err) {
        await runner.rollbackTransaction().catch(() => undefined);
        throw err;
      }
    };
    Object.assign(runner, { query: wrapped });
    return runner;
  };
}

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
