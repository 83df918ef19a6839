import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { AGENT_MAIN, eventually, Proc, readSink, ServerProc, sleep, startAgentProcess, startServerProcess } from './support/processes';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const HAVE_ESPEAK = spawnSync('espeak-ng', ['--version']).status === 0;
const PIN = '482913';
const TEXT = 'Kính mời bà con thôn Đông đến họp tại nhà văn hoá lúc 19 giờ tối nay.';
const REASON = 'Trùng giờ họp dân thôn Đông';

if (!HAVE_CHROMIUM) console.warn(`Local console spec SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's chromium or set CHROMIUM_PATH.`);
if (!HAVE_ESPEAK) console.warn('Local console spec SKIPPED: no espeak-ng to speak typed announcements. Install Debian\'s espeak-ng.');
const describeWithTools = HAVE_CHROMIUM && HAVE_ESPEAK ? describe : describe.skip;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * The network is down and the commune announces something itself: the operator logs into the box's own
 * console from a phone, types an announcement and plays it now; the box speaks it. It also declines a
 * normal item of the upper level (TT39 leaves that choice to the commune), and cannot decline a priority
 * one. The box is restarted before the server comes back, and then the announcement reaches the logbook
 * once, as the commune's own, and the declined item once, as "không phát" with the commune's reason.
 */
describeWithTools('the local console on the station box, with the server stopped', () => {
  let dir: string;
  /** Kept after the run, outside the repository, to look at the phone-width screens. */
  let screens: string;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-console-'));
    screens = await mkdtemp(join(tmpdir(), 'loa-console-screens-'));
  });

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
    console.log(`Local console screenshots (phone width): ${screens}`);
  });

  it('a typed announcement airs from the phone and reaches the logbook once when the server returns', async () => {
    server = await startServerProcess(dir);
    const port = server.port;
    const api = new Api(server.url);
    await api.login('admin', 'e2e-admin-password');
    const unit = await api.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã' });
    const { station, token } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: 'Đài xã Cẩm Bình', code: 'cam-binh' });

    // The PIN is set with the agent's own command; the PIN travels on standard input and only its hash is kept.
    const configFile = join(dir, 'agent.json');
    const setPin = spawnSync(process.execPath, [AGENT_MAIN, 'set-pin', '--config', configFile], { input: `${PIN}\n`, encoding: 'utf8' });
    expect(setPin.stderr).toBe('');
    expect(setPin.status).toBe(0);
    const { consolePinHash } = JSON.parse(readFileSync(configFile, 'utf8')) as { consolePinHash: string };
    expect(consolePinHash).toMatch(/^scrypt\$/);
    expect(readFileSync(configFile, 'utf8')).not.toContain(PIN);

    const agentDir = join(dir, 'agent');
    const consolePort = await freePort();
    const env = { LOA_CONSOLE_LISTEN: `127.0.0.1:${consolePort}`, LOA_CONSOLE_PIN_HASH: consolePinHash };
    agent = startAgentProcess(agentDir, server.url, token, env);
    await agent.waitFor(/Bảng điều khiển tại trạm: http/, 20_000);
    // A loaded machine may drop a kept-alive request: ask again rather than fail.
    await eventually('the agent connected', () => api.ok('GET', '/api/agents/status').then((list: unknown[]) => list.length === 1, () => false), 20_000);

    // Two items of the upper level later today (Vietnam time): a normal one and a priority one.
    const upload = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    const asset = await api.waitReady(upload.body.id);
    const programme = await api.ok('POST', '/api/programmes', { title: 'Chuyên mục nông nghiệp', chuyenMuc: 'Nông nghiệp', mediaAssetId: asset.id });
    const urgentProgramme = await api.ok('POST', '/api/programmes', { title: 'Tin phòng chống bão', chuyenMuc: 'Phòng chống thiên tai', mediaAssetId: asset.id });
    const inMinutes = (n: number) => new Date(Math.ceil(Date.now() / 60_000) * 60_000 + n * 60_000).toISOString();
    const normalSlot = await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: inMinutes(6), stationIds: [station.id] });
    await api.ok('POST', '/api/slots', { programmeId: urgentProgramme.id, startAt: inMinutes(8), stationIds: [station.id], priority: 'priority' });
    await agent.waitFor(/Nhận lịch phiên bản \d+: 2 chương trình/, 30_000);

    // The link goes down.
    await server.stop();
    server = undefined;

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const page: Page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });

    const consoleUrl = `http://127.0.0.1:${consolePort}/`;
    await page.goto(consoleUrl);
    await page.getByLabel('Mã PIN của trạm').fill(PIN);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('heading', { name: 'Phát thông báo ngay' }).waitFor();
    await page.getByText('Mất kết nối máy chủ').waitFor({ timeout: 10_000 });
    await page.getByText('Toàn trạm').first().waitFor();
    await page.screenshot({ path: join(screens, 'console-phone.png'), fullPage: true });
    // Nothing at phone width is wider than the screen.
    expect(await page.locator('html').evaluate((e) => e.scrollWidth)).toBeLessThanOrEqual(390);

    await page.getByLabel('Nội dung (máy trạm sẽ đọc to)').fill(TEXT);
    await page.getByLabel('Tiêu đề ghi vào nhật ký (không bắt buộc)').fill('Mời họp thôn Đông');
    await page.getByRole('button', { name: 'Phát thông báo' }).click();
    await page.getByText('Đã gửi lệnh phát').waitFor({ timeout: 20_000 });

    const [aired] = await eventually('the announcement on air', () => {
      const sink = readSink(join(agentDir, 'sink'));
      return sink.length === 1 && sink;
    }, 20_000);
    expect(aired.occurrenceId).toMatch(/^local:/);
    expect(aired.durationMs).toBeGreaterThan(2000);
    await page.getByText('Thông báo tại trạm: Mời họp thôn Đông').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(screens, 'console-on-air.png'), fullPage: true });
    await page.getByText('Đã phát xong').waitFor({ timeout: aired.durationMs + 10_000 });
    await page.screenshot({ path: join(screens, 'console-done.png'), fullPage: true });

    // Still offline: the commune declines the normal item, saying why; the priority item offers no such choice.
    const normalRow = page.locator('#schedule li', { hasText: 'Chuyên mục nông nghiệp' });
    const urgentRow = page.locator('#schedule li', { hasText: 'Tin phòng chống bão' });
    await urgentRow.waitFor();
    expect(await urgentRow.getByRole('button', { name: 'Không phát' }).count()).toBe(0);
    await normalRow.getByRole('button', { name: 'Không phát' }).click();
    await page.getByLabel('Lý do không phát "Chuyên mục nông nghiệp"').fill(REASON);
    await page.getByRole('button', { name: 'Xác nhận không phát' }).click();
    await normalRow.getByText(`Lý do: ${REASON}`).waitFor({ timeout: 10_000 });
    expect(await normalRow.getByRole('button', { name: 'Không phát' }).count()).toBe(0);
    await page.screenshot({ path: join(screens, 'console-declined.png'), fullPage: true });
    expect(problems).toEqual([]);

    // The box restarts before the server is back: what it holds is sent once, and nothing airs again.
    await agent.stop();
    agent = startAgentProcess(agentDir, `http://127.0.0.1:${port}`, token, env);
    await agent.waitFor(/Bảng điều khiển tại trạm: http/, 20_000);

    server = await startServerProcess(dir, { port });
    const lines = await eventually('the logbook lines', async () => {
      const items = ((await api.ok('GET', `/api/logbook?stationId=${station.id}`).catch(() => ({ items: [] }))) as { items: Record<string, unknown>[] }).items;
      return items.length >= 2 && items;
    }, 30_000);
    // Let the agent resend whatever it still holds; the count must not move.
    await sleep(3000);
    expect((await api.ok('GET', `/api/logbook?stationId=${station.id}`)).items).toHaveLength(2);
    const declined = lines.find((l) => l.slotId === normalSlot.id);
    expect(declined).toMatchObject({ result: 'missed', reason: 'declined', detail: `Xã từ chối phát tại máy trạm: ${REASON}`, priority: 'normal', actualStart: null });
    const announced = lines.find((l) => l.occurrenceId === aired.occurrenceId);
    expect(announced).toMatchObject({
      occurrenceId: aired.occurrenceId,
      source: 'local',
      priority: 'normal',
      chuyenMuc: 'Thông báo tại trạm',
      programmeTitle: 'Mời họp thôn Đông',
      result: 'complete',
    });
    expect(readSink(join(agentDir, 'sink'))).toHaveLength(1);
  }, 240_000);
});
