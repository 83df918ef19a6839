import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { createProgramme, secondAhead } from './faults/fault-kit';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { ADMIN_PASSWORD, eventually, ServerProc, startServerProcess } from './support/processes';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENS = resolve(__dirname, '.artifacts', 'screens');
const SIZES = { laptop: { width: 1366, height: 768 }, phone: { width: 390, height: 844 } } as const;

if (!HAVE_CHROMIUM) {
  console.warn(`Browser specs SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's chromium or set CHROMIUM_PATH.`);
}
const describeWithChromium = HAVE_CHROMIUM ? describe : describe.skip;

/**
 * An admin walks the screens for what was reachable only through the API: chuyên mục and topics, plan
 * targets, a station's details (enrolment, Kiểm chứng, speaker clusters, calendar links), a logbook
 * correction, a programme's language versions, a station's language preference and the upload form's public
 * replay choice; at laptop and phone size, with screenshots, and any page error or console error fails it.
 */
describeWithChromium('the admin’s catalogue, targets, station details and logbook corrections in a real browser', () => {
  let dir: string;
  let server: ServerProc;
  let admin: Api;
  let browser: Browser;
  const stations: { id: string; name: string }[] = [];
  let provinceId = '';
  let missedAt = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-web-admin-'));
    await mkdir(SCREENS, { recursive: true });
    // Grace 0: the station that never connects gets its "không phát" line within the minute after its slot.
    server = await startServerProcess(dir, { env: { LOGBOOK_MISS_GRACE_MINUTES: '0' } });
    admin = new Api(server.url);
    await admin.login('admin', ADMIN_PASSWORD);
    provinceId = (await admin.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' })).id;
    for (const [code, name] of [['cam-binh', 'Xã Cẩm Bình'], ['cam-thanh', 'Xã Cẩm Thành']]) {
      const commune = await admin.ok('POST', '/api/units', { name, kind: 'Xã', parentId: provinceId });
      const { station } = await admin.ok('POST', '/api/stations', { unitId: commune.id, name: `Đài truyền thanh ${name}`, code });
      stations.push({ id: station.id, name: station.name });
    }
    const programme = await createProgramme(admin, dir, 'Bản tin CCHC', 660, 1);
    const startAt = secondAhead(15_000);
    missedAt = Date.parse(startAt);
    await admin.ok('POST', '/api/slots', { programmeId: programme.id, startAt, stationIds: [stations[0].id] });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Signed in as the admin at `viewport`; every page error and console error lands in `problems`. */
  async function signIn(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    // Every confirmation (retire, revoke) is answered yes.
    page.on('dialog', (d) => void d.accept());
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.goto(server.url);
    await page.waitForURL(/\/dang-nhap$/);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('nav').waitFor({ state: 'attached' });
    return { context, page, problems };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENS, `40-${name}.png`), fullPage: true });
  const open = async (page: Page, label: string) => {
    const menu = page.getByTestId('menu');
    if (await menu.isVisible()) await menu.click();
    await page.getByTestId('nav').getByText(label, { exact: true }).click();
  };
  const tab = async (page: Page, key: string) => {
    await page.getByTestId(`tab-${key}`).click();
    await page.waitForTimeout(400);
  };

  it('creates, renames and retires a chuyên mục with its loudness target and topic, and shows the server’s message on a clash', async () => {
    const { context, page, problems } = await signIn(SIZES.laptop);
    await open(page, 'Quản trị');
    await tab(page, 'tabChuyenMuc');
    await page.locator('[data-chuyen-muc=CCHC]').waitFor();

    const form = page.getByTestId('chuyen-muc-form');
    await form.locator('input[name=name]').fill('Cải cách hành chính');
    await form.locator('input[name=code]').fill('KHAC');
    await form.getByRole('button').click();
    await expectText(page.getByTestId('chuyen-muc-error'), 'Chuyên mục "Cải cách hành chính" đã có.');

    await form.locator('input[name=name]').fill('Chuyển đổi số');
    await form.locator('input[name=code]').fill('CDS');
    await form.getByRole('button').click();
    const cds = page.locator('[data-chuyen-muc=CDS]');
    await cds.waitFor();
    await cds.getByTestId('rename-chuyen-muc').click();
    await cds.locator('input[name=rename]').fill('Chuyển đổi số quốc gia');
    await cds.getByRole('button', { name: 'Lưu' }).first().click();
    await expectText(cds.locator('h2'), 'Chuyển đổi số quốc gia');

    await cds.getByTestId('loudness').fill('-23');
    await cds.getByTestId('loudness').press('Enter');
    await eventually('the loudness target stored under the new name', async () =>
      (await admin.ok('GET', '/api/media/loudness-targets')).some((x: { chuyenMuc: string; targetLufs: number }) => x.chuyenMuc === 'Chuyển đổi số quốc gia' && x.targetLufs === -23),
    );
    await cds.getByTestId('loudness').fill('-5');
    await cds.getByTestId('loudness').press('Enter');
    await expectText(page.getByTestId('chuyen-muc-error'), 'Độ lớn chuẩn phải là số từ −31 đến −10.');

    await cds.locator('input[name=topic]').fill('Dữ liệu số');
    await cds.getByRole('button', { name: 'Thêm chủ đề' }).click();
    await expectText(cds.getByTestId('topics'), 'Dữ liệu số');
    await shot(page, 'laptop-chuyen-muc');

    await cds.getByTestId('retire-chuyen-muc').click();
    await expectText(cds.locator('h2'), 'Đã ngừng dùng');
    const stored = (await admin.ok('GET', '/api/chuyen-muc')).find((c: { code: string }) => c.code === 'CDS');
    expect(stored).toMatchObject({ name: 'Chuyển đổi số quốc gia', retiredAt: expect.any(String), topics: [expect.objectContaining({ name: 'Dữ liệu số' })] });
    const audit = await admin.ok('GET', `/api/audit?entity=chuyen_muc&entityId=${stored.id}`);
    expect(audit.items.length).toBeGreaterThanOrEqual(3);
    // The browser logs the clash it was sent into on purpose (409); nothing else may go wrong.
    expect(problems).toEqual(['console: Failed to load resource: the server responded with a status of 409 (Conflict)']);
    await context.close();
  }, 120_000);

  it('sets a plan target, edits it and sees its compliance month by month', async () => {
    const { context, page, problems } = await signIn(SIZES.laptop);
    await open(page, 'Quản trị');
    await tab(page, 'tabPlanTargets');
    const form = page.getByTestId('plan-target-form');
    await form.locator('input[name=name]').fill('Mỗi xã 2 buổi CCHC');
    await form.locator('select[name=chuyenMucId]').selectOption({ label: 'Cải cách hành chính' });
    await form.locator('select[name=unitId]').selectOption({ label: 'Tỉnh · Tỉnh Hà Tĩnh' });
    await form.locator('input[name=minPerMonth]').fill('2');
    await form.getByRole('button', { name: 'Thêm chỉ tiêu' }).click();
    const row = page.locator('[data-target="Mỗi xã 2 buổi CCHC"]');
    await row.waitFor();
    await expectText(row.getByTestId('compliance'), 'trạm đạt');
    await row.getByTestId('edit-target').click();
    await row.locator('input[name=edit-min]').fill('3');
    await row.getByTestId('save-target').click();
    await eventually('the target changed', async () => (await admin.ok('GET', '/api/plan-targets')).some((x: { name: string; minPerMonth: number }) => x.name === 'Mỗi xã 2 buổi CCHC' && x.minPerMonth === 3));
    await expectText(page.locator('[data-target="Mỗi xã 2 buổi CCHC"]'), '3');
    await shot(page, 'laptop-chi-tieu');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('opens a station’s details: enrolment code and expiry, Kiểm chứng, a new speaker cluster, a calendar link made, copied and revoked', async () => {
    const { context, page, problems } = await signIn(SIZES.laptop);
    await open(page, 'Quản trị');
    const row = page.getByTestId('stations').locator('tr', { hasText: stations[0].name }).first();
    await row.getByTestId('station-details-toggle').click();
    const details = page.getByTestId('station-details');
    await expectText(details.getByTestId('enrolment-state'), 'Chưa đăng ký');
    await expectText(details.getByTestId('enrolment-code-state'), 'Mã đăng ký chưa dùng, hết hạn lúc');

    await details.getByTestId('chain-check-button').click();
    await expectText(details.getByTestId('chain-result'), 'Nhật ký nguyên vẹn');
    const fingerprint = (await admin.ok('GET', '/api/logbook/verify')).keyFingerprint as string;
    await expectText(details.getByTestId('key-fingerprint'), fingerprint.slice(0, 4) + ':' + fingerprint.slice(4, 8));

    await details.locator('input[name=clusterName]').fill('Cụm loa thôn Đông');
    await details.getByRole('button', { name: 'Thêm cụm loa' }).click();
    await expectText(details.getByTestId('speaker-clusters'), 'Cụm loa thôn Đông');
    const [cluster] = await admin.ok('GET', `/api/stations/${stations[0].id}/clusters`);
    await expectText(details.getByTestId('speaker-clusters'), cluster.id);

    await details.getByTestId('new-calendar-link').click();
    const address = (await details.getByTestId('calendar-address').textContent())!.trim();
    expect(address).toMatch(new RegExp(`^${server.url}/api/calendar/loa_cal_[A-Za-z0-9_-]{32}\\.ics$`));
    await details.getByTestId('copy-calendar-link').click();
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(address);
    expect((await fetch(address)).status).toBe(200);
    await shot(page, 'laptop-tram-chi-tiet');
    await details.getByTestId('revoke-calendar-link').click();
    await expectText(details.getByTestId('calendar-link'), 'Đã thu hồi');
    expect((await fetch(address)).status).toBe(404);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('corrects a logbook line with a reason, and the correction shows right after the line it amends', async () => {
    await eventually('the server’s "không phát" line', async () => (await admin.ok('GET', `/api/logbook?stationId=${stations[0].id}`)).items.length > 0, missedAt - Date.now() + 150_000);
    const { context, page, problems } = await signIn(SIZES.laptop);
    await open(page, 'Nhật ký');
    const table = page.getByTestId('logbook');
    await expectText(table, 'Bản tin CCHC');
    await table.getByTestId('correct-line').first().click();
    const form = page.getByTestId('logbook-correction');
    await form.locator('input[name=reason]').fill('Trạm phát bằng tay lúc mất mạng, có biên bản');
    await form.locator('select[name=result]').selectOption('complete');
    await form.getByTestId('send-correction').click();
    await expectText(page.getByTestId('correction-notice'), 'Đã ghi bản đính chính');
    await expectText(table.getByTestId('amends'), 'Trạm phát bằng tay lúc mất mạng, có biên bản');
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-result')).toBe('missed');
    expect(await rows.nth(1).getAttribute('data-result')).toBe('complete');
    await shot(page, 'laptop-nhat-ky-dinh-chinh');
    expect(problems).toEqual([]);
    await context.close();
  }, 240_000);

  it('adds a language version to a programme and sets a station’s language preference, at laptop and phone size', async () => {
    const programme = (await admin.ok('GET', '/api/programmes')).find((p: { title: string }) => p.title === 'Bản tin CCHC');
    // Laptop: Khmer for the programme and as the first station's only language; phone: H'Mông, ranked first at the second station.
    const steps = [
      { size: 'laptop', language: 'km', name: 'Tiếng Khmer', station: stations[0], add: ['km'], raise: null, want: ['km'] },
      { size: 'phone', language: 'hmn', name: "Tiếng H'Mông", station: stations[1], add: ['km', 'hmn'], raise: 'hmn', want: ['hmn', 'km'] },
    ] as const;
    for (const step of steps) {
      const { context, page, problems } = await signIn(SIZES[step.size]);
      await open(page, 'Chương trình');
      const row = page.getByTestId('programmes').locator('tr', { hasText: 'Bản tin CCHC' }).first();
      const versions = row.getByTestId('programme-versions');
      await versions.getByTestId('add-version').click();
      await versions.locator('select[name=versionLanguage]').selectOption(step.language);
      // No longer than the Vietnamese audio (1 s): the slot's air time is reserved by it.
      const audio = await makeTone(join(dir, `ban-tin-${step.language}.wav`), { frequency: 550, seconds: 1 });
      await versions.locator('input[name=versionFile]').setInputFiles(audio);
      await versions.getByTestId('upload-version').click();
      await expectText(page.getByTestId('upload-done'), `Đã thêm bản ${step.name} cho "Bản tin CCHC".`, 60_000);
      await expectText(versions.locator(`[data-version=${step.language}]`), step.name);
      const stored = await admin.ok('GET', `/api/programmes/${programme.id}`);
      expect(stored.versions.map((v: { language: string }) => v.language)).toContain(step.language);
      await shot(page, `${step.size}-programme-version`);

      await open(page, 'Quản trị');
      await tab(page, 'stations');
      const stationRow = page.getByTestId('stations').locator('tr', { hasText: step.station.name }).first();
      await stationRow.getByTestId('edit-station').click();
      const editor = page.getByTestId('station-editor');
      for (const code of step.add) {
        await editor.locator('select[name=addLanguage]').selectOption(code);
        await editor.getByTestId('add-language').click();
      }
      if (step.raise) await editor.locator(`[data-language=${step.raise}]`).getByRole('button', { name: 'Ưu tiên hơn' }).click();
      expect(await editor.locator('[data-language]').evaluateAll((els) => els.map((e) => e.getAttribute('data-language')))).toEqual(step.want);
      await shot(page, `${step.size}-station-languages`);
      await editor.locator('button[type=submit]').click();
      await expectText(page.locator('.notice.ok'), `Đã cập nhật trạm ${step.station.name}.`);
      const saved = (await admin.ok('GET', '/api/stations')).find((s: { id: string }) => s.id === step.station.id);
      expect(saved.languages).toEqual(step.want);
      // Opened again, the editor shows the saved order.
      await page.getByTestId('stations').locator('tr', { hasText: step.station.name }).first().getByTestId('edit-station').click();
      expect(await page.getByTestId('station-editor').locator('[data-language]').evaluateAll((els) => els.map((e) => e.getAttribute('data-language')))).toEqual(step.want);
      expect({ size: step.size, sideways: await sideways(page) }).toEqual({ size: step.size, sideways: 0 });
      expect({ size: step.size, problems }).toEqual({ size: step.size, problems: [] });
      await context.close();
    }
  }, 240_000);

  it('the upload form’s "Nghe lại công khai" box starts by the chuyên mục and the choice is sent with the programme', async () => {
    const { context, page, problems } = await signIn(SIZES.phone);
    await open(page, 'Chương trình');
    const box = page.getByTestId('upload-public');
    const ticked = (want: boolean) => eventually(`the box ${want ? 'ticked' : 'unticked'}`, async () => (await box.isChecked()) === want, 10_000);
    // An admin speaks for an upper level: ticked, except for a khẩn cấp announcement.
    await ticked(true);
    await page.fill('input[name=chuyenMuc]', 'Thông báo khẩn cấp');
    await ticked(false);
    await page.fill('input[name=chuyenMuc]', 'Thông báo của xã');
    await ticked(true);
    await box.uncheck();
    await ticked(false);
    await shot(page, 'phone-upload-public');
    await page.setInputFiles('input[name=file]', await makeTone(join(dir, 'thong-bao-noi-bo.wav'), { frequency: 440, seconds: 1 }));
    await page.fill('input[name=title]', 'Thông báo nội bộ');
    await page.getByTestId('upload').click();
    await expectText(page.getByTestId('upload-done'), 'Thông báo nội bộ', 60_000);
    const stored = (await admin.ok('GET', '/api/programmes')).find((p: { title: string }) => p.title === 'Thông báo nội bộ');
    expect(stored).toMatchObject({ chuyenMuc: 'Thông báo của xã', public: false });
    // The next upload starts from the rule again.
    await ticked(true);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('every new screen, and the units, station editor and holidays tabs, fit a laptop and a phone without errors', async () => {
    for (const [size, viewport] of Object.entries(SIZES)) {
      const { context, page, problems } = await signIn(viewport);
      await open(page, 'Quản trị');
      for (const key of ['units', 'holidays', 'tabChuyenMuc', 'tabPlanTargets']) {
        await tab(page, key);
        await shot(page, `${size}-${key}`);
        expect({ size, key, sideways: await sideways(page) }).toEqual({ size, key, sideways: 0 });
      }
      await tab(page, 'stations');
      await page.getByTestId('edit-station').first().click();
      await shot(page, `${size}-station-editor`);
      await page.getByTestId('station-details-toggle').first().click();
      await page.getByTestId('station-details').waitFor();
      await page.waitForTimeout(400);
      await shot(page, `${size}-station-details`);
      await open(page, 'Nhật ký');
      await page.getByTestId('correct-line').first().click();
      await page.getByTestId('logbook-correction').waitFor();
      await shot(page, `${size}-logbook-correction`);
      expect({ size, problems }).toEqual({ size, problems: [] });
      await context.close();
    }
  }, 180_000);
});

/** How far the page scrolls sideways (0: nothing pushes it past the screen's edge). */
function sideways(page: Page): Promise<number> {
  return page.locator('html').evaluate((html) => {
    const h = html as unknown as { scrollWidth: number; clientWidth: number };
    return Math.max(0, h.scrollWidth - h.clientWidth);
  });
}

/** Waits until the element's text contains `expected`, then asserts it (so a failure shows the text). */
async function expectText(locator: Locator, expected: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < until) {
    text = (await locator.first().textContent({ timeout: timeoutMs }).catch(() => '')) ?? '';
    if (text.includes(expected)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(text).toContain(expected);
}
