import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { PROTOCOL_VERSION, type PlaybackEvent, type ScheduleItem } from '@loa/protocol';
import { Link } from '../apps/agent/src/link';
import { agentWsUrl } from '../apps/agent/src/config';
import { silentLogger } from '../apps/agent/src/log';
import { runCli } from '../apps/server/src/cli';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { startClusterEngines, type ClusterEngines } from './support/cluster';
import { NATS_MISSING, natsAvailable } from './support/nats';
import { PG_MISSING, postgresAvailable, type PgCluster } from './support/postgres';
import { ADMIN_PASSWORD, eventually, ServerProc, sleep } from './support/processes';

const haveNats = natsAvailable();
const havePg = postgresAvailable();
if (!haveNats) console.warn(NATS_MISSING);
if (!havePg) console.warn(PG_MISSING);
const describeCluster = haveNats && havePg ? describe : describe.skip;

const STATIONS = 6;
const ROUNDS = 12;
const LEADING = 'now runs the jobs that run once per deployment';
const leads = (s: ServerProc) => s.text.split(LEADING).length - 1;

/**
 * An agent as far as the server can tell: the real agent's link (every instance, moving on when one fails)
 * and an outbox that keeps each event until it is acknowledged, sending what is pending again every second
 * and on each new connection.
 */
class SimulatedAgent {
  readonly link: Link;
  items: ScheduleItem[] = [];
  readonly pending = new Map<string, PlaybackEvent>();
  readonly acked = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor(urls: string[], token: string) {
    this.link = new Link({
      urls,
      token,
      log: silentLogger,
      backoffBaseMs: 300,
      backoffMaxMs: 2000,
      onOpen: () => this.link.send({ type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'pg-drop-spec', scheduleVersion: null, cached: [] }),
      onFrame: (frame) => {
        if (frame.type === 'schedule') {
          this.items = [...frame.snapshot.items].sort((a, b) => a.startAt.localeCompare(b.startAt));
          this.resend();
        } else if (frame.type === 'ack') for (const id of frame.ids) if (this.pending.delete(id)) this.acked.add(id);
      },
    });
    this.link.start();
    this.timer = setInterval(() => this.resend(), 1000);
  }

  /** Reports the airing of round `n` as finished. */
  report(n: number): void {
    const item = this.items[n];
    const id = randomUUID();
    this.pending.set(id, {
      id,
      kind: 'finished',
      occurrenceId: item.occurrenceId,
      slotId: item.slotId,
      plannedAt: item.startAt,
      startedAt: item.startAt,
      endedAt: new Date(Date.parse(item.startAt) + item.durationMs).toISOString(),
      startErrorMs: 0,
      playedMs: item.durationMs,
    });
    this.resend();
  }

  private resend(): void {
    if (this.pending.size && this.link.connected) this.link.send({ type: 'events', events: [...this.pending.values()] });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.link.stop();
  }
}

/**
 * Two instances on PostgreSQL and NATS while agents report airings through both: every backend of the
 * database is terminated twice mid-run. The instances must carry on without a restart (the pool connects
 * again, the leader's lock is taken again) and the agents' unacknowledged events arrive on a later try.
 */
describeCluster('PostgreSQL connections dropped mid-run', () => {
  let cluster: ClusterEngines;
  let dir: string;
  let pg: PgCluster;
  let databaseUrl: string;
  let db: Client;
  let servers: ServerProc[] = [];
  const agents: SimulatedAgent[] = [];
  const stations: { id: string; token: string }[] = [];

  beforeAll(async () => {
    cluster = await startClusterEngines('pg-drop', ['a', 'b']);
    ({ dir, pg, databaseUrl, servers } = cluster);
    await eventually('one instance leads', () => servers.some((s) => leads(s) > 0), 20_000);
    const admin = new Api(servers[0].url);
    await admin.login('admin', ADMIN_PASSWORD);
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    for (let i = 0; i < STATIONS; i++) {
      const commune = await admin.ok('POST', '/api/units', { name: `Xã ${i + 1}`, kind: 'Xã', parentId: province.id });
      const { station, token } = await admin.ok('POST', '/api/stations', { unitId: commune.id, name: `Đài xã ${i + 1}`, code: `ht-${i + 1}` });
      stations.push({ id: station.id, token });
    }
    const upload = await admin.upload(await makeTone(join(dir, 'tin.wav'), { frequency: 600, seconds: 1 }));
    const asset = await admin.waitReady(upload.body.id, 60_000);
    const programme = await admin.ok('POST', '/api/programmes', { title: 'Tin địa phương', chuyenMuc: 'Tin tức', mediaAssetId: asset.id });
    // Airings far enough ahead that no miss is written for them while the spec runs.
    const first = Math.ceil((Date.now() + 3600_000) / 60_000) * 60_000;
    for (let r = 0; r < ROUNDS; r++) {
      await admin.ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(first + r * 60_000).toISOString(), stationIds: stations.map((s) => s.id) });
    }
    const urls = servers.map((s) => agentWsUrl(s.url));
    for (const [i, s] of stations.entries()) agents.push(new SimulatedAgent(i % 2 ? [urls[1], urls[0]] : urls, s.token));
    await eventually('every agent has its airings', () => agents.every((a) => a.items.length === ROUNDS), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(agents.map((a) => ({ connected: a.link.connected, items: a.items.length })))}`);
    });
    db = new Client({ connectionString: pg.url('postgres') });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await db?.end().catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  it('loses no acknowledged event, doubles no line and keeps chains and running numbers whole, without restarting an instance', async () => {
    const dbName = new URL(databaseUrl).pathname.slice(1);
    const terminate = async () =>
      (await db.query<{ n: number }>('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName])).rows[0].n;
    const leadsBefore = servers.map(leads);
    const terminated: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const a of agents) a.report(r);
      // Cut every connection twice, while reports are on their way.
      if (r === 3 || r === 7) terminated.push(await terminate());
      await sleep(400);
    }
    expect(terminated.every((n) => n > 0)).toBe(true);

    await eventually('every event acknowledged', () => agents.every((a) => a.pending.size === 0), 45_000);
    for (const s of servers) expect(s.child.exitCode).toBeNull();

    // Every line there once, and no more come from late resends.
    const sql = new Client({ connectionString: databaseUrl });
    await sql.connect();
    try {
      await sleep(2000);
      const { rows } = await sql.query<{ stationId: string; occurrenceId: string; chainPos: number; number: number }>(
        'SELECT "stationId", "occurrenceId", "chainPos", "number" FROM logbook_line ORDER BY "stationId", "chainPos"',
      );
      expect(agents.reduce((n, a) => n + a.acked.size, 0)).toBeGreaterThanOrEqual(STATIONS * ROUNDS);
      expect(rows).toHaveLength(STATIONS * ROUNDS);
      for (const s of stations) {
        const own = rows.filter((l) => l.stationId === s.id);
        expect(new Set(own.map((l) => l.occurrenceId)).size).toBe(ROUNDS);
        const want = Array.from({ length: ROUNDS }, (_, i) => i + 1);
        expect(own.map((l) => Number(l.chainPos))).toEqual(want);
        expect(own.map((l) => Number(l.number)).sort((x, y) => x - y)).toEqual(want);
      }
    } finally {
      await sql.end();
    }

    // Some instance took the leader's lock again after the cuts.
    await eventually('the leader lock taken again', () => servers.some((s, i) => leads(s) > leadsBefore[i]), 20_000);

    // The chains verify with the logbook's own verifier.
    const keysDir = ['a', 'b'].map((n) => join(dir, n, 'data', 'keys')).find((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.pub.pem')))!;
    const publicKey = join(keysDir, readdirSync(keysDir).find((n) => n.endsWith('.pub.pem'))!);
    const out: string[] = [];
    const errors: string[] = [];
    const code = await runCli(['logbook', 'verify', '--database-url', databaseUrl, '--public-key', publicKey, '--json'], (l) => out.push(l), (l) => errors.push(l));
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    expect((JSON.parse(out[out.length - 1]) as { ok: boolean }).ok).toBe(true);
    console.log(JSON.stringify({ pg_drop: { terminated_backends: terminated, events_acked: agents.reduce((n, a) => n + a.acked.size, 0), lines: STATIONS * ROUNDS } }));
  }, 120_000);
});
