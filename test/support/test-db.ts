import { createDatabase } from './postgres';

/** The engine the integration specs run on: SQLite files by default, PostgreSQL with LOA_TEST_DB=postgres. */
export const TEST_ENGINE: 'sqlite' | 'postgres' = process.env.LOA_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** Settings that point a test server at a fresh database on the engine under test (none for SQLite: DATA_DIR has it). */
export async function testDatabaseEnv(): Promise<Record<string, string>> {
  if (TEST_ENGINE === 'sqlite') return {};
  const admin = process.env.LOA_TEST_PG_URL;
  if (!admin) throw new Error('LOA_TEST_DB=postgres needs the cluster from test/support/pg-global-setup.ts (run `npm run test:pg`)');
  return { DATABASE_URL: await createDatabase(admin) };
}
