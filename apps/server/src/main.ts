#!/usr/bin/env node
import { startServer } from './bootstrap';
import { AppConfig } from './config/app-config';

async function main(): Promise<void> {
  const app = await startServer(AppConfig.fromEnvOrExit());
  console.log(`Loa server: ${await app.getUrl()} (API docs at /api/docs)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
