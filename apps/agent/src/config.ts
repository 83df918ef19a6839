import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { AGENT_WS_PATH } from '@loa/protocol';
import { DownloadWindow } from './bandwidth';
import { PIN_HASH_PATTERN } from './console/pin';

export type PlayerKind = 'alsa' | 'file' | 'null';

export interface AgentConfig {
  /** http(s) base URL of the first server listed, without a trailing slash. */
  serverUrl: string;
  /** ws(s) URL of the agent endpoint on that server. */
  wsUrl: string;
  /**
   * Every server instance the agent may use, in the order it tries them (LOA_SERVER_URL=a,b,c): when the one
   * it holds goes away it moves to the next. One URL (a load balancer, or a single server) is a list of one.
   */
  serverUrls: string[];
  stationToken: string;
  cacheDir: string;
  player: PlayerKind;
  alsaDevice: string;
  /**
   * Speaker clusters (cụm loa): the server's cluster id → the output that reaches it (an ALSA device for
   * the `alsa` player; the `file` player writes each under sinkDir/<id>). Empty: one output for the station.
   */
  clusters: Record<string, string>;
  sinkDir: string;
  lookaheadHours: number;
  lateGraceMs: number;
  /** A hard start fades what it cuts over this long (0: cut at once). */
  fadeMs: number;
  /** What really went out, for proof of air and dead air: `alsa:DEVICE`, `file:PATH`, or null. */
  capture: string | null;
  /** Silence or flat sound on air this long is dead air. */
  deadAirSeconds: number;
  /** Each precise start is made on threads of their own (see start-line.ts); false: on the event loop. */
  startThread: boolean;
  /** Plain http:// and ws:// to a server off this machine, allowed only when asked for (LOA_ALLOW_INSECURE=1). */
  allowInsecure: boolean;
  /** All downloads together at most this many kbit/s; null: no cap. */
  downloadKbps: number | null;
  /** Downloads wait for this window of the box's day, unless an airing needs the file sooner. */
  downloadWindow: DownloadWindow | null;
  /** Outside the window, a file airing within this many hours is downloaded at once. */
  downloadUrgentHours: number;
  /** Where the local console listens (`HOST:PORT`); null: switched off. */
  consoleListen: string | null;
  /** The console's PIN, hashed (`loa-agent set-pin`); without one the console does not start. */
  consolePinHash: string | null;
  /** The ALSA mixer control the console's volume sets. */
  mixerControl: string;
}

/** Environment variable ↔ config-file key. The environment wins over the file. */
const KEYS = {
  serverUrl: 'LOA_SERVER_URL',
  stationToken: 'LOA_STATION_TOKEN',
  cacheDir: 'LOA_CACHE_DIR',
  player: 'LOA_PLAYER',
  alsaDevice: 'LOA_ALSA_DEVICE',
  clusters: 'LOA_CLUSTERS',
  sinkDir: 'LOA_SINK_DIR',
  lookaheadHours: 'LOA_LOOKAHEAD_HOURS',
  lateGraceMs: 'LOA_LATE_GRACE_MS',
  fadeMs: 'LOA_FADE_MS',
  capture: 'LOA_CAPTURE',
  deadAirSeconds: 'LOA_DEAD_AIR_SECONDS',
  allowInsecure: 'LOA_ALLOW_INSECURE',
  startThread: 'LOA_START_THREAD',
  downloadKbps: 'LOA_DOWNLOAD_KBPS',
  downloadWindow: 'LOA_DOWNLOAD_WINDOW',
  downloadUrgentHours: 'LOA_DOWNLOAD_URGENT_HOURS',
  consoleListen: 'LOA_CONSOLE_LISTEN',
  consolePinHash: 'LOA_CONSOLE_PIN_HASH',
  mixerControl: 'LOA_MIXER_CONTROL',
} as const;
type Key = keyof typeof KEYS;

const number = (min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().int().min(min).max(max));

const isHttpUrl = (v: string) => /^https?:\/\/[^/\s]+/i.test(v) && URL.canParse(v);

/** One URL, or several separated by commas: the server instances the agent may connect to. */
const serverList = z
  .string({ error: 'thiếu địa chỉ máy chủ (missing)' })
  .transform((v) => v.split(',').map((u) => u.trim()))
  .superRefine((urls, ctx) => {
    if (urls.some((u) => u === '')) ctx.addIssue({ code: 'custom', message: 'danh sách máy chủ có mục trống: các địa chỉ cách nhau bằng một dấu phẩy (empty entry in the list)' });
    for (const u of urls.filter((u) => u !== '' && !isHttpUrl(u))) {
      ctx.addIssue({ code: 'custom', message: `"${u}" phải là địa chỉ http(s)://… hợp lệ (must be an http(s) URL)` });
    }
    if (urls.length > 16) ctx.addIssue({ code: 'custom', message: 'tối đa 16 địa chỉ máy chủ (at most 16 URLs)' });
  });

const Schema = z.strictObject({
  serverUrl: serverList,
  stationToken: z.string({ error: 'thiếu mã trạm (missing)' }).trim().min(8, 'mã trạm quá ngắn (token too short)'),
  cacheDir: z.string().min(1).default('./agent-data'),
  player: z.enum(['alsa', 'file', 'null'], { error: 'phải là alsa, file hoặc null' }).default('alsa'),
  alsaDevice: z.string().min(1).default('default'),
  clusters: z
    .preprocess(
      (v) => {
        if (typeof v !== 'string') return v;
        try {
          return JSON.parse(v) as unknown;
        } catch {
          return v;
        }
      },
      z.record(
        z.string().trim().min(1).max(200).regex(/^[\w-]+$/, 'mã cụm loa chỉ gồm chữ, số, - và _ (cluster id: letters, digits, - and _)'),
        z.string().trim().min(1, 'thiết bị của cụm loa không được trống (empty device)').max(200),
        { error: 'phải là JSON {"mã-cụm-loa": "thiết bị ALSA", …}, ví dụ {"c1a2…": "hw:1,0"} (must be a JSON object of cluster id → device)' },
      ),
    )
    .refine((r) => Object.keys(r).length <= 32, 'tối đa 32 cụm loa (at most 32 clusters)')
    .default({}),
  sinkDir: z.string().min(1).optional(),
  lookaheadHours: number(1, 24 * 14).default(48),
  lateGraceMs: number(0, 600_000).default(2000),
  fadeMs: number(0, 5000).default(300),
  capture: z
    .string()
    .trim()
    .refine((v) => v === 'none' || /^(alsa|file):.+$/.test(v), 'phải là alsa:THIẾT_BỊ, file:ĐƯỜNG_DẪN hoặc none (must be alsa:DEVICE, file:PATH or none)')
    .default('none'),
  deadAirSeconds: number(2, 600).default(8),
  allowInsecure: z
    .preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no'])]))
    .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes')
    .default(false),
  startThread: z
    .preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no'])]))
    .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes')
    .default(true),
  downloadKbps: number(8, 10_000_000).optional(),
  downloadWindow: z
    .string()
    .refine((v) => DownloadWindow.parse(v) !== null, 'phải có dạng GIỜ:PHÚT-GIỜ:PHÚT theo giờ của máy trạm, hai mốc khác nhau, ví dụ 22:00-05:00 (must be HH:MM-HH:MM)')
    .optional(),
  downloadUrgentHours: number(0, 24 * 14).default(6),
  consoleListen: z
    .string()
    .trim()
    .refine((v) => v === 'off' || /^(\[[0-9a-fA-F:.]+\]|[0-9.]*|[A-Za-z0-9.-]+):\d{1,5}$/.test(v), 'phải có dạng ĐỊA-CHỈ:CỔNG (ví dụ 0.0.0.0:8080) hoặc off (must be HOST:PORT or off)')
    .default('0.0.0.0:8080'),
  consolePinHash: z.string().regex(PIN_HASH_PATTERN, 'không phải mã PIN đã băm: đặt lại bằng "loa-agent set-pin" (not a PIN hash)').optional(),
  mixerControl: z.string().trim().min(1).max(100).default('Master'),
}).superRefine((c, ctx) => {
  // The station token travels with every request: over plain HTTP anyone on the path can copy it and
  // take the station's place. On the same machine there is no path to listen on.
  const exposed = c.serverUrl.filter((u) => /^http:/i.test(u) && URL.canParse(u) && !isLoopback(new URL(u).hostname));
  if (exposed.length && !c.allowInsecure) {
    ctx.addIssue({
      code: 'custom',
      path: ['serverUrl'],
      message:
        'máy chủ ở máy khác phải dùng https:// (mã trạm sẽ lộ trên đường truyền); nếu mạng nội bộ đã được bảo vệ, đặt LOA_ALLOW_INSECURE=1 (a remote server needs https://, or LOA_ALLOW_INSECURE=1)',
    });
  }
});

/** Names and addresses that never leave this machine. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cấu hình không hợp lệ (invalid configuration):\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON file with camelCase keys. */
  file?: string;
  readFile?: (path: string) => string;
}

/** Reads, merges and validates the configuration once; throws ConfigError naming every bad value. */
export function loadConfig(sources: ConfigSources = {}): AgentConfig {
  const env = sources.env ?? process.env;
  let fromFile: Record<string, unknown> = {};
  if (sources.file) {
    let text: string;
    try {
      text = (sources.readFile ?? ((p) => readFileSync(p, 'utf8')))(sources.file);
    } catch (e) {
      throw new ConfigError([`${sources.file}: không đọc được tệp cấu hình (${(e as Error).message})`]);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      fromFile = parsed as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError([`${sources.file}: không phải JSON hợp lệ (${(e as Error).message})`]);
    }
  }

  const merged: Record<string, unknown> = { ...fromFile };
  for (const key of Object.keys(KEYS) as Key[]) {
    const value = env[KEYS[key]];
    if (value !== undefined && value !== '') merged[key] = value;
  }

  const result = Schema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        const name = key in KEYS ? `${KEYS[key as Key]} (${key})` : issue.code === 'unrecognized_keys' ? 'tệp cấu hình' : key;
        return `${name}: ${issue.message}`;
      }),
    );
  }
  const c = result.data;
  const serverUrls = [...new Set(c.serverUrl.map((u) => u.replace(/\/+$/, '')))];
  const cacheDir = resolve(c.cacheDir);
  return {
    serverUrl: serverUrls[0],
    wsUrl: agentWsUrl(serverUrls[0]),
    serverUrls,
    stationToken: c.stationToken,
    cacheDir,
    player: c.player,
    alsaDevice: c.alsaDevice,
    clusters: c.clusters,
    sinkDir: resolve(c.sinkDir ?? resolve(cacheDir, 'sink')),
    lookaheadHours: c.lookaheadHours,
    lateGraceMs: c.lateGraceMs,
    fadeMs: c.fadeMs,
    capture: c.capture === 'none' ? null : c.capture,
    deadAirSeconds: c.deadAirSeconds,
    allowInsecure: c.allowInsecure,
    startThread: c.startThread,
    downloadKbps: c.downloadKbps ?? null,
    downloadWindow: c.downloadWindow ? DownloadWindow.parse(c.downloadWindow) : null,
    downloadUrgentHours: c.downloadUrgentHours,
    consoleListen: c.consoleListen === 'off' ? null : c.consoleListen,
    consolePinHash: c.consolePinHash ?? null,
    mixerControl: c.mixerControl,
  };
}

/** The agent endpoint of a server given by its http(s) base URL. */
export function agentWsUrl(serverUrl: string): string {
  return serverUrl.replace(/^http/i, 'ws') + AGENT_WS_PATH;
}

/** `--config path` or `--config=path` from the command line. */
export function configPathFromArgs(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') {
      const path = argv[i + 1];
      if (!path || path.startsWith('--')) throw new ConfigError(['--config: thiếu đường dẫn tệp cấu hình (missing path)']);
      return path;
    }
    if (argv[i].startsWith('--config=')) return argv[i].slice('--config='.length);
  }
  return undefined;
}
