import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createDatabase, PG_MISSING, postgresAvailable, startPostgres } from './postgres';

/**
 * `npm run migration:generate:pg -- Name`: the PostgreSQL twin of a schema change. Starts a throw-away
 * PostgreSQL, brings a fresh database up to the existing PostgreSQL migrations, and has TypeORM write the
 * difference to the entities into apps/server/src/database/migrations/postgres/<timestamp>-Name.ts.
 */
async function main(): Promise<number> {
  const name = process.argv[2];
  if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    console.error('usage: npm run migration:generate:pg -- MigrationName   (PascalCase, as the SQLite migration is named)');
    return 2;
  }
  if (!postgresAvailable()) {
    console.error(PG_MISSING);
    return 2;
  }
  const root = resolve(__dirname, '..', '..', '..');
  const cli = require.resolve('typeorm/cli.js');
  const dataSource = join(root, 'dist', 'apps', 'server', 'src', 'database', 'data-source.js');
  const cluster = await startPostgres();
  try {
    const env = { ...process.env, DATABASE_URL: await createDatabase(cluster.url('postgres'), 'loa_gen') };
    execFileSync(process.execPath, [cli, 'migration:run', '-d', dataSource], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync(process.execPath, [cli, 'migration:generate', '-d', dataSource, join(root, 'apps', 'server', 'src', 'database', 'migrations', 'postgres', name)], { env, stdio: 'inherit' });
    return 0;
  } finally {
    cluster.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
