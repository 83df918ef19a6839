#!/usr/bin/env node
import { startAgent } from './agent';
import { ConfigError, configPathFromArgs, loadConfig } from './config';
import { enrol, EnrolError, parseEnrolArgs } from './enrol';
import { parseSetPinArgs, readPinFromStdin, setPin } from './console/set-pin';
import { consoleLogger, errorText } from './log';

async function enrolCommand(argv: readonly string[]): Promise<void> {
  try {
    const done = await enrol(parseEnrolArgs(argv));
    process.stdout.write(
      `Đã đăng ký trạm "${done.station.name}" (${done.station.code}) với máy chủ ${done.serverUrl}.\n` +
        `Đã ghi địa chỉ máy chủ và mã trạm vào ${done.configPath} (chỉ chủ tệp đọc được, quyền 0600).\n` +
        (process.env.LOA_STATION_TOKEN ? `Lưu ý: biến môi trường LOA_STATION_TOKEN đang đặt sẽ được dùng thay cho mã trong tệp; hãy bỏ nó đi.\n` : '') +
        `Khởi động (lại) phần mềm trạm để dùng cấu hình mới, ví dụ: sudo systemctl restart loa-agent\n`,
    );
  } catch (e) {
    if (e instanceof EnrolError || e instanceof ConfigError) {
      process.stderr.write(`loa-agent enrol: ${e.message}\n`);
      process.exit(e instanceof EnrolError ? 1 : 2);
    }
    throw e;
  }
}

async function setPinCommand(argv: readonly string[]): Promise<void> {
  try {
    const args = parseSetPinArgs(argv);
    await setPin(args, await readPinFromStdin());
    process.stdout.write(
      `Đã lưu mã PIN (đã băm) vào ${args.configPath}.\n` +
        `Khởi động lại phần mềm trạm để dùng mã mới, ví dụ: sudo systemctl restart loa-agent\n` +
        `Bảng điều khiển tại trạm: http://ĐỊA-CHỈ-MÁY-TRẠM:8080 từ điện thoại trong cùng mạng.\n`,
    );
  } catch (e) {
    if (e instanceof EnrolError) {
      process.stderr.write(`loa-agent set-pin: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === 'enrol') return enrolCommand(args.slice(1));
  if (args[0] === 'set-pin') return setPinCommand(args.slice(1));
  const log = consoleLogger();
  let config;
  try {
    config = loadConfig({ env: process.env, file: configPathFromArgs(args) });
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
