import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { eventually, Proc, readSink, ServerProc, startAgentProcess, startServerProcess } from './support/processes';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENS = resolve(__dirname, '.artifacts', 'screens');
const TITLE = 'Chuyên mục CCHC tháng 11: dịch vụ công trực tuyến';
const PASSWORDS = { bientap: 'editor-password', thanhtra: 'inspector-password', 'tram-cam-binh': 'operator-password', lanhdao: 'approver-password' } as const;
const CODES = ['cam-binh', 'cam-thanh'];
const LIVE_NAV = 'Phát trực tiếp / Khẩn cấp';

if (!HAVE_CHROMIUM) {
  console.warn(`Browser specs SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's chromium or set CHROMIUM_PATH.`);
}
// The one conditional suite: without a browser on the machine there is nothing to drive.
const describeWithChromium = HAVE_CHROMIUM ? describe : describe.skip;

/** "YYYY-MM-DD" and "HH:MM:SS" of an instant in Vietnam time, as the schedule dialog takes them. */
function vietnamWall(ms: number): { date: string; time: string } {
  const wall = new Date(ms + 7 * 3600_000).toISOString();
  return { date: wall.slice(0, 10), time: wall.slice(11, 19) };
}

describeWithChromium('the web console in a real browser', () => {
  let dir: string;
  let server: ServerProc;
  const agents: Proc[] = [];
  let admin: Api;
  let browser: Browser;
  const stations: { id: string; name: string; unitId: string }[] = [];
  let startAt = 0;
  /** Whatever the Content Security Policy refused on any page: the console must need nothing it forbids. */
  const refusedByPolicy: string[] = [];
  const watchPolicy = (page: Page) =>
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) refusedByPolicy.push(`${page.url()}: ${m.text()}`);
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-web-'));
    await mkdir(SCREENS, { recursive: true });
    server = await startServerProcess(dir);
    admin = new Api(server.url);
    await admin.login('admin', 'e2e-admin-password');
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    for (const [code, name] of [[CODES[0], 'Xã Cẩm Bình'], [CODES[1], 'Xã Cẩm Thành']]) {
      const commune = await admin.ok('POST', '/api/units', { name, kind: 'Xã', parentId: province.id });
      const { station, token } = await admin.ok('POST', '/api/stations', { unitId: commune.id, name: `Đài truyền thanh ${name}`, code });
      stations.push({ id: station.id, name: station.name, unitId: commune.id });
      agents.push(startAgentProcess(join(dir, code), server.url, token));
    }
    await admin.ok('POST', '/api/users', { username: 'bientap', displayName: 'Biên tập viên CCHC', password: PASSWORDS.bientap, role: 'editor', unitId: province.id });
    await admin.ok('POST', '/api/users', { username: 'thanhtra', displayName: 'Cán bộ kiểm tra', password: PASSWORDS.thanhtra, role: 'inspector', unitId: province.id });
    await admin.ok('POST', '/api/users', { username: 'lanhdao', displayName: 'Lãnh đạo duyệt lịch', password: PASSWORDS.lanhdao, role: 'approver', unitId: province.id });
    await admin.ok('POST', '/api/users', { username: 'tram-cam-binh', displayName: 'Cán bộ đài xã Cẩm Bình', password: PASSWORDS['tram-cam-binh'], role: 'operator', unitId: stations[0].unitId });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // A fake microphone (a beep) that needs no permission prompt, for the live screen's microphone.
      args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    await eventually('both agents connected', async () => (await admin.ok('GET', '/api/agents/status')).length === 2, 30_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(agents.map((a) => a.stop()));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function signIn(username: keyof typeof PASSWORDS | 'admin', viewport = { width: 1280, height: 860 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, acceptDownloads: true, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
    const page = await context.newPage();
    watchPolicy(page);
    await page.goto(server.url);
    await page.waitForURL(/\/dang-nhap$/);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', username === 'admin' ? 'e2e-admin-password' : PASSWORDS[username]);
    await page.getByTestId('sign-in').click();
    // On a phone the navigation is there but folded behind its menu button.
    await page.getByTestId('nav').waitFor({ state: 'attached' });
    return { context, page };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENS, `${name}.png`), fullPage: true });
  /** Opens a screen from the navigation; on a phone the navigation first unfolds from its menu button. */
  const open = async (page: Page, label: string) => {
    const menu = page.getByTestId('menu');
    if (await menu.isVisible()) await menu.click();
    await page.getByTestId('nav').getByText(label, { exact: true }).click();
  };

  it('refuses a wrong password with the server\'s Vietnamese sentence, not a code', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    watchPolicy(page);
    await page.goto(`${server.url}/nhat-ky`);
    await page.waitForURL(/\/dang-nhap$/);
    await page.fill('input[name=username]', 'bientap');
    await page.fill('input[name=password]', 'not-the-password');
    await page.getByTestId('sign-in').click();
    await expectText(page.getByTestId('error'), 'Tên đăng nhập hoặc mật khẩu không đúng.');
    await shot(page, '01-dang-nhap');
    await context.close();
  }, 60_000);

  it('an editor uploads a programme with progress to 100%, schedules it on two stations, and watches both play it', async () => {
    const { context, page } = await signIn('bientap');
    await eventually('two stations online on the dashboard', async () => (await page.locator('[data-testid=station-card][data-online=yes]').count()) === 2, 15_000);
    await shot(page, '02-tong-quan');

    await open(page, 'Chương trình');
    // A text file passed off as audio: refused with the server's sentence, nothing created.
    const fake = join(dir, 'khong-phai-am-thanh.mp3');
    await writeFile(fake, 'Đây là văn bản, không phải âm thanh.\n'.repeat(40));
    await page.setInputFiles('input[name=file]', fake);
    await page.fill('input[name=title]', 'Tệp hỏng');
    await page.getByTestId('upload').click();
    await expectText(page.getByTestId('error'), 'Tệp này không phải là âm thanh mà hệ thống đọc được.');
    expect(await page.getByTestId('upload-done').count()).toBe(0);

    const tone = await makeTone(join(dir, 'cchc-thang-11.wav'), { frequency: 660, seconds: 12 });
    await page.setInputFiles('input[name=file]', tone);
    await page.fill('input[name=title]', TITLE);
    await page.fill('input[name=chuyenMuc]', 'Cải cách hành chính');
    await page.getByTestId('upload').click();
    await page.getByTestId('upload-done').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('upload-done').textContent()).toContain(TITLE);
    expect(await page.getByTestId('upload-progress').getAttribute('aria-valuenow')).toBe('100');
    expect(await page.getByTestId('convert-progress').getAttribute('aria-valuenow')).toBe('100');
    await expectText(page.getByTestId('programmes'), TITLE);

    // The player fetches the broadcast file with the sign-in header and plays it from memory.
    await page.getByTestId('programmes').getByRole('button', { name: 'Nghe' }).first().click();
    const player = page.getByTestId('player');
    await player.waitFor();
    expect(await player.getAttribute('src')).toMatch(/^blob:/);
    const seconds = await eventually('the player to know the length', () => player.evaluate((a) => {
      const d = (a as unknown as { duration: number }).duration;
      return Number.isFinite(d) && d > 0 ? d : 0;
    }), 10_000);
    expect(Math.abs(seconds - 12)).toBeLessThan(0.5);
    await shot(page, '03-chuong-trinh');

    await open(page, 'Lịch phát sóng');
    // Choosing a unit narrows the stations to those below it.
    await page.getByTestId('unit-filter').selectOption({ label: 'Xã · Xã Cẩm Thành (1)' });
    expect(await page.getByTestId('station-filter').locator('option').allTextContents()).toEqual(['Tất cả trạm', stations[1].name]);
    await page.getByTestId('unit-filter').selectOption({ label: 'Tỉnh · Tỉnh Hà Tĩnh (2)' });
    await page.getByTestId('add-slot').click();
    const dialog = page.getByTestId('slot-dialog');
    await dialog.locator('select[name=programmeId]').selectOption({ label: `${TITLE} (Cải cách hành chính)` });
    startAt = Math.ceil((Date.now() + 25_000) / 1000) * 1000;
    const wall = vietnamWall(startAt);
    await dialog.locator('input[name=date]').fill(wall.date);
    await dialog.locator('input[name=time]').fill(wall.time);
    // Nothing is chosen until the editor chooses: "Chọn tất cả" ticks every station.
    for (const s of stations) expect(await dialog.getByLabel(s.name).isChecked()).toBe(false);
    expect(await dialog.getByLabel('Chọn tất cả').isChecked()).toBe(false);
    await dialog.getByLabel('Chọn tất cả').check();
    for (const s of stations) expect(await dialog.getByLabel(s.name).isChecked()).toBe(true);
    await shot(page, '04-lich-phat-song-hop-thoai');
    await page.getByTestId('save-slot').click();
    // An editor's broadcast waits for an approver before any station receives it.
    await expectText(page.getByTestId('notice'), 'Đã gửi lịch phát, đang chờ người có quyền duyệt.');
    const pending = (await admin.ok('GET', '/api/slots?status=submitted')) as { id: string }[];
    expect(pending).toHaveLength(1);
    await admin.ok('POST', `/api/slots/${pending[0].id}/approve`, {});
    await expectText(page.getByTestId('calendar'), TITLE);
    await shot(page, '05-lich-phat-song');

    // The same time again: the clash is named before saving, and the server's refusal is shown in words.
    await page.getByTestId('add-slot').click();
    await dialog.locator('select[name=programmeId]').selectOption({ label: `${TITLE} (Cải cách hành chính)` });
    await dialog.locator('input[name=date]').fill(wall.date);
    await dialog.locator('input[name=time]').fill(wall.time);
    await dialog.getByLabel('Chọn tất cả').check();
    await expectText(page.getByTestId('clashes'), stations[0].name);
    await page.getByTestId('save-slot').click();
    await expectText(page.getByTestId('dialog-error'), 'Lịch phát bị trùng với chương trình khác trên cùng trạm');
    const clashText = await page.getByTestId('clashes').textContent();
    for (const s of stations) expect(clashText).toContain(`${s.name}: "${TITLE}"`);
    await shot(page, '06-lich-trung');
    await dialog.getByRole('button', { name: 'Huỷ' }).click();

    // Dragging across the grid opens the same dialog at the time the drag started.
    const column = page.locator(`.fc-timegrid-col[data-date="${wall.date}"]`);
    const lane = (time: string) => page.locator(`.fc-timegrid-slot-lane[data-time="${time}"]`);
    await lane('23:00:00').scrollIntoViewIfNeeded();
    const col = await column.boundingBox();
    const [from, to] = [await lane('22:30:00').boundingBox(), await lane('23:00:00').boundingBox()];
    if (!col || !from || !to) throw new Error('calendar grid not laid out');
    await page.mouse.move(col.x + col.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(col.x + col.width / 2, to.y + to.height / 2, { steps: 5 });
    await page.mouse.up();
    await dialog.waitFor();
    // Dates read dd/mm/yyyy whatever the browser's language.
    expect(await dialog.locator('input[name=date]').inputValue()).toBe(`${wall.date.slice(8, 10)}/${wall.date.slice(5, 7)}/${wall.date.slice(0, 4)}`);
    expect(await dialog.locator('input[name=time]').inputValue()).toBe('22:30:00');
    await dialog.getByRole('button', { name: 'Huỷ' }).click();

    await open(page, 'Tổng quan');
    await eventually(
      'both stations to show the programme on air',
      async () => {
        const playing = await page.getByTestId('now-playing').allTextContents();
        return playing.length === 2 && playing.every((p) => p.includes(TITLE));
      },
      60_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(startAt);
    await shot(page, '07-tong-quan-dang-phat');
    await context.close();
  }, 150_000);

  it('an inspector sees no editing controls and downloads the logbook with both lines', async () => {
    const { context, page } = await signIn('thanhtra');
    expect(await page.getByTestId('nav').textContent()).not.toContain('Quản trị');

    await open(page, 'Chương trình');
    await expectText(page.getByTestId('programmes'), TITLE);
    expect(await page.getByTestId('upload-form').count()).toBe(0);

    await open(page, 'Lịch phát sóng');
    await expectText(page.getByTestId('calendar'), TITLE);
    expect(await page.getByTestId('add-slot').count()).toBe(0);
    // One 24-hour HH:mm on every hour line, and the 12-second programme at its true length.
    const labels = (await page.locator('.fc-timegrid-slot-label-cushion').allTextContents()).filter((x) => x.trim());
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels) expect(l.trim()).toMatch(/^\d{2}:\d{2}$/);
    expect((await page.locator('.fc-event-time').first().textContent())?.trim()).toMatch(/^\d{2}:\d{2} \(1[12] giây\)$/);
    await page.getByTestId('calendar').getByText(TITLE).first().click();
    await page.getByTestId('slot-detail').waitFor();
    expect(await page.getByTestId('cancel-slot').count()).toBe(0);
    await page.getByTestId('slot-detail').getByRole('button', { name: 'Đóng' }).click();

    await open(page, 'Nhật ký');
    // A reload keeps the page (the server answers it with the app) and the sign-in of this tab.
    await page.reload();
    await expectText(page.getByTestId('whoami'), 'Cán bộ kiểm tra · Cán bộ kiểm tra');
    expect(new URL(page.url()).pathname).toBe('/nhat-ky');
    await eventually(
      'two logbook lines',
      async () => {
        await page.getByTestId('logbook-filter').getByRole('button', { name: 'Lọc' }).click();
        await page.waitForTimeout(300);
        return (await page.locator('[data-testid=logbook] tbody tr').count()) === 2;
      },
      40_000,
    );
    await expectText(page.getByTestId('logbook'), 'Phát đủ');
    // Kiểm chứng: every station's chain and seals checked by the server, with the seal key's fingerprint.
    await page.getByTestId('verify').click();
    await expectText(page.getByTestId('logbook-verify'), 'Khóa niêm phong');
    const checked = await page.getByTestId('logbook-verify').locator('tbody tr').count();
    expect(checked).toBeGreaterThanOrEqual(stations.length);
    expect(await page.getByTestId('logbook-verify').getByText('Nguyên vẹn', { exact: true }).count()).toBe(checked);
    await shot(page, '08-nhat-ky');

    // Offered exactly as the server has the routes; CSV is there today.
    const doc = (await (await fetch(`${server.url}/api/docs-json`)).json()) as { paths: Record<string, unknown> };
    const routes = Object.keys(doc.paths);
    for (const ext of ['csv', 'xlsx', 'pdf']) {
      expect(await page.getByTestId(`export-${ext}`).count()).toBe(routes.includes(`/api/logbook/export.${ext}`) ? 1 : 0);
    }
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^nhat-ky-tuyen-truyen-.*\.csv$/);
    const file = join(dir, 'nhat-ky.csv');
    await download.saveAs(file);
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const rows = text.slice(1).trim().split('\r\n');
    expect(rows[0]).toContain('Trạm');
    // The two lines, then the seal key's fingerprint and the newest seal.
    expect(rows).toHaveLength(5);
    expect(rows[3]).toMatch(/^Khóa niêm phong Ed25519: [0-9a-f]{4}(:[0-9a-f]{4}){7}$/);
    expect(rows[4]).toMatch(/^"?Niêm phong cuối: /);
    for (const s of stations) expect(rows.filter((r) => r.includes(s.name) && r.includes(TITLE) && r.includes('Phát đủ'))).toHaveLength(1);

    // The Excel form: one sheet per station, read back cell by cell.
    expect(await page.getByTestId('export-xlsx').count()).toBe(1);
    const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
    expect(xlsxDownload.suggestedFilename()).toMatch(/^nhat-ky-tuyen-truyen-.*\.xlsx$/);
    const xlsxFile = join(dir, 'nhat-ky.xlsx');
    await xlsxDownload.saveAs(xlsxFile);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(xlsxFile);
    const sheets = book.worksheets.map(logbookSheet);
    expect(sheets.map((x) => x.lines).flat().sort((a, b) => a.station.localeCompare(b.station))).toEqual(
      stations.map((s) => ({ station: s.name, title: TITLE, chuyenMuc: 'Cải cách hành chính', result: 'Phát đủ' })).sort((a, b) => a.station.localeCompare(b.station)),
    );
    for (const x of sheets) expect(x.total).toBe('1 lượt');

    await open(page, 'Báo cáo');
    // Calendar months: today's quarter always holds today, whatever day the test runs.
    await page.locator('select[name=convention]').selectOption('calendar');
    await page.getByTestId('show-report').click();
    await expectText(page.getByTestId('narrative'), '2 trạm truyền thanh đã phát 2/2 lượt theo lịch, phát đủ 2 lượt');
    for (const s of stations) {
      const row = page.getByTestId('report-stations').locator(`tr[data-station-id="${s.id}"]`);
      // The last column counts airings a capture confirmed on air: these stations have none.
      expect(await row.locator('td').allTextContents()).toEqual([s.name, expect.any(String), '1', '1', '1', '0', '0', '0', '0,2', '100,0%', '1', '0', '0']);
    }
    const bars = await page.getByTestId('bar').evaluateAll((els) => els.map((e) => ({ station: e.getAttribute('data-station'), minutes: Number(e.getAttribute('data-minutes')) })));
    expect(bars).toHaveLength(2 * 3);
    expect(bars.filter((b) => b.minutes > 0).map((b) => b.station).sort()).toEqual(stations.map((s) => s.name).sort());
    // Chart.js painted the bars: the first station's colour (#0b5d3b) fills a visible share of the canvas.
    const firstColourPixels = await page.getByTestId('minutes-chart').evaluate((el) => {
      type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
      const c = el as unknown as Canvas;
      const px = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] === 0x0b && px[i + 1] === 0x5d && px[i + 2] === 0x3b && px[i + 3] === 255) n++;
      return n;
    });
    expect(firstColourPixels).toBeGreaterThan(200);
    for (const ext of ['xlsx', 'pdf']) expect(await page.getByTestId(`export-${ext}`).count()).toBe(1);
    await shot(page, '13-bao-cao');

    // Watching the live screen is allowed; starting, stopping or speaking is not.
    await open(page, LIVE_NAV);
    await expectText(page.locator('main'), 'Bạn chỉ theo dõi các buổi phát trực tiếp');
    expect(await page.getByTestId('live-form').count()).toBe(0);
    expect(await page.getByTestId('start-emergency').count()).toBe(0);
    await context.close();
  }, 90_000);

  it('a commune operator sees only its own station', async () => {
    const { context, page } = await signIn('tram-cam-binh', { width: 390, height: 844 });
    await eventually('its station card', async () => (await page.getByTestId('station-card').count()) === 1, 10_000);
    expect(await page.getByTestId('station-card').getAttribute('data-station-id')).toBe(stations[0].id);
    expect(await page.getByTestId('nav').textContent()).not.toContain('Quản trị');
    await shot(page, '09-tong-quan-dien-thoai-can-bo-xa');

    // Both stations aired the programme; the operator's logbook and its export hold its own line only.
    await open(page, 'Nhật ký');
    await eventually('one logbook line', async () => (await page.locator('[data-testid=logbook] tbody tr').count()) === 1, 10_000);
    await expectText(page.getByTestId('logbook'), stations[0].name);
    expect(await page.getByTestId('logbook').textContent()).not.toContain(stations[1].name);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const file = join(dir, 'nhat-ky-xa.csv');
    await download.saveAs(file);
    const rows = (await readFile(file, 'utf8')).slice(1).trim().split('\r\n');
    // Its one line, then the seal key's fingerprint and the newest seal of its station.
    expect(rows).toHaveLength(4);
    expect(rows[1]).toContain(stations[0].name);
    expect(rows[2]).toMatch(/^Khóa niêm phong Ed25519: /);

    await open(page, 'Lịch phát sóng');
    // The stations arrive after the page: wait for them before reading the list.
    const filterOptions = page.getByTestId('station-filter').locator('option');
    await eventually('the station filter filled', async () => (await filterOptions.count()) > 1, 10_000);
    expect(await filterOptions.allTextContents()).toEqual(['Tất cả trạm', stations[0].name]);
    expect(await page.getByTestId('add-slot').count()).toBe(0);

    // An operator may send an emergency, on its own station only, and may not start a relay.
    await open(page, LIVE_NAV);
    await page.getByTestId('target-stations').locator('label').first().waitFor();
    expect(await page.getByTestId('tab-relay').count()).toBe(0);
    expect(await page.getByTestId('start-emergency').count()).toBe(1);
    expect(await page.getByTestId('target-stations').locator('label').allTextContents()).toEqual([` ${stations[0].name}`]);
    expect(await page.getByTestId('target-units').locator('label').allTextContents()).toEqual([' Xã · Xã Cẩm Bình (1)']);
    await shot(page, '14-khan-cap-can-bo-xa');

    await open(page, 'Báo cáo');
    await page.getByTestId('report-stations').waitFor();
    expect(await page.getByTestId('report-stations').locator('tbody tr').count()).toBe(1);
    await expectText(page.getByTestId('report-stations'), stations[0].name);

    // Signing out ends the sign-in on the server: the token the page held is refused from then on.
    const token = await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('loa.token'));
    expect(token).toBeTruthy();
    await page.getByTestId('sign-out').click();
    await page.waitForURL(/\/dang-nhap$/);
    const after = await fetch(`${server.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
    await context.close();
  }, 60_000);

  it('an editor sets a weekly broadcast in plain words, and an approver rejects it from the approval queue with a reason', async () => {
    // A Monday at least a week ahead, so the first airing is that day whatever today is.
    const ahead = new Date(Date.now() + 7 * 24 * 3600_000 + 7 * 3600_000);
    const monday = new Date(ahead.getTime() + ((8 - ahead.getUTCDay()) % 7) * 24 * 3600_000).toISOString().slice(0, 10);
    const viMonday = `${monday.slice(8, 10)}/${monday.slice(5, 7)}/${monday.slice(0, 4)}`;
    const days = ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ Nhật'];

    const editor = await signIn('bientap');
    await open(editor.page, 'Lịch phát sóng');
    await editor.page.getByTestId('add-slot').click();
    const dialog = editor.page.getByTestId('slot-dialog');
    await dialog.locator('select[name=programmeId]').selectOption({ label: `${TITLE} (Cải cách hành chính)` });
    await dialog.locator('select[name=repeat]').selectOption('weekly');
    for (const d of days) await dialog.getByTestId('weekdays').getByLabel(d, { exact: true }).setChecked(['Thứ Hai', 'Thứ Tư', 'Thứ Sáu'].includes(d));
    await dialog.locator('input[name=date]').fill(monday);
    await dialog.locator('input[name=time]').fill('05:30:00');
    expect(await editor.page.getByTestId('recurrence-text').textContent()).toBe(`Thứ Hai, Thứ Tư, Thứ Sáu lúc 05:30, từ ngày ${viMonday}`);
    // A second time of day makes one rule with both.
    await dialog.getByTestId('add-time').click();
    await dialog.locator('input[name=time2]').fill('17:00:00');
    expect(await editor.page.getByTestId('recurrence-text').textContent()).toBe(`Thứ Hai, Thứ Tư, Thứ Sáu lúc 05:30 và 17:00, từ ngày ${viMonday}`);
    for (const st of stations) await dialog.getByLabel(st.name).check();
    await shot(editor.page, '15-lich-lap-lai');
    await editor.page.getByTestId('save-slot').click();
    await expectText(editor.page.getByTestId('notice'), 'Đã gửi lịch phát, đang chờ người có quyền duyệt.');
    const pending = (await admin.ok('GET', '/api/slots?status=submitted')) as { id: string; rule: string; localStart: string }[];
    expect(pending).toHaveLength(1);
    expect(pending[0].rule).toBe('FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=5,17;BYMINUTE=0,30;BYSECOND=0;BYSETPOS=2,3,6,7,10,11');
    expect(pending[0].localStart).toBe(`${monday}T05:30:00`);
    // An editor has no approval queue.
    expect(await editor.page.getByTestId('approval-queue').count()).toBe(0);
    await editor.context.close();

    const approver = await signIn('lanhdao');
    await open(approver.page, 'Lịch phát sóng');
    const queue = approver.page.getByTestId('approval-queue');
    await expectText(queue, `Thứ Hai, Thứ Tư, Thứ Sáu lúc 05:30 và 17:00, từ ngày ${viMonday}`);
    expect(await queue.getByTestId('pending-slot').count()).toBe(1);
    await expectText(queue.getByTestId('pending-slot'), TITLE);
    await shot(approver.page, '16-hang-cho-duyet');
    await queue.getByTestId('queue-reject').click();
    // No reason, no rejection: the reason is what the editor reads.
    await approver.page.getByTestId('reject-dialog').locator('textarea[name=reason]').fill('Trùng giờ họp dân, đề nghị dời sang 17:00');
    await approver.page.getByTestId('confirm-reject').click();
    await expectText(approver.page.getByTestId('notice'), 'Đã từ chối lịch phát.');
    await expectText(queue, 'Không có lịch phát nào chờ duyệt.');
    const rejected = await admin.ok('GET', `/api/slots/${pending[0].id}`);
    expect(rejected.status).toBe('rejected');
    expect(rejected.rejectionReason).toBe('Trùng giờ họp dân, đề nghị dời sang 17:00');
    await approver.context.close();
  }, 90_000);

  it('an editor sends a guarded emergency naming its stations, watches both carry it, stops it; then speaks live from the microphone', async () => {
    const upload = await admin.upload(await makeTone(join(dir, 'bao-so-9.wav'), { frequency: 880, seconds: 60 }));
    const asset = await admin.waitReady(upload.body.id);
    const warning = await admin.ok('POST', '/api/programmes', { title: 'Thông báo bão số 9', chuyenMuc: 'Thông báo khẩn cấp', mediaAssetId: asset.id });

    const { context, page } = await signIn('bientap');
    await open(page, LIVE_NAV);
    await page.getByTestId('tab-emergency').click();
    const form = page.getByTestId('live-form');
    await form.locator('input[name=title]').fill('Khẩn cấp: bão số 9 đổ bộ');
    await form.locator('select[name=programmeId]').selectOption(warning.id);
    // Nothing chosen to broadcast on: said in words, nothing asked, nothing sent.
    await page.getByTestId('start-emergency').click();
    await expectText(page.getByTestId('error'), 'Hãy chọn ít nhất một trạm hoặc một đơn vị.');
    expect(await page.getByTestId('emergency-confirm').count()).toBe(0);

    await form.getByTestId('target-units').getByLabel('Tỉnh · Tỉnh Hà Tĩnh (2)').check();
    await form.locator('input[name=repeats]').fill('1');
    await form.locator('input[name=intervalMinutes]').fill('1');
    await page.getByTestId('start-emergency').click();
    const confirm = page.getByTestId('emergency-confirm');
    await confirm.waitFor();
    expect((await confirm.getByTestId('confirm-targets').locator('li').allTextContents()).sort()).toEqual(stations.map((s) => s.name).sort());
    await expectText(confirm, 'Phát 2 lần, cách nhau 1 phút.');
    await shot(page, '17-xac-nhan-khan-cap');
    // Backing out sends nothing.
    await confirm.getByTestId('confirm-cancel').click();
    expect(await admin.ok('GET', '/api/live/relays')).toEqual([]);

    await page.getByTestId('start-emergency').click();
    await page.getByTestId('confirm-emergency').click();
    await expectText(page.getByTestId('notice'), 'Đã bắt đầu phát "Khẩn cấp: bão số 9 đổ bộ".');
    const [relay] = (await admin.ok('GET', '/api/live/relays')) as { id: string; kind: string; rounds: number }[];
    expect(relay).toMatchObject({ kind: 'emergency', rounds: 2 });
    const card = page.locator(`[data-testid=relay][data-relay-id="${relay.id}"]`);
    await eventually('both stations carrying the emergency', async () => (await card.locator('tr[data-carrying=yes]').count()) === 2, 30_000);
    await expectText(card.getByTestId('carried-by'), '2/2 trạm đang phát');
    await shot(page, '18-dang-phat-khan-cap');

    // An inspector watching meanwhile sees who carries it, and no button to stop it.
    const inspector = await signIn('thanhtra');
    await open(inspector.page, LIVE_NAV);
    await inspector.page.locator(`[data-testid=relay][data-relay-id="${relay.id}"]`).waitFor();
    expect(await inspector.page.getByTestId('stop-relay').count()).toBe(0);
    await inspector.context.close();

    page.once('dialog', (d) => void d.accept());
    await card.getByTestId('stop-relay').click();
    await expectText(page.getByTestId('notice'), 'Đã dừng "Khẩn cấp: bão số 9 đổ bộ".');
    await expectText(page.getByTestId('recent'), 'Đã dừng');
    expect((await admin.ok('GET', `/api/live/relays/${relay.id}`)).relay.status).toBe('stopped');

    // The microphone: the browser's own (a fake one that beeps), sent as PCM over the relay's socket.
    await page.getByTestId('tab-relay').click();
    await form.locator('input[name=title]').fill('Phát trực tiếp từ micro');
    await page.getByTestId('source-mic').check();
    await form.getByTestId('target-stations').getByLabel(stations[1].name).check();
    await form.getByTestId('target-units').getByLabel('Tỉnh · Tỉnh Hà Tĩnh (2)').uncheck();
    await page.getByTestId('start-relay').click();
    await page.getByTestId('mic-on-air').waitFor();
    const mic = ((await admin.ok('GET', '/api/live/relays')) as { id: string; sourceKind: string }[]).find((r) => r.sourceKind === 'mic');
    if (!mic) throw new Error('no microphone relay started');
    const micCard = page.locator(`[data-testid=relay][data-relay-id="${mic.id}"]`);
    await eventually('the station carrying the microphone', async () => (await micCard.locator(`tr[data-station-id="${stations[1].id}"][data-carrying=yes]`).count()) === 1, 30_000);
    expect(await micCard.locator('tbody tr').count()).toBe(1);
    await shot(page, '19-phat-tu-micro');
    await page.waitForTimeout(2000);
    await page.getByTestId('mic-end').click();
    await eventually('the microphone relay ended', async () => (await admin.ok('GET', `/api/live/relays/${mic.id}`)).relay.status === 'ended', 30_000);
    const record = await eventually('the microphone in the station sink', async () => readSink(join(dir, CODES[1], 'sink')).find((r) => r.slotId === mic.id), 20_000);
    expect(record.file).toBeTruthy();
    expect(await page.getByTestId('mic-on-air').count()).toBe(0);
    await context.close();
  }, 150_000);

  it('a commune operator sends a spoken emergency from typed text to its own station, and only there', async () => {
    const { context, page } = await signIn('tram-cam-binh', { width: 390, height: 844 });
    await open(page, LIVE_NAV);
    const form = page.getByTestId('live-form');
    await form.locator('input[name=title]').fill('Thông báo khẩn: cắt điện xã Cẩm Bình');
    await page.getByTestId('source-text').check();
    await form.locator('textarea[name=text]').fill('Thông báo: chiều nay từ 14 giờ đến 16 giờ, xã Cẩm Bình tạm ngừng cấp điện để sửa đường dây.');
    await form.getByTestId('target-stations').getByLabel(stations[0].name).check();
    await page.getByTestId('start-emergency').click();
    const confirm = page.getByTestId('emergency-confirm');
    expect(await confirm.getByTestId('confirm-targets').locator('li').allTextContents()).toEqual([stations[0].name]);
    await confirm.getByTestId('confirm-emergency').click();
    await expectText(page.getByTestId('notice'), 'Đã bắt đầu phát "Thông báo khẩn: cắt điện xã Cẩm Bình".', 60_000);

    const relay = ((await admin.ok('GET', '/api/live/relays')) as { id: string; title: string; kind: string; sourceKind: string; programmeId: string }[]).find((r) => r.title.startsWith('Thông báo khẩn: cắt điện'));
    if (!relay) throw new Error('the emergency was not started');
    expect(relay).toMatchObject({ kind: 'emergency', sourceKind: 'text' });
    // The text became a programme of its own, spoken by the server, so it stays in the dossier.
    expect(await admin.ok('GET', `/api/programmes/${relay.programmeId}`)).toMatchObject({ title: 'Thông báo khẩn: cắt điện xã Cẩm Bình', chuyenMuc: 'Thông báo khẩn cấp' });
    const status = await admin.ok('GET', `/api/live/relays/${relay.id}`);
    expect(status.stations.map((x: { stationId: string }) => x.stationId)).toEqual([stations[0].id]);
    await eventually('the spoken emergency aired on its station', async () => readSink(join(dir, CODES[0], 'sink')).some((r) => r.slotId === relay.id), 30_000);
    expect(readSink(join(dir, CODES[1], 'sink')).some((r) => r.slotId === relay.id)).toBe(false);
    await shot(page, '20-khan-cap-van-ban-can-bo-xa');
    await context.close();
  }, 90_000);

  it('an admin adds a station and gets its enrolment code once, with the enrol command, and can issue a new code or a new token; the overview raises the alarm for it while it is offline; the console switches to English', async () => {
    const { context, page } = await signIn('admin');
    await open(page, 'Quản trị');
    const form = page.getByTestId('station-form');
    await form.locator('select[name=unitId]').selectOption({ label: 'Xã · Xã Cẩm Bình' });
    await form.locator('input[name=name]').fill('Cụm loa thôn Trung');
    await form.locator('input[name=code]').fill('cam-binh-trung');
    await form.getByRole('button', { name: 'Thêm trạm' }).click();
    const enrolCommand = (await page.getByTestId('enrol-command').textContent()) ?? '';
    expect(enrolCommand).toMatch(new RegExp(`^sudo loa-agent enrol --server ${server.url.replace(/[.]/g, '\\.')} [2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$`));
    const row = page.getByTestId('stations').locator('tr', { hasText: 'Cụm loa thôn Trung' });
    await expectText(row.getByTestId('enrolled'), 'Chưa đăng ký');
    await shot(page, '10-quan-tri');

    // A new code replaces the shown one at once.
    await row.getByRole('button', { name: 'Cấp mã mới' }).click();
    await eventually('a different enrol command', async () => {
      const next = (await page.getByTestId('enrol-command').textContent()) ?? '';
      return next !== enrolCommand && /enrol --server \S+ \S{4}-\S{4}$/.test(next);
    }, 10_000);

    // A new token replaces the box's current one, after a confirmation, and is shown once.
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Đổi mã kết nối' }).click();
    const command = await eventually('the install command with the new token', async () => {
      const text = (await page.getByTestId('install-command').count()) ? ((await page.getByTestId('install-command').textContent()) ?? '') : '';
      return /LOA_STATION_TOKEN=loa_st_\S+ /.test(text) && text;
    }, 10_000);
    expect(command).toMatch(new RegExp(`^LOA_SERVER_URL=${server.url.replace(/[.]/g, '\\.')} LOA_STATION_TOKEN=loa_st_\\S+ node dist/apps/agent/src/main\\.js$`));

    // The change history names both changes to the station and never shows a token, old or new.
    const tokens = [command].map((c) => /LOA_STATION_TOKEN=(\S+)/.exec(c)?.[1] ?? 'missing');
    await page.getByTestId('tab-audit').click();
    await page.getByTestId('audit-filter').locator('select[name=entity]').selectOption('station');
    await page.getByTestId('audit-filter').getByRole('button', { name: 'Xem' }).click();
    const stationRows = page.getByTestId('audit').locator('tbody tr[data-entity=station]');
    await eventually('the station changes listed', async () => (await stationRows.count()) >= 2, 10_000);
    await expectText(page.getByTestId('audit').locator('tr[data-action=insert]', { hasText: 'Cụm loa thôn Trung' }), 'Thêm mới');
    await expectText(page.getByTestId('audit').locator('tr[data-action=update]').first(), 'tokenHash: [ẩn] → [ẩn, đã đổi]');
    const history = (await page.getByTestId('audit').textContent()) ?? '';
    for (const token of tokens) {
      expect(token).toMatch(/^loa_st_/);
      expect(history).not.toContain(token);
    }
    await shot(page, '21-nhat-ky-thay-doi');
    await page.getByTestId('tab-stations').click();

    // A second station with the same code: the server's sentence, word for word.
    await form.locator('input[name=name]').fill('Trùng mã');
    await form.locator('input[name=code]').fill('cam-binh-trung');
    await form.getByRole('button', { name: 'Thêm trạm' }).click();
    await expectText(page.getByTestId('error'), 'Mã trạm "cam-binh-trung" đã được dùng.');

    // The new station has no agent yet: the overview raises the alarm for it, and only for it.
    await open(page, 'Tổng quan');
    await expectText(page.getByTestId('offline-alarm'), 'Cảnh báo: 1 trạm mất kết nối');
    expect(await page.getByTestId('offline-alarm').locator('li').allTextContents()).toEqual(['Cụm loa thôn Trung']);
    await shot(page, '11-tong-quan-canh-bao');

    await page.getByTestId('lang').selectOption('en');
    await expectText(page.getByTestId('nav'), 'Overview');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await shot(page, '12-overview-english');
    await context.close();
  }, 60_000);

  it('after an emergency cuts a programme on air, every screen opens without a page error for an admin, an inspector and a commune operator, on a laptop and on a phone', async () => {
    // A long programme on the operator's station, cut a few seconds in by an emergency.
    const upload = await admin.upload(await makeTone(join(dir, 'chuong-trinh-dai.wav'), { frequency: 523, seconds: 40 }));
    const asset = await admin.waitReady(upload.body.id);
    const long = await admin.ok('POST', '/api/programmes', { title: 'Chương trình dài bị ngắt', chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id });
    const short = await admin.upload(await makeTone(join(dir, 'canh-bao-lu.wav'), { frequency: 1200, seconds: 3 }));
    const alarm = await admin.ok('POST', '/api/programmes', { title: 'Cảnh báo lũ quét', chuyenMuc: 'Thông báo khẩn cấp', mediaAssetId: (await admin.waitReady(short.body.id)).id });
    const t0 = Math.ceil((Date.now() + 8000) / 1000) * 1000;
    const slot = await admin.ok('POST', '/api/slots', { programmeId: long.id, startAt: new Date(t0).toISOString(), stationIds: [stations[0].id] });
    await eventually('the long programme on air', () => readSink(join(dir, CODES[0], 'sink')).some((r) => r.slotId === slot.id), 40_000);
    await new Promise((r) => setTimeout(r, 1500));
    const emergency = await admin.ok('POST', '/api/live/emergencies', { title: 'Khẩn cấp: lũ quét thôn Trung', sourceKind: 'programme', programmeId: alarm.id, stationIds: [stations[0].id] });
    const cut = await eventually(
      'the interrupted line in the logbook',
      async () => ((await admin.ok('GET', '/api/logbook?result=interrupted')).items as { slotId: string; result: string; reason: string }[]).find((l) => l.slotId === slot.id),
      40_000,
    );
    expect(cut).toMatchObject({ result: 'interrupted', reason: 'preempted' });
    await eventually('the emergency over', async () => (await admin.ok('GET', `/api/live/relays/${emergency.relay.id}`)).relay.status !== 'live', 60_000);

    const SIZES = { laptop: { width: 1366, height: 900 }, phone: { width: 390, height: 844 } } as const;
    const SCREENS_OF = {
      admin: ['Tổng quan', 'Chương trình', 'Lịch phát sóng', LIVE_NAV, 'Nhật ký', 'Báo cáo', 'Quản trị'],
      thanhtra: ['Tổng quan', 'Chương trình', 'Lịch phát sóng', LIVE_NAV, 'Nhật ký', 'Báo cáo'],
      'tram-cam-binh': ['Tổng quan', 'Chương trình', 'Lịch phát sóng', LIVE_NAV, 'Nhật ký', 'Báo cáo'],
    } as const;
    for (const [who, screens] of Object.entries(SCREENS_OF) as [keyof typeof SCREENS_OF, readonly string[]][]) {
      for (const [size, viewport] of Object.entries(SIZES)) {
        const { context, page } = await signIn(who, viewport);
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(`console: ${m.text()}`);
        });
        // Sign-in happened before listening: start again from a fresh load, still signed in.
        await page.reload();
        await page.getByTestId('nav').waitFor({ state: 'attached' });
        if (size === 'phone') {
          // The navigation folds behind its button instead of taking a third of the screen.
          expect(await page.getByTestId('nav').isVisible()).toBe(false);
          expect(await page.locator('header.top').evaluate((e) => e.getBoundingClientRect().height)).toBeLessThan(90);
        }
        for (const screen of screens) {
          await open(page, screen);
          await expectText(page.locator('main h1'), screen === LIVE_NAV ? 'Phát trực tiếp' : screen);
          // The screens keep streams open (status, live relays), so the network never goes quiet: give each
          // screen a moment to load and draw what it fetched before reading it.
          await page.waitForTimeout(800);
          if (screen === 'Nhật ký') {
            await expectText(page.getByTestId('logbook'), 'Bị ngắt bởi khẩn cấp');
            const reasons = await page.getByTestId('logbook').getByTestId('reason').allTextContents();
            for (const r of reasons) expect(r.split('Bị ngắt bởi').length).toBeLessThanOrEqual(2);
            expect(await page.locator('select[name=result] option').allTextContents()).toContain('Bị ngắt bởi khẩn cấp');
            expect(await page.locator('input[name=from]').getAttribute('placeholder')).toBe('dd/mm/yyyy');
          }
          if (screen === 'Chương trình' && who === 'admin') await expectText(page.getByTestId('choose-file'), 'Chọn tệp');
          if (screen === 'Báo cáo') {
            await page.getByTestId('report-stations').waitFor();
            // On a laptop every column of the report shows; on a phone the table scrolls inside its card.
            const overflow = await page.getByTestId('report-stations').evaluate((t) => {
              const wrap = t.parentElement as unknown as { scrollWidth: number; clientWidth: number };
              return wrap.scrollWidth - wrap.clientWidth;
            });
            if (size === 'laptop') expect(overflow).toBeLessThanOrEqual(1);
          }
          if (screen === 'Quản trị') {
            for (const tab of ['units', 'users', 'audit', 'stations']) {
              await page.getByTestId(`tab-${tab}`).click();
              await page.waitForTimeout(400);
            }
          }
          // Nothing pushes the page sideways: wide tables scroll or stack inside the screen.
          await shot(page, `30-${who}-${size}-${screen.replace(/[^\p{L}\p{N}]+/gu, '-')}`);
          const sideways = await page.locator('body').evaluate((body) => {
            // When the page scrolls sideways, the outermost elements that reach past its edge are named, so a
            // failure says what to fix (a wide table scrolling inside its own card is fine).
            type El = { getBoundingClientRect(): { right: number }; parentElement: El | null; tagName: string; className: string; getAttribute(n: string): string | null; querySelectorAll(s: string): ArrayLike<El> };
            const b = body as unknown as El & { clientWidth: number };
            const html = b.parentElement as unknown as { clientWidth: number; scrollWidth: number };
            const all = Array.from(b.querySelectorAll('*'));
            const edge = b.clientWidth + 1;
            const past = all.filter((e) => e.getBoundingClientRect().right > edge && !(e.parentElement && e.parentElement.getBoundingClientRect().right > edge));
            const by = html.scrollWidth - html.clientWidth;
            if (by <= 0) return { by: 0, offenders: [] };
            return { by, offenders: past.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${e.className}[${e.getAttribute('data-testid') ?? ''}]`) };
          });
          expect({ who, size, screen, sideways }).toEqual({ who, size, screen, sideways: { by: 0, offenders: [] } });
        }
        expect({ who, size, problems }).toEqual({ who, size, problems: [] });
        await context.close();
      }
    }
  }, 300_000);

  it('is served with a Content Security Policy the whole console lives within, and may not be framed', async () => {
    const res = await fetch(server.url);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    // Every screen opened above, the microphone's worklet and WebSocket included, ran under the policy.
    expect(refusedByPolicy).toEqual([]);
  });
});

/** The lines of one station's sheet of the logbook form: found under the header row, up to the total. */
function logbookSheet(ws: ExcelJS.Worksheet): { lines: { station: string; title: string; chuyenMuc: string; result: string }[]; total: string } {
  let header = 0;
  ws.eachRow((row, n) => {
    if (!header && row.getCell(1).text === 'Số TT') header = n;
  });
  if (!header) throw new Error(`no header row in sheet ${ws.name}`);
  const col = (name: string) => {
    let found = 0;
    ws.getRow(header).eachCell((cell, i) => {
      if (cell.text === name) found = i;
    });
    if (!found) throw new Error(`no column "${name}" in sheet ${ws.name}`);
    return found;
  };
  const [station, title, chuyenMuc, result] = ['Trạm / cụm loa', 'Chương trình', 'Chuyên mục', 'Kết quả'].map(col);
  const lines = [];
  for (let n = header + 1; ; n++) {
    const row = ws.getRow(n);
    if (row.getCell(1).text === 'Tổng cộng') return { lines, total: row.getCell(2).text };
    if (n > header + 1000) throw new Error(`no total row in sheet ${ws.name}`);
    lines.push({ station: row.getCell(station).text, title: row.getCell(title).text, chuyenMuc: row.getCell(chuyenMuc).text, result: row.getCell(result).text });
  }
}

/** Waits until the element's text contains `expected`, then asserts it (so a failure shows the text). */
async function expectText(locator: ReturnType<Page['getByTestId']>, expected: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < until) {
    text = (await locator.first().textContent({ timeout: timeoutMs }).catch(() => '')) ?? '';
    if (text.includes(expected)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(text).toContain(expected);
}
