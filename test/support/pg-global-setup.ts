import { PgCluster, startPostgres } from './postgres';

/**
 * With LOA_TEST_DB=postgres, one PostgreSQL cluster serves the whole run; each spec file makes its own
 * database in it (test-db.ts). Otherwise nothing happens and the specs use SQLite files.
 */
export default async function pgGlobalSetup(): Promise<void> {
  if (process.env.LOA_TEST_DB !== 'postgres') return;
  const cluster = await startPostgres();
  (globalThis as { loaPgCluster?: PgCluster }).loaPgCluster = cluster;
  process.env.LOA_TEST_PG_URL = cluster.url('postgres');
}
