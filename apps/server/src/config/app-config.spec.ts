import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, ConfigError } from './app-config';

describe('server configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loa-config-'));
  const base = { DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media') };

  it('runs on its embedded defaults', () => {
    const config = AppConfig.fromEnv(base);
    expect(config.port).toBe(3000);
    expect(config.timezone).toBe('Asia/Ho_Chi_Minh');
    expect(config.databasePath).toBe(join(dir, 'data', 'loa.sqlite'));
    expect(config.broadcast).toEqual({ sampleRate: 44100, channels: 1, bitrateKbps: 96, mp3Quality: 7 });
  });

  it('lists 92 days ahead in a calendar feed unless CALENDAR_FEED_DAYS says otherwise (1 to 366)', () => {
    expect(AppConfig.fromEnv(base).calendarFeedAheadMs).toBe(92 * 24 * 3600_000);
    expect(AppConfig.fromEnv({ ...base, CALENDAR_FEED_DAYS: '30' }).calendarFeedAheadMs).toBe(30 * 24 * 3600_000);
    for (const bad of ['0', '400', 'ba tháng']) expect(() => AppConfig.fromEnv({ ...base, CALENDAR_FEED_DAYS: bad })).toThrow(/CALENDAR_FEED_DAYS/);
  });

  it('keeps the embedded SQLite file without DATABASE_URL, and chooses PostgreSQL with it', () => {
    expect(AppConfig.fromEnv(base).database).toEqual({ engine: 'sqlite', path: join(dir, 'data', 'loa.sqlite') });
    expect(AppConfig.fromEnv({ ...base, DATABASE_URL: '' }).database.engine).toBe('sqlite');
    const url = 'postgres://loa:secret@db.example:5432/loa';
    expect(AppConfig.fromEnv({ ...base, DATABASE_URL: url }).database).toEqual({ engine: 'postgres', url });
    expect(AppConfig.fromEnv({ ...base, DATABASE_URL: 'postgresql://db/loa' }).database.engine).toBe('postgres');
  });

  it('refuses a DATABASE_URL that is not a PostgreSQL address, without echoing it', () => {
    for (const bad of ['mysql://loa:hunter22@db/loa', 'postgres://hunter22@/', 'not a url', 'postgres://db.example']) {
      let message = '';
      try {
        AppConfig.fromEnv({ ...base, DATABASE_URL: bad });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('PostgreSQL');
      expect(message).not.toContain('hunter22');
    }
  });

  it('stays one instance alone without NATS_URL, and links instances through the NATS servers it lists', () => {
    expect(AppConfig.fromEnv(base).natsUrl).toBeNull();
    expect(AppConfig.fromEnv({ ...base, NATS_URL: '' }).natsUrl).toBeNull();
    expect(AppConfig.fromEnv({ ...base, NATS_URL: 'nats://nats:4222' }).natsUrl).toBe('nats://nats:4222');
    expect(AppConfig.fromEnv({ ...base, NATS_URL: 'nats://a:4222, tls://loa:pw@b:4222' }).natsUrl).toBe('nats://a:4222, tls://loa:pw@b:4222');
  });

  it('refuses a NATS_URL that is not a list of NATS addresses, in Vietnamese and without echoing it', () => {
    for (const bad of ['http://loa:hunter22@nats:4222', 'nats://hunter22@', 'nats://a:4222,máy chủ', 'nats://a:4222/hunter22']) {
      let message = '';
      try {
        AppConfig.fromEnv({ ...base, NATS_URL: bad });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message).toContain('NATS_URL');
      expect(message).toContain('không phải địa chỉ NATS');
      expect(message).not.toContain('hunter22');
    }
  });

  it('polls no CAP feed unless CAP_FEED_URLS lists http(s) addresses, every CAP_POLL_SECONDS (10 s to a day)', () => {
    expect(AppConfig.fromEnv(base)).toMatchObject({ capFeedUrls: [], capPollMs: 120_000 });
    const config = AppConfig.fromEnv({ ...base, CAP_FEED_URLS: 'https://kttv.example.vn/cap.xml, http://10.0.0.5/canhbao.xml', CAP_POLL_SECONDS: '60' });
    expect(config).toMatchObject({ capFeedUrls: ['https://kttv.example.vn/cap.xml', 'http://10.0.0.5/canhbao.xml'], capPollMs: 60_000 });
    for (const bad of ['file:///etc/passwd', 'ftp://x.vn/a.xml', 'không phải url']) expect(() => AppConfig.fromEnv({ ...base, CAP_FEED_URLS: bad })).toThrow(/CAP_FEED_URLS/);
    for (const bad of ['5', '100000', 'mỗi phút']) expect(() => AppConfig.fromEnv({ ...base, CAP_POLL_SECONDS: bad })).toThrow(/CAP_POLL_SECONDS/);
  });

  it('sends no e-mail without SMTP_HOST; with it, needs SMTP_FROM and both or neither of SMTP_USER and SMTP_PASSWORD', () => {
    expect(AppConfig.fromEnv(base).smtp).toBeNull();
    const smtp = { SMTP_HOST: 'mail.example.vn', SMTP_FROM: 'canhbao@example.vn' };
    expect(AppConfig.fromEnv({ ...base, ...smtp }).smtp).toEqual({ host: 'mail.example.vn', port: 587, secure: false, auth: null, from: 'canhbao@example.vn' });
    expect(AppConfig.fromEnv({ ...base, ...smtp, SMTP_PORT: '465', SMTP_SECURE: 'true', SMTP_USER: 'loa', SMTP_PASSWORD: 'mat-khau' }).smtp).toEqual({
      host: 'mail.example.vn',
      port: 465,
      secure: true,
      auth: { user: 'loa', pass: 'mat-khau' },
      from: 'canhbao@example.vn',
    });
    expect(() => AppConfig.fromEnv({ ...base, SMTP_HOST: 'mail.example.vn' })).toThrow(/SMTP_FROM/);
    expect(() => AppConfig.fromEnv({ ...base, ...smtp, SMTP_USER: 'loa' })).toThrow(/SMTP_PASSWORD/);
    expect(() => AppConfig.fromEnv({ ...base, ...smtp, SMTP_FROM: 'không phải thư' })).toThrow(/SMTP_FROM/);
    expect(() => AppConfig.fromEnv({ ...base, ...smtp, SMTP_SECURE: 'có' })).toThrow(/SMTP_SECURE/);
  });

  it('waits 2 minutes before an offline alert and 500 ms of clock drift by default; each is configurable', () => {
    const defaults = AppConfig.fromEnv(base).alerts;
    expect(defaults.settings.debounceMs.station_offline).toBe(120_000);
    expect(defaults.settings.clockDriftMs).toBe(500);
    expect(defaults.evaluateEveryMs).toBe(15_000);
    const quick = AppConfig.fromEnv({ ...base, ALERT_OFFLINE_DEBOUNCE_SECONDS: '3', ALERT_EVAL_SECONDS: '1', ALERT_RETRY_BASE_SECONDS: '0.5', ALERT_CACHE_LEAD_HOURS: '6' }).alerts;
    expect(quick).toMatchObject({ evaluateEveryMs: 1000, retryBaseMs: 500, settings: { cacheLeadMs: 6 * 3600_000, debounceMs: { station_offline: 3000 } } });
    for (const bad of ['-1', 'hai phút']) expect(() => AppConfig.fromEnv({ ...base, ALERT_OFFLINE_DEBOUNCE_SECONDS: bad })).toThrow(/ALERT_OFFLINE_DEBOUNCE_SECONDS/);
  });

  it('makes a JWT secret once, readable by its owner only, and keeps it', () => {
    const first = AppConfig.fromEnv(base).jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(AppConfig.fromEnv(base).jwtSecret).toBe(first);
    expect(statSync(join(dir, 'data', 'jwt-secret')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'data', 'jwt-secret'), 'utf8').trim()).toBe(first);
  });

  it('trusts no proxy by default; takes a hop count or a list of proxy addresses; refuses "true" and garbage', () => {
    expect(AppConfig.fromEnv(base).trustProxy).toBe(false);
    expect(AppConfig.fromEnv({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(AppConfig.fromEnv({ ...base, TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(AppConfig.fromEnv({ ...base, TRUST_PROXY: 'loopback, 10.0.0.5,172.16.0.0/12,fd00::/8' }).trustProxy).toEqual(['loopback', '10.0.0.5', '172.16.0.0/12', 'fd00::/8']);
    for (const bad of ['true', '10.0.0.0/33', 'nginx', '10.0.0.1/8/1', '12']) {
      expect(() => AppConfig.fromEnv({ ...base, TRUST_PROXY: bad })).toThrow(/TRUST_PROXY: phải là số tầng proxy/);
    }
  });

  it('runs one password hash at a time by default, at most four', () => {
    expect(AppConfig.fromEnv(base).passwordHashConcurrency).toBe(1);
    expect(AppConfig.fromEnv({ ...base, PASSWORD_HASH_CONCURRENCY: '2' }).passwordHashConcurrency).toBe(2);
    expect(() => AppConfig.fromEnv({ ...base, PASSWORD_HASH_CONCURRENCY: '8' })).toThrow(/PASSWORD_HASH_CONCURRENCY/);
  });

  it('names every wrong variable', () => {
    expect(() => AppConfig.fromEnv({ ...base, PORT: 'eighty', LOA_TIMEZONE: 'Mars/Olympus', JWT_SECRET: 'short' })).toThrow(ConfigError);
    try {
      AppConfig.fromEnv({ ...base, PORT: 'eighty', LOA_TIMEZONE: 'Mars/Olympus', JWT_SECRET: 'short' });
    } catch (err) {
      const message = (err as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('LOA_TIMEZONE');
      expect(message).toContain('JWT_SECRET');
    }
  });

  it('normalises to −16 LUFS and −1 dBTP, trims silence below −50 dB, refuses over 4 h, keeps aired audio 6 months by default', () => {
    const config = AppConfig.fromEnv(base);
    expect(config.loudness).toEqual({ targetLufs: -16, truePeakCeilingDbtp: -1, silenceThresholdDb: -50, silenceMinMs: 500 });
    expect(config.maxDurationMs).toBe(4 * 3600 * 1000);
    expect(config.tts).toEqual({ engine: 'espeak', voice: 'vi' });
    expect(config.retentionMonths).toBe(6);
    expect(config.retentionCron).toBe('17 3 * * *');
    expect(config.mediaJobConcurrency).toBeGreaterThanOrEqual(1);
    expect(config.mediaJobMaxAttempts).toBe(3);
  });

  it('accepts the EBU broadcast norm of −23 LUFS, a mono format and another TTS engine', () => {
    const config = AppConfig.fromEnv({
      ...base,
      LOUDNESS_TARGET_LUFS: '-23',
      TRUE_PEAK_CEILING_DBTP: '-2',
      SILENCE_THRESHOLD_DB: '-60',
      BROADCAST_CHANNELS: '1',
      MAX_DURATION_S: '60',
      TTS_ENGINE: 'command',
      TTS_COMMAND: 'piper --model "/opt/voices/vi vn.onnx" --output_file {out}',
      RETENTION_MONTHS: '12',
      RETENTION_CRON: '0 2 * * 0',
    });
    expect(config.loudness).toMatchObject({ targetLufs: -23, truePeakCeilingDbtp: -2, silenceThresholdDb: -60 });
    expect(config.broadcast.channels).toBe(1);
    expect(config.maxDurationMs).toBe(60_000);
    expect(config.tts).toEqual({
      engine: 'command',
      voice: 'vi',
      command: ['piper', '--model', '/opt/voices/vi vn.onnx', '--output_file', '{out}'],
    });
    expect(config.retentionMonths).toBe(12);
  });

  it.each([
    ['LOUDNESS_TARGET_LUFS', { LOUDNESS_TARGET_LUFS: '-5' }],
    ['LOUDNESS_TARGET_LUFS', { LOUDNESS_TARGET_LUFS: 'loud' }],
    ['TRUE_PEAK_CEILING_DBTP', { TRUE_PEAK_CEILING_DBTP: '1' }],
    ['SILENCE_THRESHOLD_DB', { SILENCE_THRESHOLD_DB: '-10' }],
    ['MAX_DURATION_S', { MAX_DURATION_S: '0' }],
    ['TTS_ENGINE', { TTS_ENGINE: 'festival' }],
    ['BROADCAST_MP3_QUALITY', { BROADCAST_MP3_QUALITY: '10' }],
    ['TTS_COMMAND', { TTS_ENGINE: 'command' }],
    ['TTS_VOICE', { TTS_VOICE: '../etc' }],
    ['RETENTION_MONTHS', { RETENTION_MONTHS: '0' }],
    ['RETENTION_CRON', { RETENTION_CRON: 'every night' }],
  ])('refuses a wrong %s', (name, env) => {
    expect(() => AppConfig.fromEnv({ ...base, ...env })).toThrow(new RegExp(name));
  });

  it('treats an empty variable as unset', () => {
    expect(AppConfig.fromEnv({ ...base, JWT_SECRET: '', LOA_ADMIN_PASSWORD: '' }).bootstrapAdminPassword).toBeNull();
  });
});
