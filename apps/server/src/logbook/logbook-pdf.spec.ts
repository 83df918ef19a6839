import PDFDocument from 'pdfkit';
import { PassThrough, Writable } from 'node:stream';
import { pdfText } from '../../../../test/support/pdf-text';
import { logbookColumns, type ExportRow } from './logbook-columns';
import { columnWidths, PDF_BACKLOG, writeLogbookPdf, type StationSection } from './logbook-forms';
import { LocalTime } from './local-time';

const local = new LocalTime('Asia/Ho_Chi_Minh');

function line(n: number, over: Partial<ExportRow> = {}): ExportRow {
  // Each line its own day and times, so each can be found in the text.
  const planned = Date.UTC(2026, 11, n, 1, 36, 7) - 7 * 3600_000;
  return {
    id: n,
    stationId: 's1',
    stationName: 'Đài truyền thanh xã Cẩm Thịnh, huyện Cẩm Xuyên',
    unitId: 'u1',
    year: 2026,
    number: n,
    chainPos: n,
    occurrenceId: `o${n}`,
    revision: 0,
    amendsLineId: null,
    correctionReason: null,
    programmeTitle: `Chuyên mục Cải cách hành chính tháng ${n}: thủ tục đất đai và hộ tịch trực tuyến`,
    chuyenMuc: 'Cải cách hành chính',
    topic: 'Cải cách thủ tục hành chính',
    source: 'relay',
    priority: 'normal',
    speakerClusters: null,
    plannedStart: new Date(planned).toISOString(),
    actualStart: new Date(planned + 1000 + n * 1000).toISOString(),
    endedAt: new Date(planned + 13 * 60_000 + n * 1000).toISOString(),
    durationMs: 13 * 60_000,
    plannedDurationMs: 20 * 60_000,
    startErrorMs: 12,
    result: 'interrupted',
    reason: 'preempted',
    detail: `Bị ngắt bởi thông báo khẩn cấp "Bão số ${n} đổ bộ vào vùng ven biển" lúc ${String(n).padStart(2, '0')}:13:00, dòng${n}kết`,
    recordedBy: 'tự động',
    createdAt: new Date(planned).toISOString(),
    lineHash: 'x'.repeat(64),
    ...over,
  } as ExportRow;
}

async function render(rows: ExportRow[]): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  async function* pages() {
    yield rows;
  }
  async function* sections(): AsyncGenerator<StationSection> {
    yield { stationName: rows[0].stationName, pages: pages() };
  }
  const meta = { issuingUnit: 'Huyện Cẩm Xuyên', period: 'Từ ngày 01/12/2026 đến ngày 31/12/2026', printedAt: '31/12/2026 10:00:00', digest: 'a'.repeat(64), seal: ['Khóa niêm phong Ed25519: ab12cd34', 'Niêm phong cuối: 31/12/2026 09:00:00'] };
  await writeLogbookPdf(out, meta, logbookColumns(local), sections());
  return pdfText(Buffer.concat(chunks));
}

describe('the printed logbook prints every cell whole', () => {
  it('every line has its full date, its three times as HH:mm:ss, and its whole reason, over several pages', async () => {
    const rows = Array.from({ length: 28 }, (_, i) => line(i + 1, i === 0 ? { startErrorMs: 1234.4 } : {}));
    const text = await render(rows);
    expect(text).not.toContain('…');
    expect(text).toContain('01:36:07');
    const words = new Set(text.split(/\s+/));
    for (const r of rows) {
      const n = r.number;
      const day = `${String(n).padStart(2, '0')}/12/2026`;
      expect(text).toContain(day);
      for (const at of [r.plannedStart, r.actualStart!, r.endedAt!]) expect(text).toContain(local.time(at));
      expect(local.time(r.actualStart!)).toMatch(/^01:36:\d{2}$/);
      // The reason wraps over lines of its cell; every word of it is there, the last one too. The agent's
      // detail already says "Bị ngắt bởi …", so it is the whole reason, said once.
      for (const w of r.detail!.split(/\s+/)) expect(words.has(w) || text.includes(w)).toBe(true);
      expect(text).toContain(`dòng${n}kết`);
    }
    expect(text).toContain('Trang 2');
    // A figure is written the Vietnamese way.
    expect(text).toContain('1.234');
  }, 30_000);

  it('draws the table without laying out each cell through pdfkit text(), which a quarter of lines cannot afford', async () => {
    const text = jest.spyOn(PDFDocument.prototype, 'text');
    try {
      const rows = Array.from({ length: 60 }, (_, i) => line((i % 28) + 1, { number: i + 1 }));
      await render(rows);
      // The form's heading and its closing lines only: not one call per cell (60 rows × 17 columns).
      expect(text.mock.calls.length).toBeLessThan(30);
    } finally {
      text.mockRestore();
    }
  }, 30_000);

  it('waits for a slow reader instead of holding the whole document in memory', async () => {
    // A reader that takes each chunk on a later turn of the event loop, as a ZIP or a socket does.
    let received = 0;
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _enc, cb) {
        received += chunk.length;
        setImmediate(cb);
      },
    });
    let receivedWhenRead = 0;
    // Rows that come without waiting on I/O, as an embedded database gives them.
    async function* pages() {
      for (let p = 0; p < 50; p++) yield Array.from({ length: 100 }, (_, i) => line((i % 28) + 1, { number: p * 100 + i + 1, detail: null, reason: null }));
      receivedWhenRead = received;
    }
    async function* sections(): AsyncGenerator<StationSection> {
      yield { stationName: 'Trạm Cẩm Thịnh', pages: pages() };
    }
    const meta = { issuingUnit: 'Huyện Cẩm Xuyên', period: 'Quý I', printedAt: '31/12/2026 10:00:00', digest: 'a'.repeat(64), seal: ['Khóa niêm phong Ed25519: ab12cd34'] };
    await writeLogbookPdf(out, meta, logbookColumns(local), sections());
    expect(received).toBeGreaterThan(2 * (PDF_BACKLOG + 64 * 1024));
    // Once the last rows are read, all but a bounded tail of the document has reached the reader.
    expect(received - receivedWhenRead).toBeLessThanOrEqual(PDF_BACKLOG + 64 * 1024);
  }, 60_000);

  it('gives date and time columns the width of their widest value, whatever the weights say', () => {
    const widthOf = (t: string) => t.length * 4;
    const cols = logbookColumns(local);
    const ws = columnWidths(cols, 500, widthOf);
    expect(ws.reduce((a, b) => a + b, 0)).toBeCloseTo(500);
    cols.forEach((c, i) => {
      if (c.sample) expect(ws[i]).toBeGreaterThanOrEqual(widthOf(c.sample) + 4);
    });
  });
});
