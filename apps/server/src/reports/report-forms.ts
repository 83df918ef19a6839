import ExcelJS, { type DataBarRuleType } from 'exceljs';
import PDFDocument from 'pdfkit';
import type { Writable } from 'node:stream';
import { viNumber, viPercent, XLSX_FORMATS } from '../common/vi-number';
import { FONT_BOLD, FONT_REGULAR, MOTTO, NATION } from '../logbook/logbook-forms';
import { dayBefore, Figures, PERIOD_LABELS, PeriodicReport, TargetItem, viDay } from './report-math';

export const REPORT_TITLE = 'BÁO CÁO ĐỊNH KỲ KẾT QUẢ TUYÊN TRUYỀN CẢI CÁCH HÀNH CHÍNH';

function periodLine(r: PeriodicReport): string {
  const w = r.window;
  return `${PERIOD_LABELS[w.period]} năm ${w.year} — từ ngày ${viDay(w.start)} đến ngày ${viDay(dayBefore(w.end))} (${w.convention === 'cchc' ? 'theo kỳ báo cáo CCHC' : 'theo tháng dương lịch'})`;
}

const TARGET_HEADERS = ['Trạm', 'Tối thiểu mỗi tháng', 'Yêu cầu cả kỳ', 'Đã phát', 'Tháng không đạt', 'Đánh giá'];

function targetCells(t: TargetItem): (string | number)[] {
  return [t.stationName, t.minPerMonth, t.required, t.achieved, t.monthsMissed.length ? t.monthsMissed.join(', ') : 'Không có', t.statusLabel];
}

function targetTitle(t: { target: string; chuyenMuc: string; minPerMonth: number }): string {
  return `${t.target} — chuyên mục "${t.chuyenMuc}", tối thiểu ${t.minPerMonth} lượt/tháng`;
}

const FIGURE_HEADERS = ['Chương trình theo lịch', 'Chương trình đã phát', 'Lượt theo lịch', 'Lượt đã phát', 'Phát đủ', 'Không phát', 'Lỗi', 'Bị ngắt bởi khẩn cấp', 'Số phút phát sóng', 'Tỷ lệ phát đủ', 'Lượt khẩn cấp', 'Xác nhận phát sóng', 'Không xác nhận'];

/** The figures as numbers, for the spreadsheet, which formats them by XLSX_FORMATS. */
function figureValues(f: Figures): (string | number)[] {
  return [
    f.programmesScheduled,
    f.programmesAired,
    f.broadcastsScheduled,
    f.broadcasts,
    f.complete,
    f.missed,
    f.failed,
    f.interrupted,
    f.minutesOnAir,
    f.successRatio === null ? '—' : f.successRatio,
    f.emergencies,
    f.confirmedOnAir,
    f.notConfirmedOnAir,
  ];
}
/** The number format of each figure column, in FIGURE_HEADERS order. */
const FIGURE_FORMATS = FIGURE_HEADERS.map((h) => (h === 'Số phút phát sóng' ? XLSX_FORMATS.minutes : h === 'Tỷ lệ phát đủ' ? XLSX_FORMATS.ratio : XLSX_FORMATS.count));

/** The figures as printed text, written the Vietnamese way ("1.234,5", "100,0%"). */
export function figureCells(f: Figures): string[] {
  return figureValues(f).map((v, i) => (typeof v === 'string' ? v : FIGURE_FORMATS[i] === XLSX_FORMATS.ratio ? viPercent(v) : viNumber(v)));
}

/**
 * The report as a workbook: summary, figures per station and unit, plan targets, breakdowns, and the
 * minutes per month per station as a table whose cells carry data bars (exceljs writes no native
 * charts; the PDF draws a bar chart).
 */
export async function writeReportXlsx(out: Writable, r: PeriodicReport, issuingUnit: string, printedAt: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Loa';
  const bold = { bold: true };
  const ws = wb.addWorksheet('Báo cáo');
  ws.columns = [{ width: 28 }, ...FIGURE_HEADERS.map(() => ({ width: 14 }))];
  ws.addRow([issuingUnit.toUpperCase(), '', '', '', '', '', NATION]).font = bold;
  ws.addRow(['', '', '', '', '', '', MOTTO]).font = bold;
  ws.addRow([]);
  ws.addRow([REPORT_TITLE]).font = { bold: true, size: 14 };
  ws.addRow([periodLine(r)]);
  ws.addRow([]);
  ws.addRow(['Tóm tắt']).font = bold;
  ws.addRow([r.narrative]);
  ws.addRow([]);
  ws.addRow(['Trạm / đơn vị', ...FIGURE_HEADERS]).font = bold;
  const figures = (label: string, f: Figures) => {
    const row = ws.addRow([label, ...figureValues(f)]);
    FIGURE_FORMATS.forEach((fmt, i) => (row.getCell(i + 2).numFmt = fmt));
    return row;
  };
  for (const s of r.stations) figures(s.stationName, s);
  for (const u of r.units) figures(`Cộng ${u.unitName}`, u).font = bold;
  figures('Tổng cộng', r.total).font = bold;
  ws.addRow([]);
  ws.addRow(['Chỉ tiêu kế hoạch']).font = bold;
  ws.addRow([r.targets.note]);
  for (const summary of r.targets.summaries) {
    ws.addRow([targetTitle(summary), '', '', '', '', '', `${summary.stationsOnTarget}/${summary.stations} trạm không có tháng không đạt`]).font = bold;
    ws.addRow(TARGET_HEADERS).font = bold;
    for (const t of r.targets.items) if (t.targetId === summary.targetId) ws.addRow(targetCells(t));
  }
  ws.addRow([]);
  ws.addRow([`Lập lúc ${printedAt}`]);
  ws.addRow(['Người lập', '', '', '', '', '', 'Thủ trưởng đơn vị']).font = bold;

  const months = wb.addWorksheet('Số phút theo tháng');
  months.columns = [{ width: 28 }, ...r.window.months.map(() => ({ width: 12, style: { numFmt: XLSX_FORMATS.minutes } }))];
  months.addRow(['Trạm', ...r.window.months.map((m) => m.label)]).font = bold;
  for (const s of r.stations) months.addRow([s.stationName, ...s.minutesByMonth]);
  months.addRow(['Tổng cộng', ...r.total.minutesByMonth]).font = bold;
  if (r.stations.length && r.window.months.length) {
    // The chart: each station's minutes drawn as bars in their cells, on one scale from zero.
    const bars: DataBarRuleType & { color: { argb: string } } = {
      type: 'dataBar',
      priority: 1,
      gradient: false,
      cfvo: [{ type: 'num', value: 0 }, { type: 'max' }],
      color: { argb: 'FF1F77B4' },
    };
    months.addConditionalFormatting({ ref: `B2:${months.getColumn(r.window.months.length + 1).letter}${r.stations.length + 1}`, rules: [bars] });
  }

  const topics = wb.addWorksheet('Chuyên mục và chủ đề');
  topics.columns = [{ width: 40 }, { width: 14, style: { numFmt: XLSX_FORMATS.count } }, { width: 14, style: { numFmt: XLSX_FORMATS.minutes } }];
  topics.addRow(['Chuyên mục', 'Lượt phát', 'Số phút']).font = bold;
  for (const b of r.total.byChuyenMuc) topics.addRow([b.key, b.broadcasts, b.minutes]);
  topics.addRow([]);
  topics.addRow(['Chủ đề', 'Lượt phát', 'Số phút']).font = bold;
  for (const b of r.total.byTopic) topics.addRow([b.key, b.broadcasts, b.minutes]);
  await wb.xlsx.write(out);
  out.end();
}

/** The smallest of 1, 2, 4, 5 or 10 times a power of ten at or above n, so the axis' quarter marks are round. */
export function niceCeiling(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 4, 5, 10].map((k) => k * power).find((v) => v >= n) ?? 10 * power;
}

/** Sixteen colours no two of which are alike (each pair at least 67 apart in RGB): Tableau 10, then six more. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#000000', '#9edae5', '#dbdb8d', '#393b79', '#f7b6d2', '#98df8a'];

export interface ChartSeries {
  name: string;
  values: number[];
  colour: string;
}

/**
 * The chart's bars: one series per station, each its own colour. Past as many stations as there are
 * colours, the stations with most minutes keep their own bars and the rest share one, their average,
 * so no colour stands for two stations (every station's minutes are in the tables anyway).
 */
export function chartSeries(stations: readonly { stationName: string; minutesByMonth: readonly number[] }[]): ChartSeries[] {
  const total = (s: { minutesByMonth: readonly number[] }) => s.minutesByMonth.reduce((a, b) => a + b, 0);
  const picked =
    stations.length <= PALETTE.length
      ? [...stations]
      : [...stations].sort((a, b) => total(b) - total(a) || a.stationName.localeCompare(b.stationName, 'vi')).slice(0, PALETTE.length - 1);
  const series = picked.map((s, i) => ({ name: s.stationName, values: [...s.minutesByMonth], colour: PALETTE[i] }));
  const others = stations.filter((s) => !picked.includes(s));
  if (others.length) {
    const months = others[0].minutesByMonth.length;
    const values = Array.from({ length: months }, (_, m) => Math.round((others.reduce((a, s) => a + s.minutesByMonth[m], 0) / others.length) * 10) / 10);
    series.push({ name: `${others.length} trạm khác (trung bình mỗi trạm)`, values, colour: PALETTE[PALETTE.length - 1] });
  }
  return series;
}

/** Top edges of legend entries of the given heights, one under another with a gap, so none overlaps the next. */
export function legendTops(heights: readonly number[], top: number, gap: number): number[] {
  const tops: number[] = [];
  let y = top;
  for (const h of heights) {
    tops.push(y);
    y += h + gap;
  }
  return tops;
}

/** The report as an A4 landscape PDF, with a bar chart of minutes on air per month per station. */
export async function writeReportPdf(out: Writable, r: PeriodicReport, issuingUnit: string, printedAt: string): Promise<void> {
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 36, info: { Title: REPORT_TITLE, Creator: 'Loa' } });
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  doc.pipe(out);
  doc.registerFont('R', FONT_REGULAR);
  doc.registerFont('B', FONT_BOLD);
  const W = doc.page.width - 72;
  const half = W / 2;
  doc.font('B').fontSize(10).text(issuingUnit.toUpperCase(), 36, 36, { width: half, align: 'center' });
  doc.text(NATION, 36 + half, 36, { width: half, align: 'center' });
  doc.text(MOTTO, 36 + half, 50, { width: half, align: 'center' });
  doc.fontSize(14).text(REPORT_TITLE, 36, 80, { width: W, align: 'center' });
  doc.font('R').fontSize(10).text(periodLine(r), 36, 102, { width: W, align: 'center' });
  doc.moveDown();
  doc.font('B').text('Tóm tắt', 36);
  doc.font('R').text(r.narrative, { width: W });
  doc.moveDown();

  // Figures table.
  const figureCols = [150, ...FIGURE_HEADERS.map(() => (W - 150) / FIGURE_HEADERS.length)];
  const row = (cells: (string | number)[], font: 'R' | 'B', least: number, cols = figureCols) => {
    doc.font(font).fontSize(7.5);
    // As tall as its tallest wrapped cell: a long station name prints whole, never cut.
    const h = Math.max(least, ...cells.map((c, i) => doc.heightOfString(String(c), { width: cols[i] - 4 }) + 4));
    if (doc.y + h > doc.page.height - 60) doc.addPage();
    const y = doc.y;
    let x = 36;
    cells.forEach((c, i) => {
      doc.text(String(c), x + 2, y + 2, { width: cols[i] - 4 });
      x += cols[i];
    });
    doc.rect(36, y, W, h).lineWidth(0.3).stroke();
    doc.x = 36;
    doc.y = y + h;
  };
  row(['Trạm / đơn vị', ...FIGURE_HEADERS], 'B', 30);
  for (const s of r.stations) row([s.stationName, ...figureCells(s)], 'R', 14);
  for (const u of r.units) row([`Cộng ${u.unitName}`, ...figureCells(u)], 'B', 14);
  row(['Tổng cộng', ...figureCells(r.total)], 'B', 14);
  doc.moveDown();
  doc.font('B').fontSize(10).text('Chỉ tiêu kế hoạch', 36);
  doc.font('R').text(r.targets.note, 36, doc.y, { width: W });
  const targetCols = [150, 80, 80, 80, W - 150 - 80 * 3 - 160, 160];
  for (const summary of r.targets.summaries) {
    if (doc.y + 60 > doc.page.height - 60) doc.addPage();
    doc.moveDown(0.5);
    doc.font('B').fontSize(9).text(`${targetTitle(summary)}: ${summary.stationsOnTarget}/${summary.stations} trạm không có tháng không đạt`, 36, doc.y, { width: W });
    row(TARGET_HEADERS, 'B', 24, targetCols);
    for (const t of r.targets.items) if (t.targetId === summary.targetId) row(targetCells(t).map((c) => (typeof c === 'number' ? viNumber(c) : c)), 'R', 14, targetCols);
  }

  // Chart: one group of bars per month, one bar per station.
  doc.addPage();
  doc.font('B').fontSize(12).text('Số phút phát sóng theo tháng của từng trạm', 36, 36, { width: W, align: 'center' });
  const chartX = 70;
  const chartY = 70;
  const chartW = W - 200;
  const chartH = doc.page.height - chartY - 110;
  const series = chartSeries(r.stations);
  const max = niceCeiling(Math.max(1, ...series.flatMap((s) => s.values)));
  doc.lineWidth(0.5).moveTo(chartX, chartY).lineTo(chartX, chartY + chartH).lineTo(chartX + chartW, chartY + chartH).stroke();
  doc.font('R').fontSize(7);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const y = chartY + chartH - (chartH * i) / 4;
    doc.text(viNumber(v, 2), chartX - 34, y - 4, { width: 30, align: 'right' });
  }
  const groupW = chartW / Math.max(1, r.window.months.length);
  const barW = Math.max(1, (groupW * 0.8) / Math.max(1, series.length));
  r.window.months.forEach((m, mi) => {
    const gx = chartX + mi * groupW + groupW * 0.1;
    series.forEach((s, si) => {
      const h = (chartH * s.values[mi]) / max;
      if (h > 0) doc.rect(gx + si * barW, chartY + chartH - h, barW * 0.9, h).fill(s.colour);
    });
    doc.fillColor('black').text(m.label, chartX + mi * groupW, chartY + chartH + 4, { width: groupW, align: 'center' });
  });
  // The legend: each name wrapped in its column, each entry below the one before, shrunk to fit the chart's height.
  const legendX = chartX + chartW + 16;
  const legendW = doc.page.width - 36 - legendX - 14;
  let size = 7;
  const heights = () => series.map((s) => Math.max(10, doc.fontSize(size).heightOfString(s.name, { width: legendW })));
  let hs = heights();
  while (size > 5 && hs.reduce((a, b) => a + b + 4, 0) > chartH) {
    size -= 0.5;
    hs = heights();
  }
  const tops = legendTops(hs, chartY, 4);
  series.forEach((s, si) => {
    doc.rect(legendX, tops[si], 10, 10).fill(s.colour);
    doc.fillColor('black').fontSize(size).text(s.name, legendX + 14, tops[si] + 1, { width: legendW });
  });
  doc.fontSize(7);
  // Above the bottom margin, or pdfkit would carry each line over to a page of its own.
  doc.font('R').fontSize(9).text(`Lập lúc ${printedAt}`, 36, doc.page.height - 76, { width: W, lineBreak: false });
  doc.font('B').text('Người lập', 36, doc.page.height - 62, { width: half, align: 'center', lineBreak: false });
  doc.text('Thủ trưởng đơn vị', 36 + half, doc.page.height - 62, { width: half, align: 'center', lineBreak: false });
  doc.end();
  await done;
}
