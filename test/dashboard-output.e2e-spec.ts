import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { Api } from './support/api';
import { ADMIN_PASSWORD, eventually, Proc, ServerProc, startAgentProcess, startServerProcess } from './support/processes';
import { createStation } from './faults/fault-kit';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * A station whose sound card is missing says so on the dashboard as soon as its agent has started, long
 * before any air time: the card names the device and the device's own error.
 */
describe('dashboard: a station with a missing sound card', () => {
  let dir: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-dash-output-'));
  });

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the failed device with its own words on the station card', async () => {
    if (!existsSync(CHROMIUM)) {
      console.warn(`skipped: no Chromium at ${CHROMIUM}; install Debian's chromium or set CHROMIUM_PATH`);
      return;
    }
    server = await startServerProcess(dir);
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const station = await createStation(api, 'khong-card');
    // No card 7 on any machine this runs on: the ALSA open fails the way a dead or unplugged card does.
    agent = startAgentProcess(join(dir, 'agent'), server.url, station.token, { LOA_PLAYER: 'alsa', LOA_ALSA_DEVICE: 'hw:7,0' });
    await eventually('the agent connected', async () => (await api.ok<unknown[]>('GET', '/api/agents/status')).length === 1, 30_000);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'vi-VN' });
    await page.goto(server.url);
    await page.waitForURL(/\/dang-nhap$/);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.getByTestId('sign-in').click();
    const card = page.locator(`[data-testid=station-card][data-station-id="${station.id}"]`);
    const output = card.getByTestId('output-device');
    await output.waitFor({ timeout: 20_000 });
    const text = (await output.textContent()) ?? '';
    expect(text).toMatch(/Hỏng: Không mở được thiết bị âm thanh "hw:7,0": .*cannot open audio device hw:7,0/);
    expect(await output.getByRole('alert').count()).toBe(1);
    // The same sentence as the last error, not the "—" of a healthy station.
    expect((await card.textContent()) ?? '').toMatch(/Lỗi gần nhất\s*Không mở được thiết bị âm thanh "hw:7,0"/);
  }, 120_000);
});
