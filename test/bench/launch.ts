import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Proc, type ServerProc } from '../support/processes';

/**
 * Server and agent launchers for compiled benchmarks. test/support/processes.ts finds the repo as two
 * levels above itself, which is right under ts-jest but is `dist/` once compiled, so its launchers look
 * for dist/dist/... Here the repo is found by walking up to package.json; everything else matches theirs.
 */
function repoRoot(): string {
  for (let d = __dirname; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (dirname(d) === d) throw new Error(`no package.json above ${__dirname}`);
  }
}

const ROOT = repoRoot();
const SERVER_MAIN = join(ROOT, 'dist/apps/server/src/main.js');
const AGENT_MAIN = join(ROOT, 'dist/apps/agent/src/main.js');

export const ADMIN_PASSWORD = 'bench-admin-password';

/** The compiled server on loopback with a free port, its data under `dir`. */
export async function startServer(dir: string): Promise<ServerProc> {
  const child = spawn(process.execPath, [SERVER_MAIN], {
    cwd: dir,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
      MEDIA_DIR: join(dir, 'media'),
      LOA_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new Proc('server', child) as ServerProc;
  const m = await proc.waitFor(/Loa server: (http:\/\/[^\s]+)/, 60_000);
  proc.url = m[1].replace('[::1]', '127.0.0.1');
  proc.port = Number(new URL(proc.url).port);
  return proc;
}

/** The compiled agent with the `file` player writing into `<dir>/sink`. */
export function startAgent(dir: string, serverUrl: string, token: string): Proc {
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
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Proc('agent', child);
}
