import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TEST_ENGINE, testDatabaseEnv } from '../../../../test/support/test-db';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions, openDatabase } from '../database/data-source';
import { LEASE_TTL_MS } from './live-cluster';
import { LiveRelayLeaseRepository, type RelayProgress } from './live-relay-lease.repository';
import { LiveRelay, LiveRelayCarriage } from './live-relay.entity';

const T0 = Date.UTC(2026, 11, 5, 2, 0, 0);
const at = (ms: number) => new Date(T0 + ms).toISOString();
const progress: RelayProgress = { round: 1, onAir: true, roundStartedAt: at(0), offsetMs: 0, seq: 0, roundEndedAt: null };

/** The lease of a live relay on the engine under test: renewed by its owner only, taken by one instance only once it ran out. */
describe('live relay leases', () => {
  let dir: string;
  let db: DataSource;
  let leases: LiveRelayLeaseRepository;
  let url = '';

  const relay = async () => {
    const id = randomUUID();
    await db.getRepository(LiveRelay).insert({
      id,
      kind: 'relay',
      priority: 'priority',
      title: 'Tiếp sóng',
      sourceKind: 'programme',
      programmeId: null,
      sourceUrl: null,
      sourceText: null,
      rounds: 1,
      intervalMs: 0,
      roundsAired: 1,
      expiresAt: null,
      status: 'live',
      endReason: null,
      streamTokenHash: 'x'.repeat(64),
      recordingSha256: null,
      recordingBytes: null,
      startedBy: null,
      startedAt: at(0),
      endedAt: null,
    });
    return id;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-lease-'));
    await mkdir(join(dir, 'data'));
    const config = AppConfig.fromEnv({ DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media'), ...(await testDatabaseEnv()) });
    if (config.database.engine === 'postgres') url = config.database.url;
    db = await openDatabase(dataSourceOptions(config.database));
    leases = new LiveRelayLeaseRepository(db);
  }, 60_000);

  afterAll(async () => {
    await leases?.onApplicationShutdown();
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('is renewed with its progress by its owner only, and is not lapsed while it runs', async () => {
    const id = await relay();
    await leases.create(id, 'a', at(2500), progress);
    expect(await leases.renew(id, 'b', at(3000), progress)).toBe(false);
    expect(await leases.renew(id, 'a', at(3200), { ...progress, offsetMs: 700, seq: 7 })).toBe(true);
    expect((await leases.lapsed(at(3000))).map((l) => l.relayId)).not.toContain(id);
    const [lease] = (await leases.lapsed(at(4000))).filter((l) => l.relayId === id);
    expect(lease).toMatchObject({ owner: 'a', offsetMs: 700, seq: 7, round: 1, onAir: true });
  });

  it('goes to exactly one of the instances that try to take it once it ran out, and the old owner can no longer renew it', async () => {
    const id = await relay();
    await leases.create(id, 'a', at(2500), progress);
    const [seen] = (await leases.lapsed(at(3000))).filter((l) => l.relayId === id);
    // Not before it runs out.
    expect(await leases.take(seen, 'b', at(2000), at(4500))).toBe(false);
    const tries = await Promise.all(['b', 'c', 'd'].map((owner) => leases.take(seen, owner, at(3000), at(5500))));
    expect(tries.filter(Boolean)).toHaveLength(1);
    expect(await leases.renew(id, 'a', at(6000), progress)).toBe(false);
    const winner = ['b', 'c', 'd'][tries.indexOf(true)];
    expect(await leases.renew(id, winner, at(6000), progress)).toBe(true);
    // The old owner finishing late does not drop the new owner's lease.
    await leases.release(id, 'a');
    expect((await leases.lapsed(at(9000))).map((l) => l.relayId)).toContain(id);
    await leases.release(id, winner);
    expect((await leases.lapsed(at(9000))).map((l) => l.relayId)).not.toContain(id);
  });

  it('ends a relay nobody holds only while its lease is still run out, and forgets who played it', async () => {
    const id = await relay();
    const other = await relay();
    await leases.create(id, 'a', at(2500), progress);
    const carriage = db.getRepository(LiveRelayCarriage);
    await carriage.insert([
      { relayId: id, stationId: 's1', carriedAt: at(1000) },
      { relayId: other, stationId: 's1', carriedAt: at(1000) },
    ]);
    expect(await leases.endOrphan(id, at(2000), { status: 'stopped' })).toBe(false);
    expect((await db.getRepository(LiveRelay).findOneByOrFail({ id })).status).toBe('live');
    expect(await carriage.countBy({ relayId: id })).toBe(1);
    expect(await leases.endOrphan(id, at(3000), { status: 'stopped', endedAt: at(3000), endReason: 'Dừng theo yêu cầu.' })).toBe(true);
    expect((await db.getRepository(LiveRelay).findOneByOrFail({ id })).status).toBe('stopped');
    expect((await leases.lapsed(at(9000))).map((l) => l.relayId)).not.toContain(id);
    expect(await carriage.countBy({ relayId: id })).toBe(0);
    expect(await carriage.countBy({ relayId: other })).toBe(1);
  });

  it('is renewed in time while every connection of the shared pool is held by long queries', async () => {
    const id = await relay();
    await leases.create(id, 'a', at(2500), progress);
    let release: () => void = () => undefined;
    let busy: Promise<unknown>;
    if (TEST_ENGINE === 'postgres') {
      const watcher = new Client({ connectionString: url });
      await watcher.connect();
      const asleep = async () =>
        Number((await watcher.query<{ n: string }>(`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(3)' AND state = 'active'`)).rows[0].n);
      // More sleeping queries than the shared pool has connections (pg's default, 10): every one is taken, and more wait.
      const max = ((db.options as { extra?: { max?: number } }).extra?.max ?? db.options.poolSize ?? 10) + 2;
      busy = Promise.all(Array.from({ length: max }, () => db.query('SELECT pg_sleep(3)')));
      // Until the pool is saturated for sure: every connection is asleep in the database.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const sleeping = await asleep();
        if (sleeping >= max - 2) break;
        if (Date.now() > deadline) throw new Error(`only ${sleeping} of the pool's connections asleep`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await watcher.end();
    } else {
      // One connection, and a transaction held open on it, as a long ingest holds it.
      busy = db.transaction(() => new Promise<void>((r) => (release = r)));
    }
    const started = Date.now();
    expect(await leases.renew(id, 'a', at(5000), { ...progress, offsetMs: 1400 })).toBe(true);
    const took = Date.now() - started;
    release();
    await busy;
    // Renewed every 700 ms and valid for 2.5 s: a renewal that waits for the shared pool lets the lease run out.
    expect(took).toBeLessThan(LEASE_TTL_MS / 2);
    const [lease] = (await leases.lapsed(at(6000))).filter((l) => l.relayId === id);
    expect(lease).toMatchObject({ owner: 'a', offsetMs: 1400 });
  }, 60_000);
});
