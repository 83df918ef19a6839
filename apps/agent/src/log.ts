import { systemNow } from './clock';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Plain lines on stdout/stderr; systemd's journal adds its own timestamps, a terminal gets ours. */
export function consoleLogger(prefix = 'loa-agent', now: () => number = systemNow): Logger {
  const line = (level: string, message: string) => `${new Date(now()).toISOString()} ${level} [${prefix}] ${message}`;
  return {
    info: (m) => process.stdout.write(line('INFO ', m) + '\n'),
    warn: (m) => process.stdout.write(line('WARN ', m) + '\n'),
    error: (m) => process.stderr.write(line('ERROR', m) + '\n'),
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
