import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { eventually, Proc, readSink, ServerProc, startAgentProcess, startServerProcess } from './support/processes';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENS = resolve(__dirname, '.artifacts', 'screens');
const OPERATOR = { username: 'canbo-gio-linh', password: 'operator-password-1' };
const REASON = 'Trùng giờ họp dân ở nhà văn hoá thôn';

if (!HAVE_CHROMIUM) {
  console.warn(`Browser specs SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's chromium or set CHROMIUM_PATH.`);
}
const describeWithChromium = HAVE_CHROMIUM ? describe : describe.skip;

/**
 * The commune operator's screen in a real browser against a real server and agent: it declines a normal
 * item with a reason and chooses the order of two clashing priority items, and the agent plays them so.
 */
describeWithChromium('the commune operator’s console in a real browser', () => {
  let dir: string;
  let server: ServerProc;
  let agent: Proc;
  let admin: Api;
  let browser: Browser;
  const station: { a: string; b: string } = { a: '', b: '' };
  let programmeId: string;
  /** Whatever went wrong on a page: an uncaught error or anything the console wrote as an error. */
  const problems: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-commune-'));
    await mkdir(SCREENS, { recursive: true });
    // Lines for what was not aired are written as soon as an airing's time has passed, not 10 minutes later.
    server = await startServerProcess(dir, { env: { LOGBOOK_MISS_GRACE_MINUTES: '0' } });
    admin = new Api(server.url);
    await admin.login('admin', 'e2e-admin-password');
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Quảng Trị', kind: 'Tỉnh' });
    const a = await admin.ok('POST', '/api/units', { name: 'Xã Gio Linh', kind: 'Xã', parentId: province.id });
    const b = await admin.ok('POST', '/api/units', { name: 'Xã Gio Mỹ', kind: 'Xã', parentId: province.id });
    const made = await admin.ok('POST', '/api/stations', { unitId: a.id, name: 'Đài truyền thanh xã Gio Linh', code: 'gio-linh' });
    station.a = made.station.id;
    station.b = (await admin.ok('POST', '/api/stations', { unitId: b.id, name: 'Đài truyền thanh xã Gio Mỹ', code: 'gio-my' })).station.id;
    agent = startAgentProcess(join(dir, 'gio-linh'), server.url, made.token);
    await admin.ok('POST', '/api/users', { username: OPERATOR.username, displayName: 'Cán bộ đài xã Gio Linh', password: OPERATOR.password, role: 'operator', unitId: a.id });
    const upload = await admin.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 523, seconds: 3 }));
    const asset = await admin.waitReady(upload.body.id);
    programmeId = (await admin.ok('POST', '/api/programmes', { title: 'Bản tin tỉnh Quảng Trị', chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id })).id;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await eventually('the agent connected', async () => (await admin.ok('GET', '/api/agents/status')).length === 1, 30_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function signIn(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(server.url);
    await page.waitForURL(/\/dang-nhap$/);
    await page.fill('input[name=username]', OPERATOR.username);
    await page.fill('input[name=password]', OPERATOR.password);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('nav').waitFor({ state: 'attached' });
    const menu = page.getByTestId('menu');
    if (await menu.isVisible()) await menu.click();
    await page.getByTestId('nav').getByText('Trạm xã', { exact: true }).click();
    await page.waitForURL(/\/tram-xa$/);
    await page.getByTestId('agenda').waitFor();
    return { context, page };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });

  it('declines a normal item with a reason and puts the later of two clashing priority items first; the agent plays them in that order', async () => {
    // Far enough ahead for the browser steps on a busy machine (they take a few seconds to well under a
    // minute); the agent gets each change at once. The check after them fails plainly if they ran late.
    const t0 = Date.now();
    const LEAD_MS = 90_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const normal = await admin.ok('POST', '/api/slots', { programmeId, startAt: iso(t0 + LEAD_MS), stationIds: [station.a, station.b] });
    const early = await admin.ok('POST', '/api/slots', { programmeId, startAt: iso(t0 + LEAD_MS + 20_000), stationIds: [station.a], priority: 'priority' });
    const late = await admin.ok('POST', '/api/slots', { programmeId, startAt: iso(t0 + LEAD_MS + 21_000), stationIds: [station.a], priority: 'priority', startMode: 'soft' });

    const { context, page } = await signIn({ width: 1366, height: 768 });
    const row = (slotId: string) => page.getByTestId(`airing-${slotId}`);
    await row(normal.id).waitFor();
    expect(await row(normal.id).getByTestId('priority').textContent()).toContain('Thông thường');
    expect(await row(early.id).getByTestId('priority').textContent()).toContain('Ưu tiên');
    expect(await row(early.id).getByTestId('must-play').textContent()).toContain('Bắt buộc phát');
    expect(await row(early.id).getByTestId('decline').count()).toBe(0);

    // "Không phát" asks for a reason first.
    await row(normal.id).getByTestId('decline').click();
    await page.getByTestId('confirm-decline').click();
    expect(await page.getByTestId('decline-reason').evaluate((e) => (e as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing)).toBe(true);
    await page.getByTestId('decline-reason').fill(REASON);
    await page.getByTestId('confirm-decline').click();
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain('không phải phát sót');
    await row(normal.id).getByTestId('declined').waitFor();
    expect(await row(normal.id).getByTestId('declined').textContent()).toContain(REASON);

    // The later priority item first: the earlier one waits for it.
    const clash = page.getByTestId('clash');
    await clash.waitFor();
    expect(await clash.textContent()).toContain('Theo quy tắc (chưa chọn)');
    await clash.getByTestId('first-b').click();
    await clash.getByTestId('reset-order').waitFor();
    expect(await clash.getByTestId('clash-b').getByTestId('clash-rank').textContent()).toContain('Phát trước');
    expect(await clash.getByTestId('clash-a').getByTestId('clash-rank').textContent()).toContain('Phát sau');
    await row(early.id).getByTestId('moved').waitFor();
    await shot(page, 'tram-xa-laptop');
    await context.close();

    const phone = await signIn({ width: 390, height: 844 });
    await phone.page.getByTestId('clash').waitFor();
    expect(await phone.page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot(phone.page, 'tram-xa-phone');
    await phone.context.close();
    expect(Date.now()).toBeLessThan(t0 + LEAD_MS);

    // The agent plays the later item first, the earlier one after it, and never the declined one.
    const sink = join(dir, 'gio-linh', 'sink');
    const played = await eventually(
      'both priority items played',
      () => {
        const records = readSink(sink).filter((r) => r.slotId === early.id || r.slotId === late.id);
        return records.length === 2 ? records : null;
      },
      240_000,
    );
    expect(played.map((r) => r.slotId)).toEqual([late.id, early.id]);
    expect(Date.parse(played[1].startedAt)).toBeGreaterThanOrEqual(Date.parse(played[0].startedAt) + 2_500);
    expect(readSink(sink).some((r) => r.slotId === normal.id)).toBe(false);

    // The logbook says the commune declined it, with its reason: not a miss.
    const line = await eventually(
      'the declined line in the logbook',
      async () =>
        ((await admin.ok('GET', `/api/logbook?stationId=${station.a}`)).items as { plannedStart: string; result: string; reason: string | null; detail: string | null }[]).find(
          (l) => l.plannedStart === normal.startAt,
        ),
      150_000,
    );
    expect(line).toMatchObject({ result: 'missed', reason: 'declined' });
    expect(line.detail).toContain(REASON);
    expect(problems).toEqual([]);
  }, 600_000);
});
