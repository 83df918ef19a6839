import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { viNumber } from '../common/vi-number';
import type { ExportRow, LogbookColumn } from './logbook-columns';
import { minutesSeconds } from './logbook-columns';
import type { LogbookResult } from './logbook-line.entity';
import { RESULT_LABELS } from './logbook-rules';
import { type CellLine, PdfCells } from './pdf-cells';

/** What heads every printed form. */
export interface FormMeta {
  issuingUnit: string;
  /** "Từ 15/12/2025 đến 14/03/2026" */
  period: string;
  /** "23/11/2026 10:05:00" */
  printedAt: string;
  /** sha256 over the exported lines' hashes: quoting it lets anyone check the copy against the database. */
  digest: string;
  /** The seal key's fingerprint and the newest seal, one line each. */
  seal: string[];
}

export interface StationSection {
  stationName: string;
  /** Pages of lines, in order. */
  pages: AsyncIterable<ExportRow[]>;
}

export const FORM_TITLE = 'SỔ NHẬT KÝ TUYÊN TRUYỀN';
export const NATION = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM';
export const MOTTO = 'Độc lập - Tự do - Hạnh phúc';

/** Fonts with every Vietnamese diacritic, from an npm package so nothing depends on the system. */
export const FONT_REGULAR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');
export const FONT_BOLD = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans-Bold.ttf');

/** Running totals of one station's section: the form's last row. */
export class Totals {
  lines = 0;
  durationMs = 0;
  readonly byResult = new Map<string, number>();

  add(row: ExportRow): void {
    this.lines++;
    this.durationMs += row.durationMs ?? 0;
    this.byResult.set(row.result, (this.byResult.get(row.result) ?? 0) + 1);
  }

  resultsText(): string {
    return [...this.byResult.entries()].map(([r, n]) => `${RESULT_LABELS[r as LogbookResult] ?? r}: ${n}`).join('; ');
  }
}

function sheetName(name: string, used: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 28).trim() || 'Trạm';
  let candidate = base;
  for (let i = 2; used.has(candidate.toLowerCase()); i++) candidate = `${base.slice(0, 26)} ${i}`;
  used.add(candidate.toLowerCase());
  return candidate;
}

function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

/** Bytes a sheet may hold back, waiting for the zip to compress them, before rows wait. */
const XLSX_BACKLOG = 4 * 1024 * 1024;

interface SheetStream {
  buffers?: unknown[];
  /** The compressor's input; exceljs's bundled PassThrough has no `writableLength`, only its state. */
  pipes?: { writableLength?: number; _writableState?: { length?: number } }[];
}

/**
 * Waits until the zip has taken most of what the sheet wrote. exceljs's streaming writer pushes rows
 * into the compressor without heeding backpressure, so a million rows written faster than they are
 * deflated would pile up in memory; this reads its stream's buffers (an internal detail, hence the
 * defensive types) and lets the compressor catch up.
 */
async function drained(ws: ExcelJS.Worksheet): Promise<void> {
  const stream = (ws as unknown as { stream?: SheetStream }).stream;
  const backlog = () => (stream?.buffers?.length ?? 0) * 65_536 + (stream?.pipes ?? []).reduce((n, p) => n + (p.writableLength ?? p._writableState?.length ?? 0), 0);
  await new Promise<void>((resolve) => setImmediate(resolve));
  for (let waited = 0; backlog() > XLSX_BACKLOG && waited < 60_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * The logbook as the Vietnamese administrative form, one sheet per station, written row by row with
 * exceljs's streaming writer: each committed row leaves memory. Returns the number of lines written.
 */
export async function writeLogbookXlsx(out: Writable, meta: FormMeta, columns: LogbookColumn[], sections: AsyncIterable<StationSection>): Promise<number> {
  // Fast compression: deflating is the slow part of a large export, and the sheets compress well anyway.
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false, zip: { zlib: { level: 1 } } });
  wb.creator = 'Loa';
  const used = new Set<string>();
  const last = columnLetter(columns.length);
  const half = Math.floor(columns.length / 2);
  const bold = { bold: true, name: 'Times New Roman', size: 12 };
  const center = { horizontal: 'center' as const, vertical: 'middle' as const, wrapText: true };
  let total = 0;
  let sheets = 0;
  const cellStyles: Partial<ExcelJS.Style>[] = columns.map((c) => (c.numFmt ? { numFmt: c.numFmt } : {}));
  const rowStyle: Partial<ExcelJS.Style> = {};
  for await (const section of sections) {
    sheets++;
    const ws = wb.addWorksheet(sheetName(section.stationName, used), { pageSetup: { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
    ws.columns = columns.map((c) => ({ width: c.width, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }));
    const line = (r: number, left: string, right: string, font: Partial<ExcelJS.Font> = bold) => {
      ws.mergeCells(`A${r}:${columnLetter(half - 1)}${r}`);
      ws.mergeCells(`${columnLetter(half)}${r}:${last}${r}`);
      const row = ws.getRow(r);
      row.getCell(1).value = left;
      row.getCell(half).value = right;
      for (const i of [1, half]) {
        row.getCell(i).font = font;
        row.getCell(i).alignment = center;
      }
      row.commit();
    };
    const wide = (r: number, text: string, font: Partial<ExcelJS.Font>) => {
      ws.mergeCells(`A${r}:${last}${r}`);
      const row = ws.getRow(r);
      row.getCell(1).value = text;
      row.getCell(1).font = font;
      row.getCell(1).alignment = center;
      row.commit();
    };
    line(1, meta.issuingUnit.toUpperCase(), NATION);
    line(2, section.stationName, MOTTO, { ...bold, bold: true });
    wide(4, FORM_TITLE, { ...bold, size: 16 });
    wide(5, `Trạm: ${section.stationName} — Kỳ: ${meta.period}`, { name: 'Times New Roman', size: 12, italic: true });

    const head = ws.getRow(7);
    columns.forEach((c, i) => {
      const cell = head.getCell(i + 1);
      cell.value = c.header;
      cell.font = { ...bold, size: 11 };
      cell.alignment = center;
      cell.border = { top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } };
    });
    head.commit();

    const totals = new Totals();
    let r = 8;
    for await (const page of section.pages) {
      for (const item of page) {
        const row = ws.getRow(r++);
        row.values = columns.map((c) => c.value(item));
        // Each row and cell would otherwise carry its own copy of its style, which exceljs serialises to
        // find its id; one object per column (and one for the rows) is found by identity.
        // A row's style is a plain field in exceljs, missing from its types.
        (row as unknown as { style: Partial<ExcelJS.Style> }).style = rowStyle;
        for (let i = 0; i < cellStyles.length; i++) row.getCell(i + 1).style = cellStyles[i];
        row.commit();
        totals.add(item);
      }
      await drained(ws);
    }
    total += totals.lines;
    const sum = ws.getRow(r++);
    sum.getCell(1).value = 'Tổng cộng';
    sum.getCell(2).value = `${totals.lines} lượt`;
    sum.getCell(6).value = minutesSeconds(totals.durationMs);
    sum.getCell(12).value = totals.resultsText();
    sum.font = { ...bold, size: 11 };
    sum.commit();
    r++;
    wide(r++, `Mã kiểm chứng (SHA-256): ${meta.digest}`, { name: 'Times New Roman', size: 9, italic: true });
    for (const text of meta.seal) wide(r++, text, { name: 'Times New Roman', size: 9, italic: true });
    line(r++, '', `Lập ngày ${meta.printedAt.slice(0, 10)}`, { name: 'Times New Roman', size: 12, italic: true });
    line(r++, 'Người lập', 'Thủ trưởng đơn vị');
    line(r++, '(Ký, ghi rõ họ tên)', '(Ký tên, đóng dấu)', { name: 'Times New Roman', size: 11, italic: true });
    ws.commit();
  }
  if (!sheets) {
    const ws = wb.addWorksheet('Nhật ký');
    ws.getRow(1).values = [FORM_TITLE];
    ws.getRow(2).values = [`Kỳ: ${meta.period} — không có dòng nào khớp bộ lọc.`];
    ws.commit();
  }
  await wb.commit();
  return total;
}

/** Bytes the PDF may hold back for a slow reader before rows wait. */
export const PDF_BACKLOG = 256 * 1024;

/**
 * Waits until the reader has taken what the PDF wrote. pdfkit pushes every page into its stream without
 * heeding backpressure, and rows read from an embedded database never yield to I/O, so a quarter's
 * logbook written into a slower reader (a ZIP, a network) would otherwise sit in memory until the end.
 */
async function caughtUp(doc: PDFKit.PDFDocument, out: Writable): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  while (!out.destroyed && (out.writableNeedDrain || doc.readableLength > PDF_BACKLOG)) {
    await new Promise<void>((resolve) => {
      if (!out.writableNeedDrain) return setImmediate(resolve);
      const done = () => {
        out.off('drain', done);
        out.off('close', done);
        out.off('error', done);
        resolve();
      };
      out.on('drain', done);
      out.on('close', done);
      out.on('error', done);
    });
  }
}

const ROW_H = 13;
const FONT_SIZE = 7;
/** The smallest size a crowded cell may shrink to before its row simply grows. */
const MIN_FONT_SIZE = 5.5;
const MARGIN = 28;
const PAD = 2;

/** How a row prints: its font size, its height, and each cell's lines. */
interface RowFit {
  size: number;
  height: number;
  lines: string[][];
}

/**
 * Column widths for the printable width: a column of fixed form (date, time) gets at least the width of
 * its widest value, so "05/12/2026" and "01:36:07" never wrap or cut, and no column is narrower than its
 * header's longest word; the rest share what is left by weight.
 */
export function columnWidths(columns: readonly LogbookColumn[], printable: number, widthOf: (text: string) => number): number[] {
  const totalWeight = columns.reduce((s, c) => s + c.weight, 0);
  // A header's longest word (in bold, a tenth wider) is never broken either.
  const least = columns.map((c) => Math.max(c.sample ? widthOf(c.sample) : 0, ...c.header.split(/\s+/).map((w) => widthOf(w) * 1.1)) + 2 * PAD + 1);
  const fixed = columns.map((c, i) => least[i] > (printable * c.weight) / totalWeight);
  const taken = least.reduce((s, w, i) => s + (fixed[i] ? w : 0), 0);
  const freeWeight = columns.reduce((s, c, i) => s + (fixed[i] ? 0 : c.weight), 0);
  return columns.map((c, i) => (fixed[i] ? least[i] : ((printable - taken) * c.weight) / freeWeight));
}

/**
 * The logbook as an A4 landscape PDF in DejaVu Sans, streamed page by page: pdfkit writes each page
 * out when the next begins, so memory stays flat. Every cell prints whole: a row is as tall as its
 * tallest wrapped cell. Every page has its number and the digest. Returns the number of pages.
 */
export async function writeLogbookPdf(out: Writable, meta: FormMeta, columns: LogbookColumn[], sections: AsyncIterable<StationSection>): Promise<number> {
  // No layout cache: pdfkit's keeps every word it ever laid out (every time of day of a quarter); the
  // cell writer keeps a bounded one of its own.
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 0, autoFirstPage: false, fontLayoutCache: false, info: { Title: FORM_TITLE, Creator: 'Loa' } });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('close', resolve);
    out.on('error', reject);
  });
  doc.pipe(out);
  doc.registerFont('R', FONT_REGULAR);
  doc.registerFont('B', FONT_BOLD);
  const cells = new PdfCells(doc, ['R', 'B']);

  let pages = 0;
  let pageW = 0;
  let pageH = 0;
  let ws: number[] = [];
  const newPage = () => {
    doc.addPage();
    pages++;
    pageW = doc.page.width;
    pageH = doc.page.height;
    doc.fillColor('#444');
    // The page number apart from the rest of the line, which is the same on every page and so laid out once.
    const number = `Trang ${pages} `;
    cells.draw('R', 7, [
      { text: number, x: MARGIN, y: pageH - MARGIN + 6 },
      { text: `· Mã kiểm chứng SHA-256: ${meta.digest} · In lúc ${meta.printedAt}`, x: MARGIN + cells.width('R', number, 7), y: pageH - MARGIN + 6 },
      { text: meta.seal.join(' · '), x: MARGIN, y: pageH - MARGIN + 15 },
    ]);
    doc.fillColor('black');
    if (!ws.length) {
      doc.font('R').fontSize(FONT_SIZE);
      ws = columnWidths(columns, pageW - 2 * MARGIN, (t) => doc.widthOfString(t));
    }
  };
  const centered = (text: string, x: number, w: number, y: number, font: 'R' | 'B', size: number) => {
    doc.font(font).fontSize(size);
    const tw = doc.widthOfString(text);
    doc.text(text, x + Math.max(0, (w - tw) / 2), y, { lineBreak: false });
  };
  const bottom = () => pageH - MARGIN;
  /** The lines of each cell, at the row's size, wrapped to its column. */
  const linesOf = (texts: string[], font: 'R' | 'B', size: number): string[][] => texts.map((t, i) => (t === '' ? [] : cellLines(t, i, font, size)));
  // Most cells repeat (station, chuyên mục, source, result): wrap each text once per column and size.
  const wrapped = new Map<string, string[]>();
  const cellLines = (text: string, column: number, font: 'R' | 'B', size: number): string[] => {
    const w = ws[column] - 2 * PAD;
    if (text.indexOf('\n') < 0 && cells.width(font, text, size) <= w) return [text];
    const key = `${font}|${size}|${column}|${text}`;
    let lines = wrapped.get(key);
    if (!lines) {
      lines = cells.wrap(font, text, w, size);
      if (wrapped.size > 20_000) wrapped.clear();
      wrapped.set(key, lines);
    }
    return lines;
  };
  /** Draws one row of cells at y, each wrapped in its column, and the rule under it. */
  const drawRow = (y: number, font: 'R' | 'B', fit: RowFit) => {
    const lh = cells.lineHeight(font, fit.size);
    const out: CellLine[] = [];
    let x = MARGIN;
    fit.lines.forEach((lines, i) => {
      lines.forEach((text, k) => out.push({ text, x: x + PAD, y: y + PAD + k * lh }));
      x += ws[i];
    });
    cells.draw(font, fit.size, out);
    doc.lineWidth(0.3).moveTo(MARGIN, y + fit.height).lineTo(pageW - MARGIN, y + fit.height).stroke();
  };
  /** The table's frame and column rules on this page, once, from its top to `y` (cheaper than per row). */
  const frame = (top: number, y: number) => {
    doc.lineWidth(0.3).rect(MARGIN, top, pageW - 2 * MARGIN, y - top).stroke();
    let x = MARGIN;
    for (let i = 0; i < ws.length - 1; i++) {
      x += ws[i];
      doc.moveTo(x, top).lineTo(x, y).stroke();
    }
  };
  /** The font size and height a row needs: shrink a crowded row a little before making it taller. */
  const fitRow = (texts: string[], font: 'R' | 'B'): RowFit => {
    let size = FONT_SIZE;
    let lines = linesOf(texts, font, size);
    const most = () => lines.reduce((n, l) => Math.max(n, l.length), 1);
    while (most() > 3 && size > MIN_FONT_SIZE) {
      size -= 0.5;
      lines = linesOf(texts, font, size);
    }
    return { size, height: Math.max(ROW_H, most() * cells.lineHeight(font, size) + 2 * PAD + 1), lines };
  };
  const tableHead = (y: number): number => {
    const headers = columns.map((c) => c.header);
    const fit = fitRow(headers, 'B');
    drawRow(y, 'B', fit);
    return y + fit.height;
  };

  let any = false;
  for await (const section of sections) {
    any = true;
    newPage();
    const half = (pageW - 2 * MARGIN) / 2;
    centered(meta.issuingUnit.toUpperCase(), MARGIN, half, MARGIN, 'B', 10);
    centered(section.stationName, MARGIN, half, MARGIN + 14, 'R', 10);
    centered(NATION, MARGIN + half, half, MARGIN, 'B', 10);
    centered(MOTTO, MARGIN + half, half, MARGIN + 14, 'B', 10);
    centered(FORM_TITLE, MARGIN, pageW - 2 * MARGIN, MARGIN + 40, 'B', 15);
    centered(`Trạm: ${section.stationName} — Kỳ: ${meta.period}`, MARGIN, pageW - 2 * MARGIN, MARGIN + 62, 'R', 10);
    let top = MARGIN + 82;
    let y = tableHead(top);
    const totals = new Totals();
    for await (const page of section.pages) {
      for (const row of page) {
        const texts = columns.map((c) => {
          const v = c.value(row);
          // Figures the Vietnamese way ("1.234"); running numbers stay as they are counted.
          return typeof v === 'number' && !c.sample ? viNumber(v, 0) : String(v);
        });
        const fit = fitRow(texts, 'R');
        if (y + fit.height > bottom()) {
          frame(top, y);
          newPage();
          top = MARGIN;
          y = tableHead(top);
        }
        drawRow(y, 'R', fit);
        y += fit.height;
        totals.add(row);
      }
      await caughtUp(doc, out);
    }
    frame(top, y);
    if (y + ROW_H * 7 > pageH - MARGIN) {
      newPage();
      y = MARGIN;
    }
    doc.font('B').fontSize(8);
    doc.text(`Tổng cộng: ${totals.lines} lượt · thời lượng ${minutesSeconds(totals.durationMs)} · ${totals.resultsText()}`, MARGIN, y + 6, { lineBreak: false });
    y += ROW_H * 2.5;
    const half2 = (pageW - 2 * MARGIN) / 2;
    centered('Người lập', MARGIN, half2, y, 'B', 10);
    centered('Thủ trưởng đơn vị', MARGIN + half2, half2, y, 'B', 10);
    centered('(Ký, ghi rõ họ tên)', MARGIN, half2, y + 14, 'R', 9);
    centered('(Ký tên, đóng dấu)', MARGIN + half2, half2, y + 14, 'R', 9);
  }
  if (!any) {
    newPage();
    centered(FORM_TITLE, MARGIN, pageW - 2 * MARGIN, MARGIN + 40, 'B', 15);
    centered(`Kỳ: ${meta.period} — không có dòng nào khớp bộ lọc.`, MARGIN, pageW - 2 * MARGIN, MARGIN + 62, 'R', 10);
  }
  doc.end();
  await done;
  return pages;
}
