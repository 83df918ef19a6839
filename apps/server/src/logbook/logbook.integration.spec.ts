import { INestApplication } from '@nestjs/common';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Api } from '../../../../test/support/api';
import { TEST_ENGINE, testDatabaseEnv } from '../../../../test/support/test-db';
import { pdfText } from '../../../../test/support/pdf-text';
import { startServer } from '../bootstrap';
import { runCli } from '../cli';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { LogbookResult } from './logbook-line.entity';
import { LogbookSealer } from './logbook-sealer';
import { LineDraft, LogbookWriter } from './logbook-writer';

const TITLE = 'Chuyên mục "CCHC", số 3';
const CM = 'Cải cách hành chính';

/** Writes `n` lines for a station, the first three on 10/03/2026, the rest on the next day. */
function drafts(station: { id: string; name: string; unitId: string }, results: LogbookResult[]): LineDraft[] {
  return results.map((result, i) => ({
    stationId: station.id,
    stationName: station.name,
    unitId: station.unitId,
    occurrenceId: `occ-${station.id}-${i}`,
    slotId: randomUUID(),
    programmeId: i % 2 ? 'prog-b' : 'prog-a',
    programmeTitle: TITLE,
    chuyenMuc: i === 4 ? 'Chuyển đổi số' : CM,
    topic: null,
    speakerClusters: null,
    source: 'relay',
    priority: 'normal',
    plannedStart: `2026-03-${String(i + 1).padStart(2, '0')}T22:30:00.000Z`,
    actualStart: result === 'missed' ? null : `2026-03-${String(i + 1).padStart(2, '0')}T22:30:00.002Z`,
    endedAt: result === 'missed' ? null : `2026-03-${String(i + 1).padStart(2, '0')}T22:45:00.000Z`,
    durationMs: result === 'missed' ? null : result === 'complete' ? 900_000 : 300_000,
    plannedDurationMs: 900_000,
    startErrorMs: result === 'missed' ? null : 2,
    result,
    reason: result === 'missed' ? 'media_missing' : result === 'interrupted' ? 'preempted' : null,
    detail: null,
    recordedBy: 'tự động',
    createdAt: i < 3 ? `2026-03-10T0${i}:00:00.000Z` : `2026-03-11T0${i}:00:00.000Z`,
  }));
}

async function fetchBinary(api: Api, path: string): Promise<{ status: number; body: Buffer; type: string | null }> {
  const res = await fetch(api.baseUrl + path, { headers: { authorization: `Bearer ${api.token}` } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

/** RFC 4180 records, for checking that the CSV reads back as written. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

describe('logbook on SQLite: chain, exports, corrections, reports and the inspector', () => {
  let dir: string;
  let app: INestApplication;
  let admin: Api;
  let inspector: Api;
  let unitId: string;
  let databaseUrl: string | null;
  const stations: { id: string; name: string; code: string; unitId: string }[] = [];
  const RESULTS: LogbookResult[] = ['complete', 'missed', 'complete', 'interrupted', 'partial'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-logbook-'));
    const config = AppConfig.fromEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media'), LOA_ADMIN_PASSWORD: 'logbook-admin-pw', LOG_LEVEL: 'error', ...(await testDatabaseEnv()) });
    databaseUrl = config.database.engine === 'postgres' ? config.database.url : null;
    app = await startServer(config);
    admin = new Api(await app.getUrl());
    await admin.login('admin', 'logbook-admin-pw');
    unitId = (await admin.ok('POST', '/api/units', { name: 'Huyện Cẩm Xuyên', kind: 'Huyện' })).id;
    for (const code of ['cam-binh', 'cam-vinh', 'cam-thach', 'cam-duong']) {
      const { station } = await admin.ok('POST', '/api/stations', { unitId, name: `Trạm ${code}`, code });
      stations.push({ id: station.id, name: station.name, code, unitId });
    }
    const writer = app.get(LogbookWriter);
    await app.get(DataSource).transaction(async (m) => {
      for (const s of stations) await writer.append(m, drafts(s, RESULTS));
    });
    await admin.ok('POST', '/api/users', { username: 'thanhtra', displayName: 'Thanh tra', password: 'inspector-pw-1', role: 'inspector', unitId });
    inspector = new Api(admin.baseUrl);
    await inspector.login('thanhtra', 'inspector-pw-1');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('numbers each station’s lines from 1 for the year, links them and seals each hour, signed', async () => {
    const { items } = await inspector.ok('GET', `/api/logbook?stationId=${stations[0].id}`);
    expect(items.map((l: { number: number }) => l.number)).toEqual([1, 2, 3, 4, 5]);
    expect(items[1].prevHash).toBe(items[0].lineHash);
    const report = await inspector.ok('GET', '/api/logbook/verify');
    expect(report.ok).toBe(true);
    expect(report.stations).toHaveLength(4);
    // Each of the five lines was written in a later hour than the one before: four seals as they came.
    for (const s of report.stations) expect(s).toMatchObject({ ok: true, checked: 5, sealsChecked: 4, lastSeal: { lastChainPos: 4, signed: true, keyId: report.keyFingerprint } });
    // The hourly seal anchors each station's last line too, once; sealing again adds nothing.
    expect(await app.get(LogbookSealer).sealNow()).toBe(4);
    expect(await app.get(LogbookSealer).sealNow()).toBe(0);
    for (const s of (await inspector.ok('GET', '/api/logbook/verify')).stations) expect(s).toMatchObject({ ok: true, sealsChecked: 5, lastSeal: { lastChainPos: 5 } });
  });

  it('exports XLSX as the administrative form: one sheet per station, headers, rows and totals', async () => {
    const res = await fetchBinary(inspector, `/api/logbook/export.xlsx?unitId=${unitId}`);
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name).sort()).toEqual(stations.map((s) => s.name).sort());
    const ws = wb.getWorksheet('Trạm cam-binh')!;
    // A merged cell reads back once per cell it spans.
    const texts = (r: number) => [...new Set((ws.getRow(r).values as unknown[]).filter((v) => v !== undefined && v !== null).map(String))];
    expect(texts(1)).toEqual(['HUYỆN CẨM XUYÊN', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM']);
    expect(texts(2)).toContain('Độc lập - Tự do - Hạnh phúc');
    expect(texts(4)).toEqual(['SỔ NHẬT KÝ TUYÊN TRUYỀN']);
    expect(texts(7)).toEqual(expect.arrayContaining(['Số TT', 'Ngày', 'Chương trình', 'Chuyên mục', 'Nguồn', 'Kết quả', 'Lý do', 'Người ghi']));
    expect(texts(8).slice(0, 3)).toEqual(['1', '02/03/2026', '05:30:00']);
    // The start error is a number the reader's Excel shows its own way ("1.234" in Vietnamese).
    expect(ws.getRow(8).getCell(14).numFmt).toBe('#,##0');
    expect(texts(9)).toEqual(expect.arrayContaining(['Không phát', 'Thiếu tệp âm thanh hoặc tệp hỏng']));
    expect(texts(11)).toEqual(expect.arrayContaining(['Bị ngắt bởi khẩn cấp', 'Bị ngắt bởi thông báo khẩn cấp']));
    expect(texts(13)).toEqual(['Tổng cộng', '5 lượt', '40:00', 'Phát đủ: 2; Không phát: 1; Bị ngắt bởi khẩn cấp: 1; Phát không đủ: 1']);
    const all = Array.from({ length: ws.rowCount }, (_, i) => texts(i + 1).join(' ')).join('\n');
    expect(all).toContain('Người lập');
    expect(all).toContain('Thủ trưởng đơn vị');
    const { keys } = await inspector.ok('GET', '/api/logbook/keys');
    expect(all).toContain(`Khóa niêm phong Ed25519: ${keys[0].short}`);
    expect(all).toMatch(/Niêm phong cuối: .*dòng 5, mã đầu chuỗi [0-9a-f]{64}, ký bằng khóa/);
  });

  it('exports a PDF whose text keeps every Vietnamese diacritic, with page numbers and the digest', async () => {
    const res = await fetchBinary(inspector, `/api/logbook/export.pdf?stationId=${stations[1].id}&from=2026-03-01T00:00:00%2B07:00`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/pdf');
    const text = await pdfText(res.body);
    for (const expected of ['SỔ NHẬT KÝ TUYÊN TRUYỀN', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Độc lập - Tự do - Hạnh phúc', CM, 'Bị ngắt bởi khẩn cấp', 'Không phát', 'Trang 1', 'Người lập', 'Thủ trưởng đơn vị']) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/Mã kiểm chứng SHA-256: [0-9a-f]{64}/);
    const { keys } = await inspector.ok('GET', '/api/logbook/keys');
    expect(text).toContain(`Khóa niêm phong Ed25519: ${keys[0].short}`);
    expect(text).toMatch(/Niêm phong cuối: .*Trạm cam-vinh, dòng 5/);
  }, 30_000);

  it('exports CSV that reads back to the same lines, and filters by source and result', async () => {
    const res = await inspector.request('GET', `/api/logbook/export.csv?stationId=${stations[2].id}`);
    expect(res.text.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(res.text.slice(1));
    const head = rows[0];
    // The lines, then the seal key's fingerprint and the newest seal.
    expect(rows).toHaveLength(8);
    const { keys } = await inspector.ok('GET', '/api/logbook/keys');
    expect(rows[6]).toEqual([`Khóa niêm phong Ed25519: ${keys[0].short}`]);
    expect(rows[7][0]).toMatch(new RegExp(`^Niêm phong cuối: \\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d:\\d\\d, Trạm cam-thach, dòng 5, mã đầu chuỗi [0-9a-f]{64}, ký bằng khóa ${keys[0].short}$`));
    const { items } = await inspector.ok('GET', `/api/logbook?stationId=${stations[2].id}`);
    rows.slice(1, 6).forEach((row, i) => {
      expect(row[head.indexOf('Chương trình')]).toBe(TITLE);
      expect(row[head.indexOf('Mã chuỗi (SHA-256)')]).toBe(items[i].lineHash);
      expect(row[head.indexOf('Giờ phát dự kiến (UTC)')]).toBe(items[i].plannedStart);
    });
    const missed = parseCsv((await inspector.request('GET', `/api/logbook/export.csv?stationId=${stations[2].id}&result=missed`)).text.slice(1));
    expect(missed).toHaveLength(4);
    expect((await inspector.ok('GET', `/api/logbook?source=emergency`)).items).toHaveLength(0);
    expect((await inspector.ok('GET', `/api/logbook?chuyenMuc=${encodeURIComponent('Chuyển đổi số')}`)).items).toHaveLength(4);
    expect((await inspector.request('GET', '/api/logbook?source=satellite')).status).toBe(400);
  });

  it('records every export, and only admins list them', async () => {
    const list = await admin.ok('GET', '/api/logbook/exports');
    expect(list.map((e: { format: string }) => e.format)).toEqual(expect.arrayContaining(['logbook.xlsx', 'logbook.pdf', 'logbook.csv']));
    expect(list.every((e: { username: string }) => e.username === 'thanhtra')).toBe(true);
    expect(JSON.parse(list.find((e: { format: string }) => e.format === 'logbook.xlsx').filter)).toEqual({ unitId });
    expect((await inspector.request('GET', '/api/logbook/exports')).status).toBe(403);
  });

  it('corrects a line with a new amending line, leaving the original and the chain intact', async () => {
    const { items } = await admin.ok('GET', `/api/logbook?stationId=${stations[3].id}`);
    const refused = await inspector.request('POST', `/api/logbook/${items[1].id}/corrections`, { reason: 'Phát bù', result: 'complete' });
    expect(refused.status).toBe(403);
    expect((await admin.request('POST', `/api/logbook/${items[1].id}/corrections`, { result: 'complete' })).status).toBe(400);
    const fix = await admin.ok('POST', `/api/logbook/${items[1].id}/corrections`, { reason: 'Trạm phát bù bằng tay, có biên bản', result: 'complete' });
    expect(fix).toMatchObject({ revision: 1, amendsLineId: items[1].id, result: 'complete', recordedBy: 'admin', number: 6, chainPos: 6, prevHash: items[4].lineHash });
    expect(fix.correctionReason).toBe('Trạm phát bù bằng tay, có biên bản');
    const again = await admin.ok('GET', `/api/logbook?stationId=${stations[3].id}`);
    expect(again.items[1]).toEqual(items[1]);
    expect((await admin.ok('GET', `/api/logbook/verify?stationId=${stations[3].id}`)).ok).toBe(true);
  });

  it('reports Q1 by both conventions from the latest revision of each airing', async () => {
    const cchc = await inspector.ok('GET', '/api/reports/periodic?period=Q1&year=2026');
    // CCHC Q1 ends on 14/03: all five airings of each station fall inside; one "không phát" was corrected to "phát đủ".
    expect(cchc.total).toMatchObject({ stations: 4, broadcastsScheduled: 20, complete: 9, missed: 3, interrupted: 4, broadcasts: 17 });
    const q2 = await inspector.ok('GET', '/api/reports/periodic?period=Q2&year=2026&convention=calendar');
    expect(q2.total.broadcastsScheduled).toBe(0);
    const xlsx = await fetchBinary(inspector, '/api/reports/periodic.xlsx?period=Q1&year=2026');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
    expect(wb.getWorksheet('Số phút theo tháng')!.getRow(1).values).toEqual([undefined, 'Trạm', 'T1/2026', 'T2/2026', 'T3/2026']);
    const pdf = await fetchBinary(inspector, '/api/reports/periodic.pdf?period=Q1&year=2026&convention=calendar');
    const text = await pdfText(pdf.body);
    expect(text).toContain('BÁO CÁO ĐỊNH KỲ KẾT QUẢ TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH');
    expect(text).toContain('Số phút phát sóng theo tháng của từng trạm');
    expect(text).toContain('từ ngày 01/01/2026 đến ngày 31/03/2026');
    expect((await inspector.request('GET', '/api/reports/periodic?period=Q5&year=2026')).status).toBe(400);
  }, 30_000);

  it('reports each station against a plan target, months missed included, in JSON, XLSX and PDF, and records the report exports', async () => {
    const cchc = (await admin.ok('GET', '/api/chuyen-muc')).find((c: { code: string }) => c.code === 'CCHC');
    await admin.ok('POST', '/api/plan-targets', { name: 'Mỗi trạm phát chuyên mục CCHC hằng tháng', chuyenMucId: cchc.id, scope: 'each_station', unitId, minPerMonth: 1 });
    // Judged after the year's first quarter is over, whatever day the test runs on.
    const clock = jest.spyOn(app.get(Clock), 'now').mockReturnValue(Date.parse('2026-11-23T03:00:00Z'));
    try {
      const cchcQ1 = await inspector.ok('GET', '/api/reports/periodic?period=Q1&year=2026');
      expect(cchcQ1.targets).toMatchObject({ available: true, summaries: [{ stations: 4, stationsOnTarget: 0, status: 'missed' }] });
      const first = cchcQ1.targets.items.find((i: { stationId: string }) => i.stationId === stations[0].id);
      // Every airing is early in March: in the CCHC month from 15/02 to 14/03, two of them "phát đủ".
      expect(first).toMatchObject({ required: 3, achieved: 2, monthsMissed: ['T1/2026', 'T2/2026'] });
      expect(first.months.map((m: { aired: number }) => m.aired)).toEqual([0, 0, 2]);
      expect(cchcQ1.narrative).toContain('Chỉ tiêu "Mỗi trạm phát chuyên mục CCHC hằng tháng" (tối thiểu 1 lượt/tháng): 0/4 trạm');

      const calendarQ2 = await inspector.ok('GET', '/api/reports/periodic?period=Q2&year=2026&convention=calendar');
      expect(calendarQ2.targets.items[0]).toMatchObject({ required: 3, achieved: 0, monthsMissed: ['T4/2026', 'T5/2026', 'T6/2026'] });

      const xlsx = await fetchBinary(inspector, '/api/reports/periodic.xlsx?period=Q1&year=2026');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
      const sheet = wb.getWorksheet('Báo cáo')!;
      const rows: unknown[][] = [];
      sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
      const header = rows.findIndex((r) => r[0] === 'Trạm' && r[4] === 'Tháng không đạt');
      expect(header).toBeGreaterThan(0);
      expect(rows[header + 1]).toEqual([stations[0].name, 1, 3, 2, 'T1/2026, T2/2026', 'Không đạt']);
      // Minutes per month per station, drawn as bars in their cells: four stations by three months.
      // exceljs reads conditional formatting back but does not declare it on the sheet's type.
      const minutes = wb.getWorksheet('Số phút theo tháng') as unknown as { conditionalFormattings: ExcelJS.ConditionalFormattingOptions[] };
      expect(minutes.conditionalFormattings).toEqual([{ ref: 'B2:D5', rules: [expect.objectContaining({ type: 'dataBar' })] }]);
      const pdf = await pdfText((await fetchBinary(inspector, '/api/reports/periodic.pdf?period=Q1&year=2026')).body);
      expect(pdf).toContain('Mỗi trạm phát chuyên mục CCHC hằng tháng');
      expect(pdf).toContain('Tháng không đạt');
      expect(pdf).toContain('T1/2026, T2/2026');
    } finally {
      clock.mockRestore();
    }
    const recorded = (await admin.ok('GET', '/api/logbook/exports')).filter((e: { format: string }) => e.format.startsWith('report.'));
    expect(recorded.map((e: { format: string }) => e.format)).toEqual(expect.arrayContaining(['report.xlsx', 'report.pdf']));
    expect(recorded.every((e: { username: string }) => e.username === 'thanhtra')).toBe(true);
    expect(JSON.parse(recorded[0].filter)).toMatchObject({ period: 'Q1', year: 2026, unitId });
  }, 30_000);

  it('gets 403 as an inspector on every writing endpoint the app has', async () => {
    const router = (app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router;
    const writes = router.stack
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route!.methods).filter((m) => !['get', 'head', 'options'].includes(m)).map((m) => `${m.toUpperCase()} ${l.route!.path}`));
    // Signing in is a public write that changes nothing; so is exchanging an enrolment code, which needs the
    // code itself. CAP alerts are opened by a CAP source's own token only. Signing out and a new password are
    // the user's own account.
    const own = ['POST /api/auth/login', 'POST /api/auth/logout', 'POST /api/auth/password', 'POST /api/agent/enrol', 'POST /api/cap'];
    // Closing a period of the dossier is the one thing an inspector records: it changes no broadcast data.
    const inspectors = ['POST /api/logbook/dossier/closures'];
    const guarded = writes.filter((w) => !own.includes(w) && !inspectors.includes(w));
    expect(writes).toEqual(expect.arrayContaining(inspectors));
    const closing = await inspector.request('POST', '/api/logbook/dossier/closures', {});
    expect({ status: closing.status, code: closing.body.code }).toEqual({ status: 400, code: 'validation_failed' });
    expect(guarded).toEqual(
      expect.arrayContaining(['POST /api/units', 'POST /api/stations', 'POST /api/users', 'POST /api/media', 'POST /api/programmes', 'POST /api/slots', 'DELETE /api/slots/:id', 'POST /api/logbook/:id/corrections']),
    );
    for (const w of guarded) {
      const [method, path] = w.split(' ');
      const res = await inspector.request(method, path.replace(/:id/g, path.startsWith('/api/logbook') ? '1' : randomUUID()), {});
      expect({ route: w, status: res.status }).toEqual({ route: w, status: 403 });
    }
    // A signed-in person's token does not open the CAP door either.
    expect((await inspector.request('POST', '/api/cap', {})).status).toBe(401);
  });

  it('names an edit, a deletion and an insertion made directly in the database, over HTTP and on the command line', async () => {
    const dataDir = join(dir, 'data');
    const [a, b, c, d] = stations;
    const forge = (cols: string[]) => cols.map((x) => (x === '"chainPos"' ? '6' : x === '"number"' ? '6' : x === '"occurrenceId"' ? `'forged'` : x)).join(',');
    if (TEST_ENGINE === 'postgres') {
      const raw = app.get(DataSource);
      await raw.query(`UPDATE logbook_line SET result = 'complete' WHERE "stationId" = $1 AND "chainPos" = 2`, [a.id]);
      await raw.query(`DELETE FROM logbook_line WHERE "stationId" = $1 AND "chainPos" = 3`, [b.id]);
      const cols = ((await raw.query(`SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'logbook_line' AND column_name <> 'id'`)) as { name: string }[]).map((x) => `"${x.name}"`);
      await raw.query(`INSERT INTO logbook_line (${cols.join(',')}) SELECT ${forge(cols)} FROM logbook_line WHERE "stationId" = $1 AND "chainPos" = 5`, [c.id]);
    } else {
      const raw = new Database(join(dataDir, 'loa.sqlite'));
      raw.prepare(`UPDATE logbook_line SET result = 'complete' WHERE stationId = ? AND chainPos = 2`).run(a.id);
      raw.prepare(`DELETE FROM logbook_line WHERE stationId = ? AND chainPos = 3`).run(b.id);
      const cols = (raw.prepare(`SELECT name FROM pragma_table_info('logbook_line') WHERE name <> 'id'`).all() as { name: string }[]).map((x) => `"${x.name}"`);
      raw.prepare(`INSERT INTO logbook_line (${cols.join(',')}) SELECT ${forge(cols)} FROM logbook_line WHERE stationId = ? AND chainPos = 5`).run(c.id);
      raw.close();
    }
    const where = databaseUrl ? ['--database-url', databaseUrl] : ['--data-dir', dataDir];

    const kinds = async (stationId: string) => (await inspector.ok('GET', `/api/logbook/verify?stationId=${stationId}`)).stations[0];
    expect(await kinds(a.id)).toMatchObject({ ok: false, firstBreak: { kind: 'edited', chainPos: 2 } });
    expect(await kinds(b.id)).toMatchObject({ ok: false, firstBreak: { kind: 'deleted', chainPos: 4 } });
    expect(await kinds(c.id)).toMatchObject({ ok: false, firstBreak: { kind: 'inserted', chainPos: 6 } });
    expect(await kinds(d.id)).toMatchObject({ ok: true });
    // A range after the edit, anchored on the line before it, is sound.
    expect((await inspector.ok('GET', `/api/logbook/verify?stationId=${a.id}&from=2026-03-11T00:00:00Z`)).ok).toBe(true);

    const out: string[] = [];
    const code = await runCli(['logbook', 'verify', ...where], (l) => out.push(l), (l) => out.push(l));
    expect(code).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/cam-binh .*\[edited\]/);
    expect(text).toMatch(/cam-vinh .*\[deleted\]/);
    expect(text).toMatch(/cam-thach .*\[inserted\]/);
    expect(text).toMatch(/cam-duong .*nguyên vẹn/);
    const one: string[] = [];
    expect(await runCli(['logbook', 'verify', '--station', 'cam-duong', ...where], (l) => one.push(l), (l) => one.push(l))).toBe(0);
    expect(await runCli(['logbook', 'verify', '--bogus'], () => undefined, () => undefined)).toBe(2);
    // --from and --to take an instant with its zone, as the API does; a date alone says nothing of the zone.
    const refused: string[] = [];
    expect(await runCli(['logbook', 'verify', '--from', '2026-03-11', ...where], () => undefined, (l) => refused.push(l))).toBe(2);
    expect(refused.join('\n')).toMatch(/--from: "2026-03-11" không phải thời điểm có múi giờ/);
    expect(await runCli(['logbook', 'verify', '--station', 'cam-binh', '--from', '2026-03-11T07:00:00+07:00', ...where], () => undefined, () => undefined)).toBe(0);
  });

  it('a form exported with no unit in its filter names the issuing unit: the user’s own, or else the province, never a placeholder', async () => {
    const xlsxHead = async (api: Api, path: string) => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await fetchBinary(api, path)).body as unknown as ArrayBuffer);
      return String(wb.worksheets[0].getRow(1).getCell(1).value);
    };
    // The admin belongs to no unit: the top of the tree issues the form.
    expect(await xlsxHead(admin, '/api/logbook/export.xlsx')).toBe('HUYỆN CẨM XUYÊN');
    expect(await xlsxHead(admin, '/api/reports/periodic.xlsx?period=Q1&year=2026')).toBe('HUYỆN CẨM XUYÊN');
    for (const path of ['/api/logbook/export.pdf', '/api/reports/periodic.pdf?period=Q1&year=2026']) {
      const text = await pdfText((await fetchBinary(admin, path)).body);
      expect(text).toContain('HUYỆN CẨM XUYÊN');
      expect(text.toUpperCase()).not.toContain('ĐƠN VỊ QUẢN LÝ');
    }
    // An editor of a commune issues under the commune.
    const commune = await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Thành', kind: 'Xã', parentId: unitId });
    await admin.ok('POST', '/api/users', { username: 'bientap-xa', displayName: 'Biên tập xã', password: 'editor-pw-123', role: 'editor', unitId: commune.id });
    const editor = new Api(admin.baseUrl);
    await editor.login('bientap-xa', 'editor-pw-123');
    expect(await xlsxHead(editor, '/api/reports/periodic.xlsx?period=Q1&year=2026')).toBe('XÃ CẨM THÀNH');
  }, 60_000);
});
