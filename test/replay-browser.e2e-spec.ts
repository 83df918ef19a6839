import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { ADMIN_PASSWORD, eventually, Proc, ServerProc, startAgentProcess, startServerProcess } from './support/processes';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENS = resolve(__dirname, '.artifacts', 'screens');
const PUBLIC_TITLE = 'Chuyên mục CCHC tháng 12: làm căn cước cho trẻ em qua ứng dụng VNeID, từng bước một';
const PRIVATE_TITLE = 'Thông báo nội bộ của xã: họp chi bộ';
const EMERGENCY_TITLE = 'Khẩn cấp: lũ quét tại thôn 3';

/** What the spec uses of the page's <audio> element (the specs are compiled without the DOM's types). */
type AudioElement = {
  duration: number;
  currentTime: number;
  error: { code: number } | null;
  load(): void;
  play(): Promise<void>;
  pause(): void;
  addEventListener(event: string, listener: () => void, options?: { once: boolean }): void;
};
type Window = { document: { documentElement: { scrollWidth: number } }; innerWidth: number };

if (!HAVE_CHROMIUM) {
  console.warn(`Browser specs SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's chromium or set CHROMIUM_PATH.`);
}
// Without a browser on the machine there is nothing to drive.
const describeWithChromium = HAVE_CHROMIUM ? describe : describe.skip;

describeWithChromium('the public replay page in a real browser, on a phone and a laptop', () => {
  let dir: string;
  let server: ServerProc;
  let agent: Proc;
  let admin: Api;
  let browser: Browser;
  let privateId = '';
  const pageUrl = () => `${server.url}/api/nghe-lai/qt-vinh-linh`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-replay-browser-'));
    await mkdir(SCREENS, { recursive: true });
    server = await startServerProcess(dir);
    admin = new Api(server.url);
    await admin.login('admin', ADMIN_PASSWORD);
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Quảng Trị', kind: 'Tỉnh', code: 'QT' });
    const commune = await admin.ok('POST', '/api/units', { name: 'Xã Vĩnh Linh', kind: 'Xã', parentId: province.id, code: 'qt-vinh-linh' });
    const { station, token } = await admin.ok('POST', '/api/stations', { unitId: commune.id, name: 'Đài xã Vĩnh Linh', code: 'vinh-linh' });
    agent = startAgentProcess(join(dir, 'vinh-linh'), server.url, token);
    const upload = await admin.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 523, seconds: 3 }));
    const asset = await admin.waitReady(upload.body.id);
    const make = (title: string, chuyenMuc: string, extra: Record<string, unknown> = {}) => admin.ok('POST', '/api/programmes', { title, chuyenMuc, mediaAssetId: asset.id, ...extra });
    const shown = await make(PUBLIC_TITLE, 'Cải cách hành chính');
    privateId = (await make(PRIVATE_TITLE, 'Thông báo của xã', { public: false })).id;
    const emergency = await make(EMERGENCY_TITLE, 'Thông báo khẩn cấp');
    await eventually('the agent connected', async () => (await admin.ok('GET', '/api/agents/status')).length === 1, 30_000);
    // All three go on air on the commune's station, a few seconds apart; the khẩn cấp one as khẩn cấp.
    const t0 = Math.ceil((Date.now() + 10_000) / 1000) * 1000;
    const airs: [string, number, string][] = [[shown.id, 0, 'normal'], [privateId, 6_000, 'normal'], [emergency.id, 12_000, 'emergency']];
    for (const [programmeId, offset, priority] of airs) {
      await admin.ok('POST', '/api/slots', { programmeId, startAt: new Date(t0 + offset).toISOString(), stationIds: [station.id], priority });
    }
    await admin.ok('POST', '/api/slots', { programmeId: shown.id, startAt: new Date(Date.now() + 20 * 3600_000).toISOString(), stationIds: [station.id] });
    const from = encodeURIComponent(new Date(t0 - 1000).toISOString());
    await eventually('three aired lines in the logbook', async () => {
      const lines = (await admin.ok('GET', `/api/logbook?from=${from}`)).items as { result: string }[];
      return lines.length === 3 && lines.every((l) => l.result === 'complete');
    }, 60_000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // The page's play button is the browser's own; the spec presses play from script, as a tap would.
      args: ['--autoplay-policy=no-user-gesture-required', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every error the page or its console reports, and every request that failed or was refused. */
  function watch(page: Page): string[] {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('requestfailed', (r) => {
      // The page's own aborts are not failures: a media element dropping a range request it no longer needs,
      // the console closing its status stream when it leaves the overview.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    return problems;
  }

  it.each([
    ['phone', { width: 390, height: 844 }, true],
    ['laptop', { width: 1280, height: 860 }, false],
  ] as const)('on a %s it lists the aired public programme, plays its audio, hides the others, and shows the coming schedule', async (name, viewport, isMobile) => {
    const context = await browser.newContext({ viewport, isMobile, hasTouch: isMobile, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(pageUrl());
    await page.getByRole('heading', { name: 'Nghe lại: Xã Vĩnh Linh' }).waitFor();

    const items = page.getByTestId('replay-item');
    expect(await items.count()).toBe(1);
    expect(await items.first().textContent()).toContain(PUBLIC_TITLE);
    expect(await items.first().textContent()).toContain('Chuyên mục: Cải cách hành chính');
    const body = (await page.textContent('body')) ?? '';
    expect(body).not.toContain(PRIVATE_TITLE);
    expect(body).not.toContain(EMERGENCY_TITLE);
    expect(await page.getByTestId('upcoming-item').count()).toBe(1);
    expect(await page.getByTestId('upcoming-item').first().textContent()).toContain(PUBLIC_TITLE);

    // Nothing wider than the screen: no sideways scrolling on a phone.
    expect(await page.evaluate(() => {
      const w = globalThis as unknown as Window;
      return w.document.documentElement.scrollWidth <= w.innerWidth;
    })).toBe(true);
    const player = items.first().locator('audio');
    const box = await player.boundingBox();
    expect(box && box.width <= viewport.width).toBe(true);

    // The browser's own player reads the file's length, then plays it.
    const duration = await player.evaluate(
      (el) =>
        new Promise<number>((done, fail) => {
          const a = el as unknown as AudioElement;
          a.addEventListener('loadedmetadata', () => done(a.duration), { once: true });
          a.addEventListener('error', () => fail(new Error(`audio error ${a.error?.code}`)), { once: true });
          a.load();
        }),
    );
    expect(duration).toBeGreaterThan(2.5);
    expect(duration).toBeLessThan(3.5);
    const played = await player.evaluate(
      (el) =>
        new Promise<number>((done, fail) => {
          const a = el as unknown as AudioElement;
          const timer = setTimeout(() => fail(new Error(`still at ${a.currentTime} s after 20 s`)), 20_000);
          a.addEventListener('timeupdate', () => {
            if (a.currentTime > 0.5) {
              clearTimeout(timer);
              a.pause();
              done(a.currentTime);
            }
          });
          a.play().catch((e: Error) => fail(e));
        }),
    );
    expect(played).toBeGreaterThan(0.5);

    await page.screenshot({ path: join(SCREENS, `nghe-lai-${name}.png`), fullPage: true });
    // The form that changes the period works without script too.
    await page.selectOption('select[name=days]', '7');
    await Promise.all([page.waitForURL(/days=7$/), page.getByRole('button', { name: 'Xem' }).click()]);
    expect(await page.getByTestId('replay-item').count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);

  it('a wrong period says so in Vietnamese on the page itself, without a script error', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const res = await page.goto(`${pageUrl()}?days=1000`);
    expect(res?.status()).toBe(400);
    expect(await page.textContent('main')).toContain('Số ngày (days) phải là số nguyên từ 1 đến 30.');
    await page.screenshot({ path: join(SCREENS, 'nghe-lai-loi-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  }, 30_000);

  it('in the console, ticking "Nghe lại công khai" on the commune\'s notice puts it on the public page', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(server.url);
    await page.waitForURL(/\/dang-nhap$/);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('nav').getByText('Chương trình', { exact: true }).click();
    const row = page.getByTestId('programmes').locator('tr', { hasText: PRIVATE_TITLE });
    const box = row.getByTestId('public-toggle');
    expect(await box.isChecked()).toBe(false);
    expect(await page.getByTestId('programmes').locator('tr', { hasText: PUBLIC_TITLE }).getByTestId('public-toggle').isChecked()).toBe(true);
    await box.check();
    await eventually('the flag saved', async () => (await admin.ok('GET', `/api/programmes/${privateId}`)).public === true, 10_000);
    await page.screenshot({ path: join(SCREENS, 'nghe-lai-chuong-trinh-laptop.png'), fullPage: true });
    const pub = await fetch(pageUrl());
    const html = await pub.text();
    expect(html).toContain(PRIVATE_TITLE);
    expect(html).not.toContain(EMERGENCY_TITLE);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
