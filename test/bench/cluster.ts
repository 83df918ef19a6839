import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AGENT_WS_PATH } from '@loa/protocol';
import { runCli } from '../../apps/server/src/cli';
import { Api } from '../support/api';
import { createStations, toneProgramme } from './bench-stations';
import { createDatabase, PG_MISSING, postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { ADMIN_PASSWORD, eventually, Proc, ServerProc, startServerProcess } from '../support/processes';

/**
 * Several server instances on one PostgreSQL, with N simulated agents spread over them (each given every
 * instance, as LOA_SERVER_URL=a,b,c). Round 0: every agent reports `--per-round` airings at once; the time
 * until all are acknowledged gives the logbook ingest on PostgreSQL. Round 1: the agents report again and
 * the first instance (the elected one) is SIGKILLed at once; the time until every agent is connected and
 * holds its schedule again is the failover. Then every acknowledged event is looked up in the database.
 * One JSON line on stdout:
 * {"instances","agents","connected","per_instance","dropped","failover_s","events_acked","events_lost",
 *  "duplicate_lines","chains_ok","ingest_per_s_pg"}.
 */
function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function intArg(argv: string[], name: string, fallback: number): number {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer, got ${raw}`);
  return n;
}

interface Progress {
  connected: number;
  synced: number;
  pending: number;
  acked: number;
  errors: number;
  ackedIds?: string[];
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const instances = intArg(argv, 'instances', 3);
  const agents = intArg(argv, 'agents', 300);
  const perRound = intArg(argv, 'per-round', 5);
  if (instances < 2) throw new Error('--instances needs at least 2: one is killed');
  if (!postgresAvailable()) {
    log(PG_MISSING);
    return 0;
  }
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-cluster-'));
  const procs: Proc[] = [];
  let pg: PgCluster | null = null;
  const cleanup = () => {
    for (const p of procs) p.child.kill('SIGKILL');
    pg?.stop();
    pg = null;
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => (cleanup(), process.exit(130)));
  try {
    pg = await startPostgres();
    const dbUrl = await createDatabase(pg.url('postgres'));
    const env = {
      DATABASE_URL: dbUrl,
      MEDIA_DIR: join(dir, 'media'),
      LOA_SEAL_KEY_FILE: join(dir, 'seal-ed25519.pem'),
      JWT_SECRET: 'bench-cluster-jwt-secret-0123456789abcdef',
    };
    const servers: ServerProc[] = [];
    for (let i = 0; i < instances; i++) {
      mkdirSync(join(dir, `i${i}`));
      const s = await startServerProcess(join(dir, `i${i}`), { env });
      servers.push(s);
      procs.push(s);
    }
    const api = new Api(servers[0].url);
    await api.login('admin', ADMIN_PASSWORD);
    const unit = await api.ok('POST', '/api/units', { name: 'Tỉnh thử tải', kind: 'Tỉnh' });
    log(`creating ${agents} stations`);
    const { tokens, stationIds } = await createStations(api, unit.id, agents);
    const programme = await toneProgramme(api, dir);
    const base = Math.ceil((Date.now() + 3600_000) / 60_000) * 60_000;
    for (let k = 0; k < 2 * perRound; k++) {
      await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(base + k * 300_000).toISOString(), stationIds });
    }

    const spec = join(dir, 'agents.json');
    writeFileSync(spec, JSON.stringify({ urls: servers.map((s) => s.url.replace('http', 'ws') + AGENT_WS_PATH), tokens, perRound }));
    const sim = spawn(process.execPath, [join(__dirname, 'cluster-agents.js'), spec], { stdio: ['pipe', 'pipe', 'inherit'] });
    const simProc = new Proc('agents', sim);
    procs.push(simProc);
    let progress: Progress = { connected: 0, synced: 0, pending: 0, acked: 0, errors: 0 };
    let buffered = '';
    sim.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      if (lines.length) progress = JSON.parse(lines[lines.length - 1]) as Progress;
    });
    await eventually('every agent connected and synced', () => progress.synced === agents, 600_000);
    const perInstance = await Promise.all(
      servers.map(async (s) => ((await new Api(s.url).request('GET', '/api/agents/status', undefined, { authorization: `Bearer ${api.token}` })).body as unknown[]).length),
    );
    log(`all ${agents} agents synced, per instance ${perInstance.join('/')}; round 0`);

    const t0 = Date.now();
    sim.stdin.write('go 0\n');
    await eventually('round 0 acknowledged', () => progress.acked === agents * perRound && progress.pending === 0, 600_000);
    const ingestS = (Date.now() - t0) / 1000;
    log(`round 0: ${agents * perRound} events in ${ingestS} s; round 1 with instance 0 killed`);

    sim.stdin.write('go 1\n');
    const killedAt = Date.now();
    await servers[0].kill();
    // The killed instance's agents notice the drop first; only then can "all back" mean anything.
    await eventually('the drop seen by its agents', () => progress.connected < agents, 30_000);
    await eventually('every agent back and synced', () => progress.connected === agents && progress.synced === agents, 600_000);
    const failoverS = (Date.now() - killedAt) / 1000;
    await eventually('round 1 acknowledged', () => progress.pending === 0 && progress.acked === 2 * agents * perRound, 600_000);
    const connected = progress.connected;

    // The last line the agents print, once stdin ends, carries every acknowledged id.
    const final = new Promise<void>((resolve) => sim.stdout.on('end', () => resolve()));
    sim.stdin.end();
    await final;
    const ackedIds = progress.ackedIds ?? [];
    const db = new Client({ connectionString: dbUrl });
    await db.connect();
    let stored = 0;
    let duplicates = 0;
    try {
      for (let i = 0; i < ackedIds.length; i += 5000) {
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM playback_event WHERE id = ANY($1::text[])', [ackedIds.slice(i, i + 5000)]);
        stored += rows[0].n;
      }
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT 1 FROM logbook_line GROUP BY "stationId", "occurrenceId" HAVING count(*) > 1) d');
      duplicates = rows[0].n;
    } finally {
      await db.end();
    }
    const out: string[] = [];
    const verified = await runCli(['logbook', 'verify', '--database-url', dbUrl, '--json'], (l) => out.push(l), () => undefined);

    process.stdout.write(
      JSON.stringify({
        instances,
        agents,
        connected,
        per_instance: perInstance,
        dropped: agents - connected,
        failover_s: Math.round(failoverS * 10) / 10,
        events_acked: ackedIds.length,
        events_lost: ackedIds.length - stored,
        duplicate_lines: duplicates,
        chains_ok: verified === 0,
        ingest_per_s_pg: Math.round((agents * perRound) / ingestS),
      }) + '\n',
    );
    return 0;
  } finally {
    cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
