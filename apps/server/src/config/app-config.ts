import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { validate as validCron } from 'node-cron';
import { z } from 'zod';
import { DEFAULT_TIMEZONE } from '@loa/protocol';
import { DEFAULT_SETTINGS, type AlertSettings } from '../alerts/alert-rules';
import { AllowList } from '../live/stream-address';

const timezone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'không phải múi giờ IANA (ví dụ Asia/Ho_Chi_Minh)' },
);

/** Named ranges Express understands, an address, or an address/prefix. */
function trustedProxyEntry(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Who may say, in X-Forwarded-For, which client it forwards: off (the default, the socket's address
 * counts), a number of proxy hops, or a comma list of proxy addresses, address/prefix ranges and the names
 * loopback, linklocal, uniquelocal. "true" (trust anyone) is refused: any client could then pick the
 * address the sign-in limiter counts.
 */
const trustProxy = z
  .string()
  .trim()
  .refine((v) => /^(false|off|no|0)$/i.test(v) || /^[1-9]$/.test(v) || v.split(',').every((e) => trustedProxyEntry(e.trim())), {
    message: 'phải là số tầng proxy (1–9) hoặc danh sách địa chỉ proxy, ví dụ loopback hoặc 10.0.0.5,172.16.0.0/12',
  })
  .transform((v): TrustProxy => {
    if (/^(false|off|no|0)$/i.test(v)) return false;
    if (/^[1-9]$/.test(v)) return Number(v);
    return v.split(',').map((e) => e.trim());
  });

export type TrustProxy = false | number | string[];

/** A PostgreSQL connection URL; credentials may be in it, so it is never echoed back in an error. */
const postgresUrl = z.string().refine(
  (v) => {
    try {
      const url = new URL(v);
      return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && url.pathname.length > 1;
    } catch {
      return false;
    }
  },
  { message: 'không phải địa chỉ PostgreSQL (ví dụ postgres://loa:mật-khẩu@db:5432/loa)' },
);

/** NATS servers, comma-separated (several for a NATS cluster); credentials may be in them, so never echoed. */
const natsUrl = z.string().refine(
  (v) =>
    v.split(',').every((part) => {
      try {
        const url = new URL(part.trim());
        return (url.protocol === 'nats:' || url.protocol === 'tls:') && url.hostname !== '' && (url.pathname === '' || url.pathname === '/');
      } catch {
        return false;
      }
    }),
  { message: 'không phải địa chỉ NATS (ví dụ nats://nats:4222, nhiều máy chủ cách nhau bằng dấu phẩy)' },
);
/** Where `npm run pack:agent` writes, seen from the compiled dist/apps/server/src/config: dist/agent-bundle. */
export const DEFAULT_AGENT_BUNDLE_DIR = resolve(__dirname, '..', '..', '..', '..', 'agent-bundle');

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  MEDIA_DIR: z.string().min(1).default('./media'),
  /** PostgreSQL instead of the embedded SQLite file. */
  DATABASE_URL: postgresUrl.optional(),
  /** NATS (JetStream on) linking several server instances; without it the server is alone. */
  NATS_URL: natsUrl.optional(),
  JWT_SECRET: z.string().min(32, 'cần ít nhất 32 ký tự').optional(),
  JWT_TTL_SECONDS: positiveInt(12 * 3600),
  LOA_TIMEZONE: timezone.default(DEFAULT_TIMEZONE),
  MAX_UPLOAD_MB: positiveInt(500),
  SCHEDULE_WINDOW_DAYS: positiveInt(7),
  /** How far ahead a subscribed iCalendar feed lists airings; each request expands the rules that far. */
  CALENDAR_FEED_DAYS: z.coerce.number().int().min(1).max(366).default(92),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug']).default('log'),
  /** On a first start with no users, an admin "admin" is created with this password. */
  LOA_ADMIN_PASSWORD: z.string().min(10, 'cần ít nhất 10 ký tự').optional(),
  BROADCAST_SAMPLE_RATE: z.coerce.number().pipe(z.union([z.literal(22050), z.literal(44100), z.literal(48000)])).default(44100),
  BROADCAST_CHANNELS: z.coerce.number().pipe(z.union([z.literal(1), z.literal(2)])).default(1),
  BROADCAST_BITRATE_KBPS: z.coerce.number().int().min(32).max(320).default(96),
  /** LAME's -q: 0 slowest and finest … 9 fastest. 7 is transparent enough for speech on loudspeakers and twice as fast as 3. */
  BROADCAST_MP3_QUALITY: z.coerce.number().int().min(0).max(9).default(7),
  /** EBU R128 integrated loudness every broadcast file is brought to; −23 is the EBU broadcast norm. */
  LOUDNESS_TARGET_LUFS: z.coerce.number().min(-31).max(-10).default(-16),
  TRUE_PEAK_CEILING_DBTP: z.coerce.number().min(-9).max(0).default(-1),
  /** Leading and trailing audio below this level, for at least SILENCE_MIN_MS, is cut. */
  SILENCE_THRESHOLD_DB: z.coerce.number().min(-90).max(-20).default(-50),
  SILENCE_MIN_MS: z.coerce.number().int().min(100).max(60_000).default(500),
  MAX_DURATION_S: positiveInt(4 * 3600),
  MEDIA_JOB_CONCURRENCY: positiveInt(Math.max(1, availableParallelism())),
  MEDIA_JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  /** Uploads one user may have in progress at once, and megabytes one user may upload in 24 hours. */
  UPLOAD_CONCURRENT_PER_USER: positiveInt(2),
  UPLOAD_DAILY_MB_PER_USER: positiveInt(2048),
  /** The broadcast file may be at most this many times the size of the upload (a tiny file of hours of near-silence is refused). */
  MAX_OUTPUT_INPUT_RATIO: z.coerce.number().min(1).max(1000).default(25),
  TTS_ENGINE: z.enum(['espeak', 'command']).default('espeak'),
  TTS_VOICE: z.string().regex(/^[A-Za-z0-9_+-]{1,40}$/, 'tên giọng chỉ gồm chữ, số, _ + -').default('vi'),
  /** For TTS_ENGINE=command: the program and its arguments; {out} becomes the WAV to write, {voice} the voice. */
  TTS_COMMAND: z.string().min(1).optional(),
  /** scrypt checks that run at once (each on one of libuv's 4 pool threads); a few more wait, the rest get 429. */
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(4).default(1),
  TRUST_PROXY: trustProxy.default(false),
  LOGBOOK_MISS_GRACE_MINUTES: z.coerce.number().int().min(0).max(24 * 60).default(10),
  LOA_SEAL_KEY_FILE: z.string().min(1).optional(),
  /** Where `npm run pack:agent` put the station agent's bundles and installer. */
  LOA_AGENT_BUNDLE_DIR: z.string().min(1).optional(),
  RETENTION_MONTHS: z.coerce.number().int().min(1).max(600).default(6),
  /** Local hosts, addresses or networks (CIDR) a live stream URL may reach: a station's own Icecast on the LAN. */
  LIVE_URL_ALLOW: z
    .string()
    .superRefine((v, ctx) => {
      const problem = AllowList.problem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .default(''),
  /** CAP 1.2 alert documents polled over HTTP(S), comma-separated. */
  CAP_FEED_URLS: z
    .string()
    .transform((v) => v.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(z.string().url('không phải địa chỉ URL').refine((u) => /^https?:\/\//.test(u), { message: 'chỉ nhận http hoặc https' })).max(20))
    .default([]),
  CAP_POLL_SECONDS: z.coerce.number().int().min(10).max(24 * 3600).default(120),
  /** How often the alert rules are evaluated, and how long each kind of condition must hold before anyone is told. */
  ALERT_EVAL_SECONDS: z.coerce.number().int().min(1).max(600).default(15),
  ALERT_OFFLINE_DEBOUNCE_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).default(120),
  ALERT_RELAY_DEBOUNCE_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).default(60),
  ALERT_DEBOUNCE_SECONDS: z.coerce.number().int().min(0).max(24 * 3600).default(300),
  /** A station must hold the files of an airing this long before it. */
  ALERT_CACHE_LEAD_HOURS: z.coerce.number().min(0.1).max(48).default(2),
  ALERT_CLOCK_DRIFT_MS: z.coerce.number().int().min(50).max(3_600_000).default(500),
  ALERT_DISK_MIN_MB: z.coerce.number().int().min(1).max(10_000_000).default(500),
  /** Webhook and e-mail deliveries that fail are tried again after 1, 2, 4 … times this, up to ALERT_MAX_ATTEMPTS tries. */
  ALERT_RETRY_BASE_SECONDS: z.coerce.number().min(0.1).max(3600).default(10),
  ALERT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(12),
  /** Outgoing mail for alerts; without SMTP_HOST no e-mail subscription can be made. */
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  SMTP_SECURE: z
    .enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'phải là true hoặc false' })
    .transform((v) => v === '1' || v === 'true' || v === 'yes')
    .default(false),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  SMTP_FROM: z.string().email('không phải địa chỉ e-mail').optional(),
  /** The public replay page ("Nghe lại"): how many days back it lists (and the most `?days=` may ask), how far ahead its schedule looks, and requests per minute per address. */
  REPLAY_DAYS: z.coerce.number().int().min(1).max(366).default(30),
  REPLAY_AHEAD_DAYS: z.coerce.number().int().min(0).max(31).default(7),
  REPLAY_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(120),
  /** The address residents reach the server at (https://loa.example.vn), for the feed's links; without it, the request's own. */
  PUBLIC_URL: z
    .string()
    .url('không phải địa chỉ URL')
    .refine((u) => /^https?:\/\/[^/?#]+\/?$/.test(u), { message: 'chỉ nhận http(s)://tên-máy, không có đường dẫn' })
    .transform((u) => u.replace(/\/$/, ''))
    .optional(),
  RETENTION_CRON: z.string().refine((v) => validCron(v), { message: 'không phải biểu thức cron (ví dụ 17 3 * * *)' }).default('17 3 * * *'),
}).refine((env) => env.TTS_ENGINE !== 'command' || env.TTS_COMMAND !== undefined, {
  message: 'cần TTS_COMMAND khi TTS_ENGINE=command',
  path: ['TTS_COMMAND'],
}).refine((env) => env.SMTP_HOST === undefined || env.SMTP_FROM !== undefined, {
  message: 'cần SMTP_FROM (địa chỉ gửi thư) khi có SMTP_HOST',
  path: ['SMTP_FROM'],
}).refine((env) => (env.SMTP_USER === undefined) === (env.SMTP_PASSWORD === undefined), {
  message: 'SMTP_USER và SMTP_PASSWORD phải có cả hai hoặc không có cả hai',
  path: ['SMTP_PASSWORD'],
});

/** Where alert e-mails leave from. */
export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  auth: { user: string; pass: string } | null;
  from: string;
}

/** How alerts are judged and delivered. */
export interface AlertConfig {
  settings: AlertSettings;
  evaluateEveryMs: number;
  retryBaseMs: number;
  maxAttempts: number;
}

/** The one audio format every station plays: MP3, constant bitrate. */
export interface BroadcastFormat {
  sampleRate: number;
  channels: 1 | 2;
  bitrateKbps: number;
  /** The MP3 encoder's quality/speed trade-off (LAME -q). */
  mp3Quality: number;
}

/** How every broadcast file is normalised. */
export interface LoudnessSettings {
  targetLufs: number;
  truePeakCeilingDbtp: number;
  silenceThresholdDb: number;
  silenceMinMs: number;
}

/** Where the data lives: the embedded SQLite file, or a PostgreSQL server several instances can share. */
export type DatabaseSettings = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

export type TtsSettings =
  | { engine: 'espeak'; voice: string }
  | { engine: 'command'; voice: string; command: string[] };

/**
 * The server's configuration, read from the environment once at boot and validated.
 * A wrong value stops the server with a message naming the variable.
 */
export class AppConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly mediaDir: string;
  readonly databasePath: string;
  readonly database: DatabaseSettings;
  /** The NATS servers linking the instances, or null for one instance alone. */
  readonly natsUrl: string | null;
  readonly jwtSecret: string;
  readonly jwtTtlSeconds: number;
  readonly timezone: string;
  readonly maxUploadBytes: number;
  readonly scheduleWindowMs: number;
  readonly calendarFeedAheadMs: number;
  readonly logLevel: 'error' | 'warn' | 'log' | 'debug';
  readonly broadcast: BroadcastFormat;
  readonly bootstrapAdminPassword: string | null;
  readonly loudness: LoudnessSettings;
  readonly maxDurationMs: number;
  readonly mediaJobConcurrency: number;
  readonly mediaJobMaxAttempts: number;
  readonly uploadConcurrentPerUser: number;
  readonly uploadDailyBytesPerUser: number;
  readonly maxOutputInputRatio: number;
  readonly tts: TtsSettings;
  readonly retentionMonths: number;
  readonly retentionCron: string;
  readonly liveUrlAllow: readonly string[];
  readonly passwordHashConcurrency: number;
  readonly trustProxy: TrustProxy;
  /** How long after an airing's planned end the server writes "không phát" for a silent station. */
  readonly missGraceMs: number;
  /** The Ed25519 private key that signs logbook seals: outside the database. */
  readonly sealKeyFile: string;
  readonly capFeedUrls: string[];
  readonly capPollMs: number;
  readonly alerts: AlertConfig;
  /** Null when no SMTP server is configured. */
  readonly smtp: SmtpSettings | null;
  /** The station agent bundles (`loa-agent-<arch>.tar.gz`) and `install.sh` served under /agent/. */
  readonly agentBundleDir: string;
  /** The public replay page and feed. */
  readonly replay: { days: number; aheadMs: number; ratePerMinute: number; publicUrl: string | null };

  private constructor(env: z.infer<typeof EnvSchema>) {
    this.port = env.PORT;
    this.host = env.HOST;
    this.dataDir = resolve(env.DATA_DIR);
    this.mediaDir = resolve(env.MEDIA_DIR);
    this.databasePath = join(this.dataDir, 'loa.sqlite');
    this.database = env.DATABASE_URL ? { engine: 'postgres', url: env.DATABASE_URL } : { engine: 'sqlite', path: this.databasePath };
    this.natsUrl = env.NATS_URL ?? null;
    this.jwtSecret = env.JWT_SECRET ?? AppConfig.localSecret(this.dataDir);
    this.jwtTtlSeconds = env.JWT_TTL_SECONDS;
    this.timezone = env.LOA_TIMEZONE;
    this.maxUploadBytes = env.MAX_UPLOAD_MB * 1024 * 1024;
    this.scheduleWindowMs = env.SCHEDULE_WINDOW_DAYS * 24 * 3600 * 1000;
    this.calendarFeedAheadMs = env.CALENDAR_FEED_DAYS * 24 * 3600 * 1000;
    this.logLevel = env.LOG_LEVEL;
    this.bootstrapAdminPassword = env.LOA_ADMIN_PASSWORD ?? null;
    this.broadcast = {
      sampleRate: env.BROADCAST_SAMPLE_RATE,
      channels: env.BROADCAST_CHANNELS,
      bitrateKbps: env.BROADCAST_BITRATE_KBPS,
      mp3Quality: env.BROADCAST_MP3_QUALITY,
    };
    this.loudness = {
      targetLufs: env.LOUDNESS_TARGET_LUFS,
      truePeakCeilingDbtp: env.TRUE_PEAK_CEILING_DBTP,
      silenceThresholdDb: env.SILENCE_THRESHOLD_DB,
      silenceMinMs: env.SILENCE_MIN_MS,
    };
    this.maxDurationMs = env.MAX_DURATION_S * 1000;
    this.mediaJobConcurrency = env.MEDIA_JOB_CONCURRENCY;
    this.mediaJobMaxAttempts = env.MEDIA_JOB_MAX_ATTEMPTS;
    this.uploadConcurrentPerUser = env.UPLOAD_CONCURRENT_PER_USER;
    this.uploadDailyBytesPerUser = env.UPLOAD_DAILY_MB_PER_USER * 1024 * 1024;
    this.maxOutputInputRatio = env.MAX_OUTPUT_INPUT_RATIO;
    this.tts =
      env.TTS_ENGINE === 'command' && env.TTS_COMMAND
        ? { engine: 'command', voice: env.TTS_VOICE, command: splitCommand(env.TTS_COMMAND) }
        : { engine: 'espeak', voice: env.TTS_VOICE };
    this.retentionMonths = env.RETENTION_MONTHS;
    this.retentionCron = env.RETENTION_CRON;
    this.liveUrlAllow = env.LIVE_URL_ALLOW.split(',').map((e) => e.trim()).filter(Boolean);
    this.passwordHashConcurrency = env.PASSWORD_HASH_CONCURRENCY;
    this.trustProxy = env.TRUST_PROXY;
    this.missGraceMs = env.LOGBOOK_MISS_GRACE_MINUTES * 60_000;
    this.sealKeyFile = resolve(env.LOA_SEAL_KEY_FILE ?? join(this.dataDir, 'keys', 'seal-ed25519.pem'));
    this.capFeedUrls = env.CAP_FEED_URLS;
    this.capPollMs = env.CAP_POLL_SECONDS * 1000;
    const offline = env.ALERT_OFFLINE_DEBOUNCE_SECONDS * 1000;
    const health = env.ALERT_DEBOUNCE_SECONDS * 1000;
    this.alerts = {
      settings: {
        ...DEFAULT_SETTINGS,
        debounceMs: {
          ...DEFAULT_SETTINGS.debounceMs,
          station_offline: offline,
          device_failure: offline,
          relay_dropped: env.ALERT_RELAY_DEBOUNCE_SECONDS * 1000,
          cache_not_ready: health,
          clock_drift: health,
          disk_low: health,
        },
        cacheLeadMs: Math.round(env.ALERT_CACHE_LEAD_HOURS * 3600_000),
        clockDriftMs: env.ALERT_CLOCK_DRIFT_MS,
        diskMinBytes: env.ALERT_DISK_MIN_MB * 1024 * 1024,
      },
      evaluateEveryMs: env.ALERT_EVAL_SECONDS * 1000,
      retryBaseMs: Math.round(env.ALERT_RETRY_BASE_SECONDS * 1000),
      maxAttempts: env.ALERT_MAX_ATTEMPTS,
    };
    this.smtp = env.SMTP_HOST
      ? {
          host: env.SMTP_HOST,
          port: env.SMTP_PORT,
          secure: env.SMTP_SECURE,
          auth: env.SMTP_USER && env.SMTP_PASSWORD ? { user: env.SMTP_USER, pass: env.SMTP_PASSWORD } : null,
          from: env.SMTP_FROM!,
        }
      : null;
    this.agentBundleDir = resolve(env.LOA_AGENT_BUNDLE_DIR ?? DEFAULT_AGENT_BUNDLE_DIR);
    this.replay = { days: env.REPLAY_DAYS, aheadMs: env.REPLAY_AHEAD_DAYS * 24 * 3600_000, ratePerMinute: env.REPLAY_RATE_PER_MINUTE, publicUrl: env.PUBLIC_URL ?? null };
  }

  /** For entry points: the configuration, or a message naming what is wrong and exit code 2. */
  static fromEnvOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
    try {
      return AppConfig.fromEnv(env);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      process.exit(2);
    }
  }

  /** Throws a ConfigError naming every wrong variable. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): AppConfig {
    // An empty variable (as compose files often pass) means "not set".
    const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
    const parsed = EnvSchema.safeParse(given);
    if (!parsed.success) {
      const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
      throw new ConfigError(`Cấu hình không hợp lệ (invalid configuration):\n${lines.join('\n')}`);
    }
    mkdirSync(resolve(parsed.data.DATA_DIR), { recursive: true });
    mkdirSync(resolve(parsed.data.MEDIA_DIR), { recursive: true });
    return new AppConfig(parsed.data);
  }

  /**
   * Without JWT_SECRET, a random secret is made once and kept in the data folder (readable by its owner
   * only), so a fresh install signs in safely and sessions survive a restart.
   */
  private static localSecret(dataDir: string): string {
    const file = join(dataDir, 'jwt-secret');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(file, secret + '\n', { mode: 0o600 });
    return secret;
  }
}

export class ConfigError extends Error {}

/** A command line split on spaces, with "double quotes" keeping spaces inside one argument. No shell runs it. */
export function splitCommand(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}
