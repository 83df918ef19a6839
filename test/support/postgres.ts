import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Debian's PostgreSQL binaries (package `postgresql`, the newest installed major), or LOA_PG_BIN. */
export const PG_BIN = process.env.LOA_PG_BIN || debianPgBin();

function debianPgBin(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base) ? readdirSync(base).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a)) : [];
  return join(base, majors[0] ?? '15', 'bin');
}
export const PG_MISSING = `PostgreSQL specs SKIPPED: no initdb/pg_ctl in ${PG_BIN}. Install Debian's PostgreSQL (apt-get install postgresql) or set LOA_PG_BIN.`;

export function postgresAvailable(): boolean {
  return existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));
}

/** A throw-away PostgreSQL cluster on a free loopback port; its socket and files live in one temp folder. */
export interface PgCluster {
  dir: string;
  port: number;
  /** URL of a database in the cluster (user `loa`, no password: trust on loopback only). */
  url(database: string): string;
  stop(): void;
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

/**
 * initdb refuses to run as root, so as root the cluster belongs to the `postgres` user (run with runuser);
 * as anyone else it is simply theirs. Durability is off: the cluster lives for one test run.
 */
export async function startPostgres(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'loa-pg-'));
  const asRoot = userInfo().uid === 0;
  const run = (bin: string, args: string[]) => {
    const cmd = join(PG_BIN, bin);
    return asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', 'loa', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const options = [`-p ${port}`, `-k ${dir}`, `-c listen_addresses=127.0.0.1`, '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=200'];
    run('pg_ctl', ['-D', data, '-l', log, '-o', options.join(' '), '-w', '-t', '60', 'start']);
  } catch (err) {
    const detail = existsSync(log) ? readFileSync(log, 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL: ${(err as Error).message}\n${detail}`);
  }
  return {
    dir,
    port,
    url: (database) => `postgres://loa@127.0.0.1:${port}/${database}`,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A new, empty database in the cluster whose `postgres` database `adminUrl` names; returns its URL. */
export async function createDatabase(adminUrl: string, prefix = 'loa'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
