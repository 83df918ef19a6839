import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AGENT_WS_PATH } from '@loa/protocol';
import { Api } from '../support/api';
import { makeTone } from '../support/audio';
import { ADMIN_PASSWORD, eventually, startServerProcess } from '../support/processes';

/**
 * Fan-out cost of a live relay: N simulated agents (a separate process, loopback) take a 64 kb/s relay for
 * `--seconds`; then a bare `ws` server sends the same frames to the same clients. One JSON line on stdout.
 */

interface Options {
  agents: number;
  seconds: number;
  /** Where both servers write a V8 CPU profile of the relay (their CPU figures then include the profiler's), or null. */
  profile: string | null;
  /** The clients report live status to the bare baseline too (which reads and drops it), as they do to Loa. */
  baselineStatus: boolean;
  /** The clients log each round's start as a playback event to Loa, all on the same beat, as real agents do. */
  events: boolean;
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { agents: 2000, seconds: 30, profile: null, baselineStatus: false, events: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (flag === '--baseline-status') {
      opts.baselineStatus = true;
      continue;
    }
    if (flag === '--events') {
      opts.events = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (flag === '--profile') {
      if (!raw) throw new Error('--profile needs a directory');
      opts.profile = resolve(raw);
      continue;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} needs a positive integer, got ${raw}`);
    if (flag === '--agents') opts.agents = value;
    else if (flag === '--seconds') opts.seconds = value;
    else throw new Error(`unknown option ${flag} (known: --agents, --seconds, --profile, --baseline-status, --events)`);
  }
  return opts;
}

/** CPU time (user + system) of a process so far, in ms, from /proc. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
}

/** CPU time so far split into the main thread's user and system time and the other threads' (GC, libuv), in ms. */
function cpuSplit(pid: number): { user: number; system: number; others: number } {
  const times = (path: string) => {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
  };
  const main = times(`/proc/${pid}/task/${pid}/stat`);
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    if (Number(tid) === pid) continue;
    try {
      const t = times(`/proc/${pid}/task/${tid}/stat`);
      others += t.user + t.system;
    } catch {
      // the thread ended
    }
  }
  return { ...main, others };
}

/** How a process's CPU over a span divides, as % of one core. */
function describeSplit(before: { user: number; system: number; others: number }, after: { user: number; system: number; others: number }, ms: number): string {
  const pct = (a: number, b: number) => (((b - a) / ms) * 100).toFixed(1);
  return `main thread user ${pct(before.user, after.user)}% + system ${pct(before.system, after.system)}%, other threads ${pct(before.others, after.others)}%`;
}

/** What the probe preloaded in a server wrote when its measurement ended. */
async function readProbe(dir: string): Promise<string> {
  const file = join(dir, 'probe-1.json');
  const read = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  for (let i = 0; i < 50 && !read(); i++) await new Promise((r) => setTimeout(r, 100));
  return read() || 'not written';
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** Sends a command to a forked helper and waits for its first answer that has `key`. */
function ask<T>(child: ChildProcess, msg: unknown, key: string, timeoutMs = 300_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${key}" from helper within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: Record<string, unknown>) => {
      if ('error' in m) {
        clearTimeout(timer);
        child.off('message', onMessage);
        reject(new Error(String(m.error)));
      } else if (key in m) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m as T);
      }
    };
    child.on('message', onMessage);
    child.send(msg as object);
  });
}

interface ClientReport {
  frames: number;
  messages: number;
  dropped: number;
  p50: number | null;
  p99: number | null;
  open: number;
}

function round1(n: number | null): number | null {
  return n === null ? null : Math.round(n * 10) / 10;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-fanout-'));
  // Both servers carry the probe (GC pauses, event loop delay; with --profile the CPU profiler too).
  const probes = { loa: join(opts.profile ?? dir, 'loa'), baseline: join(opts.profile ?? dir, 'baseline') };
  await mkdir(probes.loa, { recursive: true });
  await mkdir(probes.baseline, { recursive: true });
  const probe = join(__dirname, 'fanout-profile.js');
  const cpuProfile = opts.profile ? '1' : '0';
  const server = await startServerProcess(dir, {
    env: { LOG_LEVEL: 'warn', NODE_OPTIONS: `--require ${probe}`, LOA_BENCH_PROBE_DIR: probes.loa, LOA_BENCH_CPU_PROFILE: cpuProfile },
  });
  const clients = fork(join(__dirname, 'fanout-clients.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const baseline = fork(join(__dirname, 'fanout-baseline.js'), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: ['--require', probe],
    env: { ...process.env, LOA_BENCH_PROBE_DIR: probes.baseline, LOA_BENCH_CPU_PROFILE: cpuProfile },
  });
  try {
    const admin = new Api(server.url);
    await admin.login('admin', ADMIN_PASSWORD);
    const unit = await admin.ok('POST', '/api/units', { name: 'Tỉnh thử tải', kind: 'Tỉnh' });
    log(`creating ${opts.agents} stations`);
    const tokens: string[] = [];
    const stationIds: string[] = [];
    for (let i = 0; i < opts.agents; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, opts.agents - i) }, (_, j) => admin.ok('POST', '/api/stations', { unitId: unit.id, name: `Trạm ${i + j}`, code: `tram-${i + j}` })),
      );
      for (const b of batch) {
        tokens.push(b.token);
        stationIds.push(b.station.id);
      }
    }
    const tone = await makeTone(join(dir, 'relay.wav'), { frequency: 440, seconds: opts.seconds });
    const upload = await admin.upload(tone);
    const asset = await admin.waitReady(upload.body.id, 120_000);
    const programme = await admin.ok('POST', '/api/programmes', { title: 'Tiếp sóng thử tải', chuyenMuc: 'Thử', mediaAssetId: asset.id });

    log('connecting the simulated agents to Loa');
    const wsUrl = server.url.replace('http', 'ws') + AGENT_WS_PATH;
    const { connected } = await ask<{ connected: number }>(clients, { cmd: 'connect', url: wsUrl, tokens, events: opts.events }, 'connected');
    await eventually('all agents registered', async () => (await admin.ok('GET', '/api/agents/status')).length === opts.agents, 120_000);
    // Let the connection burst settle before measuring, including the server's write of when each agent was
    // last seen, which it batches every 5 s: that belongs to the connections, not to the relay.
    await new Promise((r) => setTimeout(r, 6000));

    server.child.kill('SIGWINCH');
    const cpu0 = cpuMs(server.child.pid!);
    const clientsCpu0 = cpuMs(clients.pid!);
    const split0 = cpuSplit(server.child.pid!);
    const t0 = Date.now();
    const { relay } = await admin.ok('POST', '/api/live/relays', { title: 'Tiếp sóng thử tải', sourceKind: 'programme', programmeId: programme.id, unitIds: [unit.id] });
    const tPost = Date.now();
    let peakRss = 0;
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMb(server.child.pid!))), 1000);
    // Polled once a second from the light list route, so the bench itself adds little to the server's load.
    let ended: { status: string; recordingSha256: string } | undefined;
    while (!ended) {
      if (Date.now() - t0 > (opts.seconds + 60) * 1000) throw new Error('the relay did not end in time');
      await new Promise((r) => setTimeout(r, 1000));
      ended = (await admin.ok<{ id: string; status: string; recordingSha256: string }[]>('GET', '/api/live/relays')).find((r) => r.id === relay.id && r.status !== 'live');
    }
    clearInterval(rssTimer);
    server.child.kill('SIGWINCH');
    log(`Loa probe: ${await readProbe(probes.loa)}`);
    const full = await admin.ok('GET', `/api/live/relays/${relay.id}`);
    log(`relay on air ${full.relay.startedAt} → ${full.relay.endedAt}; POST answered after ${tPost - t0} ms; end seen at ${new Date().toISOString()}`);
    const loaSeconds = (Date.now() - t0) / 1000;
    const loaCpuPct = ((cpuMs(server.child.pid!) - cpu0) / (Date.now() - t0)) * 100;
    log(`Loa CPU: ${describeSplit(split0, cpuSplit(server.child.pid!), Date.now() - t0)}; the simulated agents' process ${(((cpuMs(clients.pid!) - clientsCpu0) / (Date.now() - t0)) * 100).toFixed(1)}%`);
    const loa = await ask<ClientReport>(clients, { cmd: 'report' }, 'frames');
    log(`Loa: ${JSON.stringify(loa)} cpu ${loaCpuPct.toFixed(1)}% over ${loaSeconds.toFixed(1)} s`);
    await ask(clients, { cmd: 'close' }, 'closed');

    log('same frames, same clients, bare ws server');
    const { port } = await ask<{ port: number }>(baseline, { cmd: 'listen' }, 'port');
    await ask(clients, { cmd: 'connect', url: `ws://127.0.0.1:${port}/`, tokens, ...(opts.baselineStatus ? { statusFor: relay.id } : {}) }, 'connected');
    await new Promise((r) => setTimeout(r, 3000));
    const recording = join(dir, 'media', 'sha256', ended.recordingSha256.slice(0, 2), `${ended.recordingSha256}.mp3`);
    baseline.kill('SIGWINCH');
    const b0 = cpuMs(baseline.pid!);
    const clientsCpuB0 = cpuMs(clients.pid!);
    const bSplit0 = cpuSplit(baseline.pid!);
    const tb = Date.now();
    await ask(baseline, { cmd: 'broadcast', file: recording, clients: opts.agents }, 'done', (opts.seconds + 60) * 1000);
    const baselineCpuPct = ((cpuMs(baseline.pid!) - b0) / (Date.now() - tb)) * 100;
    log(`baseline CPU: ${describeSplit(bSplit0, cpuSplit(baseline.pid!), Date.now() - tb)}; the simulated agents' process ${(((cpuMs(clients.pid!) - clientsCpuB0) / (Date.now() - tb)) * 100).toFixed(1)}%`);
    baseline.kill('SIGWINCH');
    log(`baseline probe: ${await readProbe(probes.baseline)}`);
    if (opts.profile) log(`CPU profiles of both servers written under ${opts.profile}`);
    const base = await ask<ClientReport>(clients, { cmd: 'report' }, 'frames');
    log(`baseline: ${JSON.stringify(base)} cpu ${baselineCpuPct.toFixed(1)}%`);

    process.stdout.write(
      JSON.stringify({
        agents: connected,
        seconds: Math.round(loaSeconds * 10) / 10,
        frames: loa.frames,
        dropped: loa.dropped,
        p50_ms: round1(loa.p50),
        p99_ms: round1(loa.p99),
        server_cpu_pct: round1(loaCpuPct),
        server_rss_mb: peakRss,
        baseline_cpu_pct: round1(baselineCpuPct),
        baseline_p99_ms: round1(base.p99),
        baseline_dropped: base.dropped,
      }) + '\n',
    );
  } catch (e) {
    log(`server output, last lines:\n${server.text.slice(-3000)}; exit ${server.child.exitCode ?? server.child.signalCode}`);
    throw e;
  } finally {
    clients.kill();
    baseline.kill();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
