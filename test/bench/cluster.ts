import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AGENT_WS_PATH } from '@loa/protocol';
import { runCli } from '../../apps/server/src/cli';
import { Api } from '../support/api';
import { makeTone } from '../support/audio';
import { NATS_MISSING, natsAvailable, startNats, type NatsServer } from '../support/nats';
import { createDatabase, PG_MISSING, postgresAvailable, startPostgres, type PgCluster } from '../support/postgres';
import { ADMIN_PASSWORD, eventually, Proc, ServerProc, sleep, startServerProcess } from '../support/processes';
import { createStations, toneProgramme } from './bench-stations';
import { HIST_FROM_MS, HIST_STEP_MS, type AgentsCommand, type AgentsCounts, type AgentsReport } from './cluster-wire';
import { ingestOnPostgres } from './logbook-ingest';

/**
 * The grown deployment under load: PostgreSQL, NATS (JetStream) and several server instances, with N
 * simulated agents (bare `ws` clients in a few child processes) spread over the instances, each given
 * every instance as LOA_SERVER_URL=a,b,c would.
 *
 * 1. A live relay of `--seconds` started on instance 0 reaches every agent: those on instance 0 directly,
 *    the others through NATS. Each audio group's latency is its receipt at the agent minus the instant
 *    stamped in its header, at which the encoding instance's pacer sends it (never more than 5 ms before
 *    it; a late pacer counts as latency). Meanwhile every agent reports airings as played.
 * 2. Every agent moves to instance 0 alone, and the same relay runs again: the single-instance figures.
 * 3. The agents spread again, report airings once more, and instance 0 (the elected one) is SIGKILLed:
 *    failover is the time until every agent is connected elsewhere and holds its schedule.
 * 4. Every acknowledged event is looked up in the database; the chains are verified.
 * 5. With the instances stopped, a burst of logbook lines goes through the logbook writer on the same
 *    PostgreSQL (the logbook bench's ingest): `ingest_per_s_pg`.
 * One JSON line on stdout; progress on stderr.
 */
function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function intArg(argv: string[], name: string, fallback: number): number {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const raw = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer, got ${raw}`);
  return n;
}

function strArg(argv: string[], name: string): string | null {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return null;
  const raw = argv[i].includes('=') ? argv[i].split('=').slice(1).join('=') : argv[i + 1];
  if (!raw) throw new Error(`--${name} needs a value`);
  return raw;
}

/** The soft limit on open files: node raises it to the hard limit at start, so this is what we get. */
function openFilesLimit(): number {
  const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
}

/** CPU time (user + system) of a process so far, in ms, from /proc. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in 100 Hz ticks
  } catch {
    return 0;
  }
}

function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** Sends a command to every agents process and waits for each one's answer that carries `key`. */
function askAll<T>(kids: ChildProcess[], msg: AgentsCommand | ((i: number) => AgentsCommand), key: string, timeoutMs = 120_000): Promise<T[]> {
  return Promise.all(
    kids.map(
      (child, i) =>
        new Promise<T>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`agents process ${i}: no "${key}" within ${timeoutMs} ms`)), timeoutMs);
          const onMessage = (m: Record<string, unknown>) => {
            if (!('error' in m) && !(key in m)) return;
            clearTimeout(timer);
            child.off('message', onMessage);
            if ('error' in m) reject(new Error(String(m.error)));
            else resolve(m[key] as T);
          };
          child.on('message', onMessage);
          child.send(typeof msg === 'function' ? msg(i) : msg);
        }),
    ),
  );
}

interface Latency {
  groups: number;
  messages: number;
  dropped: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  /** Wall-clock ms of the first group any agent got. */
  firstAt: number;
}

/** Merges the processes' histograms and per-agent counts: nearest-rank percentiles (bucket's upper edge). */
function merge(reports: AgentsReport[]): Latency {
  const counts = new Map<number, number>();
  let messages = 0;
  for (const r of reports) {
    for (const [i, n] of r.histogram) {
      counts.set(i, (counts.get(i) ?? 0) + n);
      messages += n;
    }
  }
  const buckets = [...counts].sort((a, b) => a[0] - b[0]);
  const at = (p: number) => {
    if (!messages) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * messages));
    let seen = 0;
    for (const [i, n] of buckets) {
      seen += n;
      if (seen >= rank) return Math.round((HIST_FROM_MS + (i + 1) * HIST_STEP_MS) * 10) / 10;
    }
    return null;
  };
  // Every group some agent got: a relay taken over numbers on after a jump, which is no group missed.
  const groups = new Set(reports.flatMap((r) => r.seqs)).size;
  const dropped = reports.reduce((d, r) => d + r.received.reduce((n, got) => n + Math.max(0, groups - got), 0), 0);
  const firsts = reports.map((r) => r.firstAt).filter((t) => t > 0);
  return { groups, messages, dropped, p50: at(50), p99: at(99), max: at(100), firstAt: firsts.length ? Math.min(...firsts) : 0 };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const instances = intArg(argv, 'instances', 3);
  const agents = intArg(argv, 'agents', 3000);
  const perRound = intArg(argv, 'per-round', 1);
  const seconds = intArg(argv, 'seconds', 30);
  const ingestLines = intArg(argv, 'ingest-lines', 200_000);
  const procsWanted = intArg(argv, 'agent-procs', Math.max(1, Math.ceil(agents / 1000)));
  // Each instance's whole output, kept when the run ends (the temp folder goes): to read what led to a cut or a takeover.
  const logsDir = strArg(argv, 'logs');
  if (instances < 2) throw new Error('--instances needs at least 2: one is killed');
  if (!postgresAvailable()) {
    log(PG_MISSING);
    return 0;
  }
  if (!natsAvailable()) {
    log(NATS_MISSING);
    return 0;
  }
  // Instance 0 holds every agent in the single-instance phase: one socket each, plus the server's own files.
  const fdLimit = openFilesLimit();
  if (fdLimit < agents + 1024) throw new Error(`open files limit ${fdLimit} is too low for ${agents} agents: raise it to at least ${agents + 1024} (ulimit -n, or LimitNOFILE for a service)`);

  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-cluster-'));
  const procs: Proc[] = [];
  const kids: ChildProcess[] = [];
  let pg: PgCluster | null = null;
  let nats: NatsServer | null = null;
  const cleanup = async () => {
    for (const k of kids) k.kill('SIGKILL');
    for (const p of procs) p.child.kill('SIGKILL');
    await nats?.stop();
    nats = null;
    pg?.stop();
    pg = null;
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    pg = await startPostgres();
    nats = await startNats();
    const dbUrl = await createDatabase(pg.url('postgres'));
    const env = {
      DATABASE_URL: dbUrl,
      NATS_URL: nats.url,
      MEDIA_DIR: join(dir, 'media'),
      LOA_SEAL_KEY_FILE: join(dir, 'seal-ed25519.pem'),
      JWT_SECRET: 'bench-cluster-jwt-secret-0123456789abcdef',
    };
    const servers: ServerProc[] = [];
    for (let i = 0; i < instances; i++) {
      mkdirSync(join(dir, `i${i}`));
      const s = await startServerProcess(join(dir, `i${i}`), { env });
      if (logsDir) {
        mkdirSync(logsDir, { recursive: true });
        const file = createWriteStream(join(logsDir, `instance-${i}.log`));
        s.child.stdout?.on('data', (c: Buffer) => file.write(c));
        s.child.stderr?.on('data', (c: Buffer) => file.write(c));
      }
      servers.push(s);
      procs.push(s);
    }
    const wsUrls = servers.map((s) => s.url.replace('http', 'ws') + AGENT_WS_PATH);
    const apis = servers.map((s) => new Api(s.url));
    for (const a of apis) await a.login('admin', ADMIN_PASSWORD);
    const api = apis[0];
    const unit = await api.ok('POST', '/api/units', { name: 'Tỉnh thử tải', kind: 'Tỉnh' });
    log(`creating ${agents} stations`);
    const { tokens, stationIds } = await createStations(apis, unit.id, agents);
    const programme = await toneProgramme(api, dir);
    const base = Math.ceil((Date.now() + 3600_000) / 60_000) * 60_000;
    const rounds = 3;
    for (let k = 0; k < rounds * perRound; k++) {
      for (let i = 0; i < stationIds.length; i += 1000) {
        await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(base + k * 300_000).toISOString(), stationIds: stationIds.slice(i, i + 1000) });
      }
    }
    const relayTone = await api.upload(await makeTone(join(dir, 'relay.wav'), { frequency: 440, seconds }));
    const relayAsset = await api.waitReady(relayTone.body.id, 120_000);
    const relayProgramme = await api.ok('POST', '/api/programmes', { title: 'Tiếp sóng thử tải', chuyenMuc: 'Thử', mediaAssetId: relayAsset.id });

    // Agent i starts on instance i mod n and has the others after it, as a rotated LOA_SERVER_URL list.
    const spread = (i: number) => [...wsUrls.slice(i % instances), ...wsUrls.slice(0, i % instances)];
    const nProcs = Math.min(procsWanted, agents);
    // Process p holds a contiguous block of agents, so each process has agents on every instance: one starved
    // process then shows on every instance's figures instead of emptying one.
    const share = (p: number) => Array.from({ length: agents }, (_, i) => i).filter((i) => Math.floor((i * nProcs) / agents) === p);
    for (let p = 0; p < nProcs; p++) kids.push(fork(join(__dirname, 'cluster-agents.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
    const counts: AgentsCounts[] = kids.map(() => ({ connected: 0, synced: 0, on: {}, pending: 0, acked: 0, errors: 0, closes: 0 }));
    kids.forEach((k, p) => k.on('message', (m: { counts?: AgentsCounts }) => m.counts && (counts[p] = m.counts)));
    const total = () => {
      const on: Record<string, number> = {};
      for (const c of counts) for (const [u, n] of Object.entries(c.on)) on[u] = (on[u] ?? 0) + n;
      const sum = (k: 'connected' | 'synced' | 'pending' | 'acked' | 'errors' | 'closes') => counts.reduce((n, c) => n + c[k], 0);
      return { connected: sum('connected'), synced: sum('synced'), pending: sum('pending'), acked: sum('acked'), errors: sum('errors'), closes: sum('closes'), on };
    };
    const perInstance = () => wsUrls.map((u) => total().on[u] ?? 0);
    const progress = setInterval(() => {
      const t = total();
      log(`agents: ${t.connected} connected (${perInstance().join('/')}), ${t.synced} synced, ${t.pending} events pending, ${t.acked} acknowledged, ${t.closes} closes`);
    }, 15_000);
    progress.unref();

    log(`connecting ${agents} agents from ${nProcs} processes`);
    await askAll(kids, (p) => ({ cmd: 'start', agents: share(p).map((i) => ({ token: tokens[i], urls: spread(i) })) }), 'started', 600_000);
    await eventually('every agent connected and synced', () => total().synced === agents, 600_000);
    const spreadCounts = perInstance();
    log(`all ${agents} agents synced, per instance ${spreadCounts.join('/')}`);
    await sleep(6000);

    const encoder = servers[0];
    let eventRound = 0;
    /** One relay from instance 0 to every agent, each agent reporting an airing a third of the way in. */
    const relay = async (label: string) => {
      const pids = [...servers.map((s) => s.child.pid), nats!.pid()];
      const cpu0 = pids.map(cpuMs);
      const agentsCpu0 = kids.map((k) => cpuMs(k.pid));
      const closes0 = total().closes;
      const textAt = servers.map((srv) => srv.text.length);
      const t0 = Date.now();
      let peakRss = 0;
      const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, ...servers.map((s) => rssMb(s.child.pid)))), 1000);
      await askAll(kids, { cmd: 'measure' }, 'measuring');
      const postedAt = Date.now();
      const { relay: row } = await api.ok('POST', '/api/live/relays', { title: `Tiếp sóng thử tải (${label})`, sourceKind: 'programme', programmeId: relayProgramme.id, unitIds: [unit.id] });
      const round = eventRound++;
      // How long the agents' events wait for their acknowledgements while the relay goes on.
      let eventsSentAt = 0;
      let ackedAfterMs: number | null = null;
      const acked0 = total().acked;
      const ackWatch = setInterval(() => {
        if (eventsSentAt && ackedAfterMs === null && total().pending === 0 && total().acked >= acked0 + agents * perRound) ackedAfterMs = Date.now() - eventsSentAt;
      }, 100);
      const eventsTimer = setTimeout(
        () => void askAll(kids, { cmd: 'events', from: round * perRound, count: perRound }, 'sent').then(() => (eventsSentAt = Date.now())),
        (seconds * 1000) / 3,
      );
      for (;;) {
        if (Date.now() - t0 > (seconds + 120) * 1000) throw new Error(`${label} relay did not end in time`);
        await sleep(1000);
        const list = await api.ok<{ id: string; status: string }[]>('GET', '/api/live/relays');
        if (list.some((r) => r.id === row.id && r.status !== 'live')) break;
      }
      clearTimeout(eventsTimer);
      clearInterval(rssTimer);
      // Acknowledgements still coming are waited for a little longer (bounded), so a slow one is measured, not lost.
      await eventually('the events acknowledged', () => ackedAfterMs !== null, 60_000).catch(() => undefined);
      clearInterval(ackWatch);
      await sleep(1000);
      const ms = Date.now() - t0;
      const cpu = pids.map((pid, i) => Math.round(((cpuMs(pid) - cpu0[i]) / ms) * 1000) / 10);
      const agentsCpu = kids.map((k, i) => Math.round(((cpuMs(k.pid) - agentsCpu0[i]) / ms) * 1000) / 10);
      const disconnects = total().closes - closes0;
      const latency = merge(await askAll<AgentsReport>(kids, { cmd: 'report' }, 'report'));
      // Why the instances cut agents during the relay, from their warnings (the text after "to resync:", without the figures).
      const why = servers.map((srv, i) => {
        const reasons = new Map<string, number>();
        for (const m of srv.text.slice(textAt[i]).matchAll(/disconnected to resync: ([^\d\n]+)/g)) reasons.set(m[1].trim(), (reasons.get(m[1].trim()) ?? 0) + 1);
        return `instance ${i}: ${[...reasons].map(([r, n]) => `${n}× "${r}"`).join(', ') || 'none'}`;
      });
      log(`${label}: agents cut by the instances: ${why.join('; ')}`);
      // What else the instances said meanwhile that bears on the relay: their own stalls, lease trouble, the NATS link.
      const signs: [string, RegExp][] = [
        ['fan-out stalls', /live fan-out resumed after/g],
        ['relays taken over', /taken over here/g],
        ['leases lost to another instance', /was taken over by another instance/g],
        ['leases not renewed', /not renewed/g],
        ['NATS links lost', /NATS connection lost/g],
      ];
      log(`${label}: ${servers.map((srv, i) => `instance ${i}: ${signs.map(([name, re]) => `${[...srv.text.slice(textAt[i]).matchAll(re)].length} ${name}`).join(', ')}`).join('; ')}`);
      log(
        `${label}: ${JSON.stringify(latency)} in ${ms} ms; ${disconnects} agent connections closed; CPU % of a core: instances ${cpu.slice(0, instances).join('/')}, NATS ${cpu[instances]}, ` +
          `agents processes ${agentsCpu.join('/')}; peak RSS of an instance ${peakRss} MB; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
      );
      const startMs = latency.firstAt ? Math.round(latency.firstAt - postedAt) : null;
      const moves = servers.reduce((n, srv, i) => n + [...srv.text.slice(textAt[i]).matchAll(/taken over here/g)].length, 0);
      log(`${label}: first group at an agent ${startMs} ms after the relay was asked for; events acknowledged ${ackedAfterMs === null ? 'not all within 60 s of the relay' : `${ackedAfterMs} ms after they were sent`}; relay taken over ${moves} times`);
      return { latency, cpu: cpu.slice(0, instances), natsCpu: cpu[instances], peakRss, disconnects, startMs, ackS: ackedAfterMs === null ? null : Math.round(ackedAfterMs / 100) / 10, moves };
    };

    log(`relay across ${instances} instances`);
    const cluster = await relay('cluster');

    log('every agent moves to instance 0');
    await askAll(kids, (p) => ({ cmd: 'target', urls: share(p).map(() => [wsUrls[0]]), spreadMs: 10_000 }), 'targeted');
    await eventually('every agent on instance 0 and synced', () => perInstance()[0] === agents && total().synced === agents, 600_000);
    await sleep(6000);
    const single = await relay('single');

    log('the agents spread again');
    await askAll(kids, (p) => ({ cmd: 'target', urls: share(p).map(spread), spreadMs: 10_000 }), 'targeted');
    await eventually('the agents spread and synced', () => perInstance().every((n, i) => n === spreadCounts[i]) && total().synced === agents, 600_000);
    await sleep(3000);

    log(`instance 0 SIGKILLed while every agent reports an airing (${perInstance()[0]} agents on it)`);
    await askAll(kids, { cmd: 'events', from: eventRound * perRound, count: perRound }, 'sent');
    const killedAt = Date.now();
    await encoder.kill();
    // The killed instance's agents notice the drop first; only then can "all back" mean anything.
    await eventually('the drop seen by its agents', () => total().connected < agents, 30_000);
    await eventually('every agent back and synced', () => total().connected === agents && total().synced === agents, 600_000);
    const failoverS = (Date.now() - killedAt) / 1000;
    log(`failover ${failoverS} s; per instance ${perInstance().join('/')}`);
    const expected = agents * perRound * (eventRound + 1);
    // Bounded: what is still unacknowledged then is reported (the agents would keep resending it), not waited for.
    const ackWaitS = intArg(argv, 'ack-wait', 300);
    let failoverAcksS: number | null = null;
    await eventually('every event acknowledged', () => total().pending === 0 && total().acked === expected, ackWaitS * 1000).then(
      () => (failoverAcksS = Math.round((Date.now() - killedAt) / 100) / 10),
      () => log(`after ${ackWaitS} s ${total().pending} events still unacknowledged`),
    );
    const errors = total().errors;
    const unacked = total().pending;

    const acked = (await askAll<string[]>(kids, { cmd: 'acked' }, 'ackedIds')).flat();
    const db = new Client({ connectionString: dbUrl });
    await db.connect();
    let stored = 0;
    let duplicates = 0;
    try {
      for (let i = 0; i < acked.length; i += 5000) {
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM playback_event WHERE id = ANY($1::text[])', [acked.slice(i, i + 5000)]);
        stored += rows[0].n;
      }
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT 1 FROM logbook_line GROUP BY "stationId", "occurrenceId" HAVING count(*) > 1) d');
      duplicates = rows[0].n;
    } finally {
      await db.end();
    }
    const out: string[] = [];
    const verified = await runCli(['logbook', 'verify', '--database-url', dbUrl, '--json'], (l) => out.push(l), () => undefined);

    // PostgreSQL alone for the ingest burst: the instances and the agents are stopped first.
    for (const k of kids) k.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.stop()));
    log(`logbook ingest: ${ingestLines} lines through the logbook writer on the same PostgreSQL`);
    const ingest = await ingestOnPostgres(ingestLines, await createDatabase(pg.url('postgres'), 'loa_ingest'), dir);

    const ratio = cluster.latency.p99 !== null && single.latency.p99 ? Math.round((cluster.latency.p99 / single.latency.p99) * 100) / 100 : null;
    process.stdout.write(
      JSON.stringify({
        instances,
        agents,
        per_instance: spreadCounts,
        groups: cluster.latency.groups,
        dropped: cluster.latency.dropped,
        p50_ms: cluster.latency.p50,
        p99_ms: cluster.latency.p99,
        max_ms: cluster.latency.max,
        disconnects: cluster.disconnects,
        start_ms: cluster.startMs,
        acks_s: cluster.ackS,
        single_dropped: single.latency.dropped,
        single_p50_ms: single.latency.p50,
        single_p99_ms: single.latency.p99,
        single_start_ms: single.startMs,
        single_acks_s: single.ackS,
        relay_takeovers: cluster.moves + single.moves,
        p99_ratio: ratio,
        instance_cpu_pct: cluster.cpu,
        single_cpu_pct: single.cpu[0],
        nats_cpu_pct: cluster.natsCpu,
        instance_rss_mb: Math.max(cluster.peakRss, single.peakRss),
        failover_s: Math.round(failoverS * 10) / 10,
        failover_acks_s: failoverAcksS,
        events_acked: acked.length,
        events_lost: acked.length - stored,
        events_unacked: unacked,
        duplicate_lines: duplicates,
        chains_ok: verified === 0,
        agent_errors: errors,
        ingest_per_s_pg: Math.round(ingestLines / ingest.ingestS),
        load: loadavg().map((l) => Math.round(l * 100) / 100),
      }) + '\n',
    );
    return 0;
  } catch (e) {
    for (const s of procs) log(`${s.name} ${s.child.pid}, last output:\n${s.text.slice(-2000)}`);
    throw e;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
