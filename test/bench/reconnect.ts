import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_WS_PATH } from '@loa/protocol';
import { Api } from '../support/api';
import { createStations, toneProgramme } from './bench-stations';
import { ADMIN_PASSWORD, eventually, Proc, ServerProc, startServerProcess } from '../support/processes';

/**
 * A reconnect storm: N simulated agents (the real agent's link, with its backoff and jitter) are
 * connected; the server is restarted; every agent reconnects at once. Measures how long until every
 * agent holds its schedule again, and the API's latency for a person using it during the storm.
 * One JSON line on stdout: {"agents","all_synced_s","api_p99_ms","errors"}.
 */
function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function parseAgents(argv: string[]): number {
  const i = argv.findIndex((a) => a === '--agents' || a.startsWith('--agents='));
  if (i < 0) return 2000;
  const raw = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--agents needs a positive integer, got ${raw}`);
  return n;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface Progress {
  epoch: number;
  synced: number;
  closes: number;
  errors: number;
}

async function main(): Promise<number> {
  const agents = parseAgents(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'loa-reconnect-'));
  const procs: Proc[] = [];
  const cleanup = () => {
    for (const p of procs) p.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => (cleanup(), process.exit(130)));
  try {
    let server: ServerProc = await startServerProcess(dir);
    procs.push(server);
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const unit = await api.ok('POST', '/api/units', { name: 'Tỉnh thử tải', kind: 'Tỉnh' });

    log(`creating ${agents} stations`);
    const { tokens, stationIds } = await createStations(api, unit.id, agents);
    // Every snapshot carries a real item, as on a working day.
    const programme = await toneProgramme(api, dir);
    await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(Date.now() + 3600_000).toISOString(), stationIds });

    const spec = join(dir, 'agents.json');
    writeFileSync(spec, JSON.stringify({ wsUrl: server.url.replace('http', 'ws') + AGENT_WS_PATH, tokens }));
    const sim = spawn(process.execPath, [join(__dirname, 'reconnect-agents.js'), spec], { stdio: ['pipe', 'pipe', 'inherit'] });
    const simProc = new Proc('agents', sim);
    procs.push(simProc);
    let progress: Progress = { epoch: 0, synced: 0, closes: 0, errors: 0 };
    let buffered = '';
    sim.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      if (lines.length) progress = JSON.parse(lines[lines.length - 1]) as Progress;
    });

    await eventually('every agent connected and synced', () => progress.epoch === 0 && progress.synced === agents, 300_000);
    log(`all ${agents} agents synced; restarting the server`);

    const port = server.port;
    sim.stdin.write('reset\n');
    await eventually('the agents to forget', () => progress.epoch === 1, 10_000);
    const errorsBefore = progress.errors;
    await server.stop();
    procs.splice(procs.indexOf(server), 1);
    server = await startServerProcess(dir, { port });
    procs.push(server);
    const t0 = performance.now();

    // A person using the API during the storm: one request at a time, as a browser would.
    const latencies: number[] = [];
    let apiErrors = 0;
    const paths = ['/api/health', `/api/logbook?limit=50`, `/api/slots?stationId=${stationIds[0]}`, '/api/programmes'];
    let allSyncedMs: number | null = null;
    for (let i = 0; ; i++) {
      const started = performance.now();
      const res = await api.request('GET', paths[i % paths.length]);
      latencies.push(performance.now() - started);
      if (res.status !== 200) apiErrors++;
      if (allSyncedMs === null && progress.synced === agents) allSyncedMs = performance.now() - t0;
      // Keep measuring a little after the storm, and give up after five minutes.
      if (allSyncedMs !== null && performance.now() - t0 > allSyncedMs + 1000) break;
      if (performance.now() - t0 > 300_000) break;
    }
    latencies.sort((a, b) => a - b);
    sim.stdin.end();
    await simProc.stop();
    await server.stop();

    const errors = apiErrors + (progress.errors - errorsBefore);
    const result = {
      agents,
      all_synced_s: allSyncedMs === null ? null : Math.round(allSyncedMs) / 1000,
      api_p99_ms: Math.round(percentile(latencies, 99) * 10) / 10,
      errors,
    };
    log(`${latencies.length} API requests during the storm; p50 ${percentile(latencies, 50).toFixed(1)} ms; max ${latencies[latencies.length - 1].toFixed(1)} ms`);
    process.stdout.write(JSON.stringify(result) + '\n');
    return allSyncedMs === null ? 1 : 0;
  } finally {
    cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
