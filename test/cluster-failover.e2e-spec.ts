import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runCli } from '../apps/server/src/cli';
import { RECORDED_BY_SERVER } from '../apps/server/src/logbook/logbook-rules';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { createDatabase, postgresAvailable, startPostgres, type PgCluster } from './support/postgres';
import { ADMIN_PASSWORD, eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess } from './support/processes';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const OPENSSL = ['/usr/bin/openssl'].find((p) => existsSync(p));
const READY = Boolean(NGINX && OPENSSL && postgresAvailable());
if (!READY) console.warn("cluster failover spec SKIPPED: install Debian's nginx, openssl and postgresql (apt-get install nginx openssl postgresql).");
const describeCluster = READY ? describe : describe.skip;

const STATIONS = 6;
/** Agents of a killed instance must be back on the other within this (the deployment's promise). */
const FAILOVER_BOUND_MS = 15_000;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The grown deployment on one machine: two server instances on one throw-away PostgreSQL and one shared
 * MEDIA_DIR, deploy/nginx/loa.conf in front of both (TLS, WebSocket upgrade), and real agents that reach
 * the servers only through nginx. One instance (the one running the once-per-deployment jobs) is killed
 * with SIGKILL while programmes are on air.
 */
describeCluster('two server instances behind nginx: SIGKILL one', () => {
  let dir: string;
  let pg: PgCluster;
  let dbUrl: string;
  let a: ServerProc;
  let b: ServerProc;
  let front: string;
  let admin: Api;
  const agents: Proc[] = [];
  const stations: { id: string; code: string; token: string; dir: string }[] = [];
  let slotTimes: string[] = [];
  let db: Client;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-cluster-'));
    pg = await startPostgres();
    dbUrl = await createDatabase(pg.url('postgres'));
    db = new Client({ connectionString: dbUrl });

    mkdirSync(join(dir, 'certs'));
    mkdirSync(join(dir, 'nginx-tmp'));
    const cert = join(dir, 'certs/fullchain.pem');
    execFileSync(OPENSSL!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'certs/privkey.pem'), '-out', cert], { stdio: 'ignore' });

    const shared = {
      DATABASE_URL: dbUrl,
      MEDIA_DIR: join(dir, 'media'),
      LOA_SEAL_KEY_FILE: join(dir, 'seal-ed25519.pem'),
      JWT_SECRET: 'cluster-e2e-jwt-secret-0123456789abcdef',
      TRUST_PROXY: 'loopback',
      LOG_LEVEL: 'log',
    };
    for (const name of ['a', 'b']) mkdirSync(join(dir, name));
    // A starts first and so takes the leader's lock: it is the one killed.
    a = await startServerProcess(join(dir, 'a'), { env: shared });
    await a.waitFor(/now runs the jobs that run once per deployment/, 30_000);
    b = await startServerProcess(join(dir, 'b'), { env: shared });

    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const site = readFileSync(join(__dirname, '..', 'deploy/nginx/loa.conf'), 'utf8')
      .replaceAll('/etc/nginx/certs', join(dir, 'certs'))
      .replace(/server 127\.0\.0\.1:3000 ([^;]*);/, `server 127.0.0.1:${a.port} $1;\n    server 127.0.0.1:${b.port} $1;`)
      .replace(/listen 80;/, `listen 127.0.0.1:${httpPort};`)
      .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${httpsPort} ssl http2;`)
      .replace(/\n\s*listen \[::\]:\d+[^;]*;/g, '');
    expect(site).toContain(`server 127.0.0.1:${b.port} max_fails=1`);
    writeFileSync(join(dir, 'loa.conf'), site);
    const t = join(dir, 'nginx-tmp');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid;\nerror_log ${dir}/nginx-error.log;\nevents {}\nhttp {\n access_log off;\n client_body_temp_path ${t}; proxy_temp_path ${t}; fastcgi_temp_path ${t}; uwsgi_temp_path ${t}; scgi_temp_path ${t};\n include ${dir}/loa.conf;\n}\n`,
    );
    execFileSync(NGINX!, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'inherit' });
    front = `https://localhost:${httpsPort}`;

    admin = new Api(a.url);
    await admin.login('admin', ADMIN_PASSWORD);
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Quảng Trị', kind: 'Tỉnh' });
    for (let i = 0; i < STATIONS; i++) {
      const code = `xa-${i + 1}`;
      const commune = await admin.ok('POST', '/api/units', { name: `Xã ${i + 1}`, kind: 'Xã', parentId: province.id });
      const { station, token } = await admin.ok('POST', '/api/stations', { unitId: commune.id, name: `Đài xã ${i + 1}`, code });
      stations.push({ id: station.id, code, token, dir: join(dir, code) });
    }
    const upload = await admin.upload(await makeTone(join(dir, 'ban-tin.wav'), { frequency: 660, seconds: 2 }));
    const asset = await admin.waitReady(upload.body.id, 90_000);
    const programme = await admin.ok('POST', '/api/programmes', { title: 'Bản tin phòng chống bão', chuyenMuc: 'Phòng chống thiên tai', mediaAssetId: asset.id });
    // Both airings exist before the agents connect: each gets them in the snapshot its instance sends at hello.
    const first = Math.ceil((Date.now() + 45_000) / 1000) * 1000;
    slotTimes = [new Date(first).toISOString(), new Date(first + 25_000).toISOString()];
    for (const startAt of slotTimes) {
      const slot = await admin.ok('POST', '/api/slots', { programmeId: programme.id, startAt, stationIds: stations.map((s) => s.id) });
      expect(slot.status).toBe('approved');
    }
    // A shared, busy machine may wake an agent's timer late: the spec is about where events go, not precision.
    for (const s of stations) agents.push(startAgentProcess(s.dir, front, s.token, { NODE_EXTRA_CA_CERTS: cert, LOA_LATE_GRACE_MS: '15000' }));
    await db.connect();
  }, 240_000);

  afterAll(async () => {
    await Promise.all(agents.map((p) => p.stop()));
    await Promise.all([a, b].map((s) => s?.stop()));
    if (existsSync(join(dir, 'nginx.pid'))) spawn(NGINX!, ['-c', join(dir, 'nginx.conf'), '-p', dir, '-s', 'stop'], { stdio: 'ignore' });
    await db?.end().catch(() => undefined);
    pg?.stop();
    await sleep(300);
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  const connectedTo = async (server: ServerProc) => (await new Api(server.url).request('GET', '/api/agents/status', undefined, { authorization: `Bearer ${admin.token}` })).body as { stationId: string }[];

  it("puts the killed instance's agents back through the other within 15 s, loses and doubles no event, keeps every chain whole, and moves the sealing", async () => {
    // The agents spread over both instances through nginx.
    const spread = await eventually(
      'every agent connected through nginx, on both instances',
      async () => {
        const [onA, onB] = [await connectedTo(a), await connectedTo(b)];
        return onA.length + onB.length === STATIONS && onA.length > 0 && onB.length > 0 && { onA, onB };
      },
      60_000,
    );
    expect(spread.onA.length + spread.onB.length).toBe(STATIONS);

    // The first airing is played and logged everywhere while both instances live.
    const lines = async () =>
      (await db.query<{ stationId: string; occurrenceId: string; chainPos: number; result: string; recordedBy: string }>('SELECT "stationId", "occurrenceId", "chainPos", "result", "recordedBy" FROM logbook_line')).rows;
    await eventually('the first airing logged on every station', async () => (await lines()).length === STATIONS, 90_000);

    // A dies hard a few seconds before the second airing, which the agents play on their own and report
    // to whichever instance takes them.
    await eventually('close to the second airing', () => Date.now() >= Date.parse(slotTimes[1]) - 4000, 60_000);
    const killedAt = Date.now();
    await a.kill();
    await eventually('every agent on the surviving instance', async () => (await connectedTo(b)).length === STATIONS, FAILOVER_BOUND_MS);
    const failoverMs = Date.now() - killedAt;
    expect(failoverMs).toBeLessThanOrEqual(FAILOVER_BOUND_MS);

    await eventually('the second airing logged on every station', async () => (await lines()).length >= 2 * STATIONS, 60_000);
    // Late resends (an event A committed but could not acknowledge) must not add a line.
    await sleep(3000);
    const all = await lines();
    expect(all).toHaveLength(2 * STATIONS);
    for (const s of stations) {
      const own = all.filter((l) => l.stationId === s.id);
      expect(new Set(own.map((l) => l.occurrenceId)).size).toBe(2);
      expect(own.map((l) => Number(l.chainPos)).sort()).toEqual([1, 2]);
      // Each line is the agent's own report, none a miss the server wrote for want of one.
      expect(own.map((l) => l.recordedBy)).not.toContain(RECORDED_BY_SERVER);
      expect(readSink(join(s.dir, 'sink')).length).toBe(own.filter((l) => l.result === 'complete').length);
    }

    // The surviving instance took the jobs over and sealed, at once, what the dead leader had left open.
    expect(b.text).toMatch(/now runs the jobs that run once per deployment/);
    const seals = await eventually(
      'seals made after the kill on every station',
      async () => {
        const { rows } = await db.query<{ stationId: string; lastChainPos: number }>('SELECT "stationId", MAX("lastChainPos") AS "lastChainPos" FROM logbook_seal WHERE "createdAt" > $1 GROUP BY "stationId"', [new Date(killedAt).toISOString()]);
        return rows.length === STATIONS && rows;
      },
      20_000,
    );
    for (const seal of seals) expect(Number(seal.lastChainPos)).toBeGreaterThanOrEqual(1);

    // The chains verify with the logbook's own verifier, against the published seal key.
    const keysDir = join(dir, 'a', 'data', 'keys');
    const publicKey = join(keysDir, readdirSync(keysDir).find((n) => n.endsWith('.pub.pem'))!);
    const out: string[] = [];
    const errors: string[] = [];
    const code = await runCli(['logbook', 'verify', '--database-url', dbUrl, '--public-key', publicKey, '--json'], (l) => out.push(l), (l) => errors.push(l));
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    const report = JSON.parse(out[out.length - 1]) as { ok: boolean; stations: { checked: number }[] };
    expect(report.ok).toBe(true);
    expect(report.stations.map((s) => s.checked)).toEqual(stations.map(() => 2));
  }, 300_000);
});
