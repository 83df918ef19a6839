#!/usr/bin/env node
import { startServer } from './bootstrap';
import { AppConfig, ConfigError } from './config/app-config';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const app = await startServer(config);
  console.log(`Loa server: ${await app.getUrl()} (API docs at /api/docs)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
