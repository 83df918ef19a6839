import { Client } from 'pg';
import { createDatabase, PG_MISSING, postgresAvailable, startPostgres, type PgCluster } from '../../../../test/support/postgres';
import { postgresLockSession } from './leader-lock.repository';
import { AdvisoryLockLeadership } from './leadership';

const quiet = { log: () => undefined, warn: () => undefined };
const RETRY_MS = 500;
/** A follower tries every RETRY_MS; allow a few tries on a busy machine. */
const TAKEOVER_BOUND_MS = 10 * RETRY_MS;

const shared = process.env.LOA_TEST_PG_URL;
if (!shared && !postgresAvailable()) console.warn(PG_MISSING);
const describePg = shared || postgresAvailable() ? describe : describe.skip;

async function until(check: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

/** Two instances' leaderships on one PostgreSQL database, each on a connection of its own. */
describePg('leadership by a PostgreSQL advisory lock', () => {
  let cluster: PgCluster | null = null;
  let url: string;
  const made: AdvisoryLockLeadership[] = [];

  beforeAll(async () => {
    if (!shared) cluster = await startPostgres();
    url = await createDatabase(shared ?? cluster!.url('postgres'), 'loa_leader');
  }, 60_000);

  afterEach(async () => {
    for (const l of made.splice(0)) await l.onApplicationShutdown();
  });

  afterAll(() => {
    cluster?.stop();
  });

  it('one of two instances leads; when its connection is cut the other takes over within the bound and the first stops leading', async () => {
    // The first instance's process is gone once its connection is: it never connects again.
    let aConnected = false;
    const a = new AdvisoryLockLeadership(
      () => {
        if (aConnected) return Promise.reject(new Error('the process is dead'));
        aConnected = true;
        return postgresLockSession(url);
      },
      { retryMs: RETRY_MS, log: quiet },
    );
    const b = new AdvisoryLockLeadership(() => postgresLockSession(url), { retryMs: RETRY_MS, log: quiet });
    made.push(a, b);
    await a.start();
    await b.start();
    await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);

    // The leader's backend is terminated, as when its process dies or its network goes.
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND s.application_name = 'loa-leadership' AND s.datname = current_database()`,
      );
      expect(rows).toHaveLength(1);
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    } finally {
      await admin.end();
    }
    const took = await until(() => b.isLeader(), TAKEOVER_BOUND_MS);
    expect(took).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
    expect(a.isLeader()).toBe(false);
  }, 60_000);

  it('an instance whose connection is cut but that lives on competes again, and still only one leads', async () => {
    const leaderships = [0, 1].map(() => new AdvisoryLockLeadership(() => postgresLockSession(url), { retryMs: RETRY_MS, log: quiet }));
    made.push(...leaderships);
    for (const l of leaderships) await l.start();
    await until(() => leaderships.some((l) => l.isLeader()), TAKEOVER_BOUND_MS);
    const admin = new Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'loa-leadership' AND datname = current_database()`);
    } finally {
      await admin.end();
    }
    await until(() => leaderships.some((l) => l.isLeader()), TAKEOVER_BOUND_MS);
    await new Promise((r) => setTimeout(r, 3 * RETRY_MS));
    expect(leaderships.filter((l) => l.isLeader())).toHaveLength(1);
  }, 60_000);
});
