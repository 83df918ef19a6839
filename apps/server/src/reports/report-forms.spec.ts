import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { pdfText } from '../../../../test/support/pdf-text';
import { buildReport, reportWindow, type ReportLine, type StationInfo } from './report-math';
import { chartSeries, figureCells, legendTops, PALETTE, writeReportPdf, writeReportXlsx } from './report-forms';

/** Thirty-one communes, each with its own minutes, one of them 1,234.5 minutes in all. */
const stations: StationInfo[] = Array.from({ length: 31 }, (_, i) => ({
  id: `s${i}`,
  name: `Đài truyền thanh xã số ${i + 1} thuộc huyện Cẩm Xuyên, tỉnh Hà Tĩnh`,
  unitId: 'u',
  unitName: 'Huyện Cẩm Xuyên',
}));
const lines: ReportLine[] = stations.flatMap((s, i) =>
  ['2026-01-05', '2026-02-05', '2026-03-05'].map((day, m) => ({
    stationId: s.id,
    occurrenceId: `${s.id}-${m}`,
    programmeId: 'p',
    chuyenMuc: 'Cải cách hành chính',
    topic: null,
    source: 'relay' as const,
    priority: 'normal' as const,
    day,
    result: 'complete' as const,
    durationMs: (i === 0 ? 411.5 : 10 + i + m) * 60_000,
  })),
);
const report = buildReport(reportWindow('Q1', 2026, 'calendar'), stations, lines, []);

async function bytes(write: (out: PassThrough) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await write(out);
  return Buffer.concat(chunks);
}

describe('the report as printed and as a workbook', () => {
  it('never gives two chart series one colour: past sixteen stations the rest share one bar, their average', () => {
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
    const series = chartSeries(report.stations);
    expect(series).toHaveLength(PALETTE.length);
    expect(new Set(series.map((s) => s.colour)).size).toBe(series.length);
    expect(series.at(-1)!.name).toBe('16 trạm khác (trung bình mỗi trạm)');
    // The stations with most minutes keep their own bars.
    expect(series[0].name).toBe(stations[0].name);
    expect(series.map((s) => s.name)).toContain(stations[30].name);
    expect(chartSeries(report.stations.slice(0, 5)).map((s) => s.name)).toEqual(report.stations.slice(0, 5).map((s) => s.stationName));
  });

  it('stacks legend entries so none overlaps the next', () => {
    const heights = [10, 18, 10, 26];
    const tops = legendTops(heights, 70, 4);
    tops.slice(1).forEach((t, i) => expect(t).toBeGreaterThanOrEqual(tops[i] + heights[i]));
  });

  it('writes numbers the Vietnamese way in tables as in the prose', () => {
    expect(figureCells(report.total)).toContain('100,0%');
    expect(figureCells(report.stations[0])).toContain('1.234,5');
  });

  it('prints the PDF with "100,0%" in tables and prose, whole station names, and a legend of sixteen entries', async () => {
    const text = await pdfText(await bytes((out) => writeReportPdf(out, report, 'Huyện Cẩm Xuyên', '31/03/2026 10:00:00')));
    expect(text).toContain('100,0%');
    expect(text).not.toMatch(/\d\.\d%/);
    expect(text).toContain('1.234,5');
    expect(text).not.toContain('…');
    expect(text).toContain('16 trạm khác (trung bình mỗi trạm)');
    const flat = text.replace(/\s+/g, ' ');
    for (const s of stations) expect(flat).toContain(s.name);
  }, 30_000);

  it('gives the workbook real numbers with number formats, so the reader’s Excel shows 100,0%', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await bytes((out) => writeReportXlsx(out, report, 'Huyện Cẩm Xuyên', '31/03/2026 10:00:00'))) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Báo cáo')!;
    let total: ExcelJS.Row | undefined;
    ws.eachRow((row) => {
      if (row.getCell(1).value === 'Tổng cộng') total = row;
    });
    const ratio = total!.getCell(11);
    expect(ratio.value).toBe(1);
    expect(ratio.numFmt).toBe('0.0%');
    expect(total!.getCell(10).numFmt).toBe('#,##0.0');
    expect(wb.getWorksheet('Số phút theo tháng')!.getRow(2).getCell(2).numFmt).toBe('#,##0.0');
  });
});
