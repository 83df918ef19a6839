import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { logbookColumns, type ExportRow } from './logbook-columns';
import { writeLogbookXlsx, type StationSection } from './logbook-forms';
import { LocalTime } from './local-time';

// exceljs's style table: a cell's style is serialised and looked up here unless the same object was seen before.
const StylesXform = require('exceljs/lib/xlsx/xform/style/styles-xform') as { prototype: { _addStyle(style: unknown): number } };

const local = new LocalTime('Asia/Ho_Chi_Minh');

function line(n: number): ExportRow {
  const planned = Date.UTC(2026, 0, 1, 1, 0, 0) + n * 77_000;
  return {
    id: n, stationId: 's1', stationName: 'Trạm xã Cẩm Thịnh', unitId: 'u1', year: 2026, number: n, chainPos: n, occurrenceId: `o${n}`,
    revision: 0, amendsLineId: null, correctionReason: null, programmeTitle: `Chuyên mục Cải cách hành chính, số ${n % 40}`, chuyenMuc: 'Cải cách hành chính',
    topic: null, source: 'relay', priority: 'normal', speakerClusters: null, plannedStart: new Date(planned).toISOString(), actualStart: new Date(planned + 3).toISOString(),
    endedAt: new Date(planned + 600_000).toISOString(), durationMs: 600_000, plannedDurationMs: 600_000, startErrorMs: 2.5, result: 'complete', reason: null, detail: null,
    recordedBy: 'tự động', createdAt: new Date(planned).toISOString(), lineHash: 'x'.repeat(64), airVerdict: null, airCoveragePct: null, deadAirMs: null,
  } as ExportRow;
}

describe('the logbook spreadsheet', () => {
  it('writes every line with its column formats, without serialising a style for each cell', async () => {
    const styles = jest.spyOn(StylesXform.prototype, '_addStyle');
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const rows = Array.from({ length: 400 }, (_, i) => line(i + 1));
    async function* pages() {
      yield rows.slice(0, 200);
      yield rows.slice(200);
    }
    async function* sections(): AsyncGenerator<StationSection> {
      yield { stationName: 'Trạm xã Cẩm Thịnh', pages: pages() };
    }
    const meta = { issuingUnit: 'Huyện Cẩm Xuyên', period: 'Quý I', printedAt: '01/04/2026 10:00:00', digest: 'a'.repeat(64), seal: ['Khóa niêm phong Ed25519: ab12cd34'] };
    try {
      expect(await writeLogbookXlsx(out, meta, logbookColumns(local), sections())).toBe(400);
      // The heading's and totals' own styles, not one per data cell (400 lines × 17 columns).
      expect(styles.mock.calls.length).toBeLessThan(100);
    } finally {
      styles.mockRestore();
    }
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.concat(chunks) as unknown as ExcelJS.Buffer);
    const ws = wb.worksheets[0];
    const first = ws.getRow(8);
    expect(first.getCell(1).value).toBe(1);
    expect(first.getCell(3).value).toBe(local.time(rows[0].plannedStart));
    expect(first.getCell(7).value).toBe(rows[0].programmeTitle);
    expect(first.getCell(14).value).toBe(3);
    expect(first.getCell(14).numFmt).toBe(logbookColumns(local)[13].numFmt);
    expect(ws.getRow(8 + 399).getCell(1).value).toBe(400);
  });
});
