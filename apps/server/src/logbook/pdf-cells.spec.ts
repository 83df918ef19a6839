import PDFDocument from 'pdfkit';
import { PassThrough } from 'node:stream';
import { pdfText } from '../../../../test/support/pdf-text';
import { FONT_BOLD, FONT_REGULAR } from './logbook-forms';
import { PdfCells } from './pdf-cells';

function document(): PDFKit.PDFDocument {
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 0, autoFirstPage: false, fontLayoutCache: false });
  doc.registerFont('R', FONT_REGULAR);
  doc.registerFont('B', FONT_BOLD);
  return doc;
}

const TEXTS = [
  'Chuyên mục Cải cách hành chính, số 12',
  'Trạm không hoạt động (mất điện, tắt máy) hoặc chưa nhận lịch lúc phát',
  'Bị ngắt bởi thông báo khẩn cấp "Bão số 7 đổ bộ vào vùng ven biển" lúc 07:13:00, dòng7kết',
  'Đính chính lần 1 cho dòng mã 123456: Sửa kết quả theo biên bản kiểm tra ngày 05/12/2026',
  'Xác nhận phát sóng (97%); lặng sóng 3 giây',
  'Tiếp sóng đài cấp trên',
  'Mộtchuỗirấtdàikhôngcókhoảngtrắngnàođểngắtdòngcả',
];

describe('PdfCells', () => {
  it('measures and wraps text as pdfkit does', () => {
    const doc = document();
    const cells = new PdfCells(doc, ['R', 'B']);
    for (const font of ['R', 'B'] as const) {
      for (const size of [7, 6.5, 5.5]) {
        doc.font(font).fontSize(size);
        for (const text of [...TEXTS, '05/12/2026', '01:36:07', '1.234', '12:05']) {
          expect(cells.width(font, text, size)).toBeCloseTo(doc.widthOfString(text), 6);
          for (const width of [40, 60, 90, 140]) {
            const lines = cells.wrap(font, text, width, size);
            // Same number of lines as pdfkit's own wrapper gives the text in that width.
            const theirs = Math.round(doc.heightOfString(text, { width, lineGap: 0 }) / cells.lineHeight(font, size));
            expect({ text, width, size, lines: lines.length }).toEqual({ text, width, size, lines: theirs });
            expect(lines.join(' ').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
            for (const l of lines) if (l.includes(' ')) expect(cells.width(font, l, size)).toBeLessThanOrEqual(width);
          }
        }
      }
    }
  });

  it('draws many cells with one content write per row, and the text reads back whole', async () => {
    const doc = document();
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve) => out.on('end', resolve));
    doc.pipe(out);
    const cells = new PdfCells(doc, ['R', 'B']);
    doc.addPage();
    const texts = jest.spyOn(doc, 'text');
    const writes = jest.spyOn(doc, 'addContent');
    const rows = 30;
    for (let r = 0; r < rows; r++) {
      cells.draw('R', 7, [
        { text: `${String(r + 1).padStart(2, '0')}/12/2026`, x: 30, y: 30 + r * 15 },
        { text: `${String(r).padStart(2, '0')}:36:07`, x: 90, y: 30 + r * 15 },
        { text: `${TEXTS[r % TEXTS.length]} hàng${r}`, x: 140, y: 30 + r * 15 },
      ]);
    }
    expect(texts).not.toHaveBeenCalled();
    expect(writes).toHaveBeenCalledTimes(rows);
    doc.end();
    await ended;
    const text = await pdfText(Buffer.concat(chunks));
    for (let r = 0; r < rows; r++) {
      expect(text).toContain(`${String(r + 1).padStart(2, '0')}/12/2026`);
      expect(text).toContain(`${String(r).padStart(2, '0')}:36:07`);
      expect(text).toContain(`hàng${r}`);
    }
    expect(text).toContain('Trạm không hoạt động (mất điện, tắt máy)');
  }, 30_000);
});
