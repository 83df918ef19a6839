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
    expect(config.broadcast).toEqual({ sampleRate: 44100, channels: 1, bitrateKbps: 96 });
  });

  it('makes a JWT secret once, readable by its owner only, and keeps it', () => {
    const first = AppConfig.fromEnv(base).jwtSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(AppConfig.fromEnv(base).jwtSecret).toBe(first);
    expect(statSync(join(dir, 'data', 'jwt-secret')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'data', 'jwt-secret'), 'utf8').trim()).toBe(first);
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

  it('treats an empty variable as unset', () => {
    expect(AppConfig.fromEnv({ ...base, JWT_SECRET: '', LOA_ADMIN_PASSWORD: '' }).bootstrapAdminPassword).toBeNull();
  });
});
