import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnrolArgs } from '../enrol';
import { verifyPin } from './pin';
import { parseSetPinArgs, setPin } from './set-pin';

describe('setting the console PIN', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'loa-pin-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes only its hash into the config, owner-only, keeping the rest of the file', async () => {
    const file = join(dir, 'agent.json');
    writeFileSync(file, JSON.stringify({ serverUrl: 'https://loa.example.gov.vn', stationToken: 'secret-token-1' }));
    await setPin(parseSetPinArgs(['--config', file]), '482913');
    const text = readFileSync(file, 'utf8');
    const config = JSON.parse(text) as Record<string, string>;
    expect(config).toMatchObject({ serverUrl: 'https://loa.example.gov.vn', stationToken: 'secret-token-1' });
    expect(text).not.toContain('482913');
    expect(await verifyPin('482913', config.consolePinHash)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses an easy PIN, and a PIN on the command line', async () => {
    const file = join(dir, 'agent.json');
    await expect(setPin(parseSetPinArgs(['--config', file]), '1111')).rejects.toThrow(/dễ đoán/);
    expect(() => parseSetPinArgs(['482913'])).toThrow(/đầu vào chuẩn/);
    expect(() => parseEnrolArgs(['--server', 'https://x', 'K7QM-3XHP', '--pin', '12'])).toThrow(/4 đến 12 chữ số/);
    expect(parseEnrolArgs(['--server', 'https://x', 'K7QM-3XHP', '--pin', '482913'])).toMatchObject({ pin: '482913' });
  });
});
