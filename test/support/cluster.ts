import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats, type NatsServer } from './nats';
import { createDatabase, startPostgres, type PgCluster } from './postgres';
import { startServerProcess, type ServerProc } from './processes';

/**
 * The grown deployment for a spec: a throw-away PostgreSQL and NATS, and server instances that share the
 * media folder, the seal key and the sign-in secret, each in its own folder of one temp folder.
 */
export interface ClusterEngines {
  readonly dir: string;
  readonly pg: PgCluster;
  readonly nats: NatsServer;
  readonly databaseUrl: string;
  /** What every instance is started with. */
  readonly env: Record<string, string>;
  readonly servers: ServerProc[];
  /** One more instance with the same settings, in `dir/name`; added to `servers`. */
  addInstance(name: string): Promise<ServerProc>;
  /** Stops the instances, NATS and PostgreSQL, and removes the temp folder. */
  stop(): Promise<void>;
}

/** `instances` names the instances' folders (`['a', 'b']`); `label` names the temp folder and the secret. */
export async function startClusterEngines(label: string, instances: string[]): Promise<ClusterEngines> {
  const dir = await mkdtemp(join(tmpdir(), `loa-${label}-`));
  const servers: ServerProc[] = [];
  let pg: PgCluster | undefined;
  let nats: NatsServer | undefined;
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await nats?.stop();
    pg?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    pg = await startPostgres();
    const databaseUrl = await createDatabase(pg.url('postgres'));
    nats = await startNats();
    const env = {
      DATABASE_URL: databaseUrl,
      NATS_URL: nats.url,
      MEDIA_DIR: join(dir, 'media'),
      JWT_SECRET: `${label}-e2e-secret-shared-by-the-instances`,
      LOA_SEAL_KEY_FILE: join(dir, 'seal-ed25519.pem'),
      LOG_LEVEL: 'log',
    };
    const addInstance = async (name: string) => {
      await mkdir(join(dir, name), { recursive: true });
      const server = await startServerProcess(join(dir, name), { env });
      servers.push(server);
      return server;
    };
    for (const name of instances) await addInstance(name);
    return { dir, pg, nats, databaseUrl, env, servers, addInstance, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
