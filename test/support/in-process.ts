import type { INestApplication } from '@nestjs/common';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../apps/server/src/bootstrap';
import { AppConfig } from '../../apps/server/src/config/app-config';
import { Api } from './api';
import { testDatabaseEnv } from './test-db';

/**
 * The whole server inside the test process, on a fresh database (a SQLite file, or a PostgreSQL database
 * with LOA_TEST_DB=postgres) with its real migrations and a free
 * loopback port, with an API client already signed in as the first admin. `env` adds or overrides settings.
 */
export async function startInProcessServer(
  prefix: string,
  env: Record<string, string> = {},
): Promise<{ dir: string; config: AppConfig; app: INestApplication; api: Api }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const config = AppConfig.fromEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: join(dir, 'data'),
    MEDIA_DIR: join(dir, 'media'),
    LOA_ADMIN_PASSWORD: 'integration-admin-pw',
    LOG_LEVEL: 'error',
    ...(await testDatabaseEnv()),
    ...env,
  });
  const app = await startServer(config);
  const api = new Api(await app.getUrl());
  await api.login('admin', 'integration-admin-pw');
  return { dir, config, app, api };
}
