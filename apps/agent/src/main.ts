#!/usr/bin/env node
import { startAgent } from './agent';
import { ConfigError, configPathFromArgs, loadConfig } from './config';
import { consoleLogger, errorText } from './log';

async function main(): Promise<void> {
  const log = consoleLogger();
  let config;
  try {
    config = loadConfig({ env: process.env, file: configPathFromArgs(process.argv.slice(2)) });
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  log.info(`Khởi động trạm: máy chủ ${config.serverUrl}, bộ nhớ đệm ${config.cacheDir}, đầu ra ${config.player}`);
  const agent = await startAgent(config, { log });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`Nhận ${signal}: đang dừng…`);
    agent.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error(`Lỗi khi dừng: ${errorText(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`loa-agent: không khởi động được: ${errorText(e)}\n`);
  process.exit(1);
});
