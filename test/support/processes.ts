import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SinkRecord } from '../../apps/agent/src/player/file-player';

export type { SinkRecord };

/** The repository: found through its package.json, so this works from the sources and compiled into dist/. */
function repoRoot(): string {
  for (let d = __dirname; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) throw new Error(`no package.json above ${__dirname}`);
  }
}

const ROOT = repoRoot();
const SERVER_MAIN = join(ROOT, 'dist/apps/server/src/main.js');
export const AGENT_MAIN = join(ROOT, 'dist/apps/agent/src/main.js');

const PG_OVERLAP = /client\.query\(\) when the client is already executing a query/;

/** Every server process started by this test file, for the checks made when it ends. */
export const startedServers: ServerProc[] = [];

/** A real process of ours, with its output kept for when a test fails. */
export class Proc {
  readonly output: string[] = [];
  /** pg's warning that a query was sent to a connection already running one (printed once per process). */
  pgOverlap = false;
  private exited: Promise<number | null>;

  constructor(readonly name: string, readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      if (PG_OVERLAP.test(text)) this.pgOverlap = true;
      this.output.push(text);
      if (this.output.length > 2000) this.output.splice(0, 1000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get text(): string {
    return this.output.join('');
  }

  /** Resolves when a line of output matches, or fails after the timeout with the output so far. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = this.text.match(pattern);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited (${this.child.exitCode}) before ${pattern}:\n${this.text}`);
      if (Date.now() > until) throw new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms:\n${this.text}`);
      await sleep(50);
    }
  }

  /** SIGTERM, then SIGKILL if it has not gone within 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** The password of user `admin`, made on the first start of a test server. */
export const ADMIN_PASSWORD = 'e2e-admin-password';

export interface ServerProc extends Proc {
  url: string;
  port: number;
}

/** Starts `node dist/apps/server/src/main.js` on loopback; port 0 picks a free one. */
export async function startServerProcess(dir: string, opts: { port?: number; env?: Record<string, string> } = {}): Promise<ServerProc> {
  const child = spawn(process.execPath, [SERVER_MAIN], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: String(opts.port ?? 0),
      HOST: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
      MEDIA_DIR: join(dir, 'media'),
      LOA_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new Proc('server', child) as ServerProc;
  startedServers.push(proc);
  const m = await proc.waitFor(/Loa server: (http:\/\/[^\s]+)/, 60_000);
  proc.url = m[1].replace('[::1]', '127.0.0.1');
  proc.port = Number(new URL(proc.url).port);
  return proc;
}

/** Starts a station agent process with the `file` player writing into `<dir>/sink`. */
export function startAgentProcess(dir: string, serverUrl: string, token: string, env: Record<string, string> = {}): Proc {
  mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [AGENT_MAIN], {
    cwd: dir,
    env: {
      ...process.env,
      LOA_SERVER_URL: serverUrl,
      LOA_STATION_TOKEN: token,
      LOA_CACHE_DIR: join(dir, 'cache'),
      LOA_PLAYER: 'file',
      LOA_SINK_DIR: join(dir, 'sink'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Proc('agent', child);
}


/** What a `file` player wrote: one record per programme put on air. */
export function readSink(sinkDir: string): SinkRecord[] {
  const journal = join(sinkDir, 'sink.jsonl');
  if (!existsSync(journal)) return [];
  return readFileSync(journal, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as SinkRecord);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` returns a value, or fails after the timeout. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
