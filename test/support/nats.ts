import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's nats-server (package `nats-server`), or LOA_NATS_SERVER. */
export const NATS_SERVER = process.env.LOA_NATS_SERVER || 'nats-server';
export const NATS_MISSING = `NATS cluster specs skipped: no ${NATS_SERVER} on PATH. Install Debian's NATS server (apt-get install nats-server) or set LOA_NATS_SERVER.`;

export function natsAvailable(): boolean {
  const probe = spawnSync(NATS_SERVER, ['--version'], { stdio: 'ignore' });
  return !probe.error && probe.status === 0;
}

/** A throw-away NATS with JetStream on a free loopback port; its JetStream store lives in one temp folder. */
export interface NatsServer {
  url: string;
  port: number;
  dir: string;
  /** The server's process id while it runs. */
  pid(): number | undefined;
  /** Stops the server (SIGTERM) and starts it again on the same port and store, as an operator's restart would. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startNats(): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'loa-nats-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let output = '';

  const launch = async () => {
    output = '';
    const proc = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', join(dir, 'store'), '-n', 'loa-test'], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child = proc;
    const until = Date.now() + 20_000;
    while (!(await accepting(port))) {
      if (proc.exitCode !== null) throw new Error(`nats-server exited (${proc.exitCode}):\n${output}`);
      if (Date.now() > until) throw new Error(`nats-server not accepting on ${port} within 20 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const halt = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => (child as ChildProcess | null)?.pid,
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
