import { buildReport, isoDay, ReportLine, reportWindow, ScheduledAiring, StationInfo } from './report-math';

const stations: StationInfo[] = [
  { id: 'A', name: 'Trạm Cẩm Bình', unitId: 'X', unitName: 'Huyện Cẩm Xuyên' },
  { id: 'B', name: 'Trạm Cẩm Vịnh', unitId: 'X', unitName: 'Huyện Cẩm Xuyên' },
  { id: 'C', name: 'Trạm Tam Nông', unitId: 'Y', unitName: 'Huyện Tam Nông' },
];
const CCHC = 'Cải cách hành chính';
let n = 0;
function line(stationId: string, day: string, result: ReportLine['result'], minutes: number | null, programmeId: string, extra: Partial<ReportLine> = {}): ReportLine {
  return { stationId, occurrenceId: `o${++n}`, programmeId, chuyenMuc: CCHC, topic: null, source: 'relay', priority: 'normal', day, result, durationMs: minutes === null ? null : minutes * 60_000, ...extra };
}
const lines: ReportLine[] = [
  line('A', '2025-12-20', 'complete', 15, 'p1', { topic: 'Thủ tục hành chính' }),
  line('A', '2026-01-10', 'complete', 10, 'p1'),
  line('A', '2026-02-20', 'complete', 20, 'p2', { chuyenMuc: 'Chuyển đổi số' }),
  line('A', '2026-03-20', 'complete', 5, 'p2', { chuyenMuc: 'Chuyển đổi số' }),
  line('B', '2026-01-05', 'missed', null, 'p1'),
  line('B', '2026-01-06', 'failed', null, 'p1'),
  line('B', '2026-02-01', 'partial', 6, 'p1'),
  line('C', '2026-03-01', 'interrupted', 4, 'p3'),
  line('C', '2026-03-01', 'complete', 2, 'p9', { source: 'emergency', priority: 'emergency', chuyenMuc: 'Thông báo khẩn cấp' }),
];
const scheduled: ScheduledAiring[] = [
  // Planned and logged: counted once.
  { stationId: 'A', occurrenceId: lines[1].occurrenceId, programmeId: 'p1', day: '2026-01-10' },
  // Planned, not (yet) logged.
  { stationId: 'C', occurrenceId: 'c-x', programmeId: 'p3', day: '2026-03-10' },
  // Outside both windows.
  { stationId: 'C', occurrenceId: 'c-y', programmeId: 'p3', day: '2026-04-10' },
];

describe('reporting windows', () => {
  it('follows the CCHC rule: from the 15th of the previous period’s last month to the 14th', () => {
    const days = (p: Parameters<typeof reportWindow>[0]) => {
      const w = reportWindow(p, 2026, 'cchc');
      return [isoDay(w.start), isoDay(w.end)];
    };
    expect(days('Q1')).toEqual(['2025-12-15', '2026-03-15']);
    expect(days('Q2')).toEqual(['2026-03-15', '2026-06-15']);
    expect(days('Q3')).toEqual(['2026-06-15', '2026-09-15']);
    expect(days('H1')).toEqual(['2025-12-15', '2026-06-15']);
    expect(days('M9')).toEqual(['2025-12-15', '2026-09-15']);
    expect(days('Y')).toEqual(['2025-12-15', '2026-12-15']);
    expect(reportWindow('Q1', 2026, 'cchc').months.map((m) => [isoDay(m.start), isoDay(m.end)])).toEqual([
      ['2025-12-15', '2026-01-15'],
      ['2026-01-15', '2026-02-15'],
      ['2026-02-15', '2026-03-15'],
    ]);
  });

  it('and the calendar: whole months', () => {
    const q4 = reportWindow('Q4', 2026, 'calendar');
    expect([isoDay(q4.start), isoDay(q4.end)]).toEqual(['2026-10-01', '2027-01-01']);
    expect(reportWindow('Y', 2026, 'calendar').months).toHaveLength(12);
  });
});

describe('periodic report arithmetic', () => {
  it('Q1 under the CCHC rule', () => {
    const r = buildReport(reportWindow('Q1', 2026, 'cchc'), stations, lines, scheduled);
    const [a, b, c] = r.stations;
    expect(a).toMatchObject({ broadcastsScheduled: 3, broadcasts: 3, complete: 3, minutesOnAir: 45, successRatio: 1, programmesAired: 2, minutesByMonth: [25, 0, 20] });
    expect(b).toMatchObject({ broadcastsScheduled: 3, broadcasts: 1, complete: 0, missed: 1, failed: 1, minutesOnAir: 6, successRatio: 0, minutesByMonth: [0, 6, 0] });
    expect(c).toMatchObject({ broadcastsScheduled: 3, broadcasts: 2, complete: 1, interrupted: 1, emergencies: 1, minutesOnAir: 6, programmesScheduled: 2, programmesAired: 2, minutesByMonth: [0, 0, 6] });
    expect(c.successRatio).toBeCloseTo(1 / 3);
    expect(r.units).toEqual([
      expect.objectContaining({ unitId: 'X', stations: 2, broadcastsScheduled: 6, broadcasts: 4, complete: 3, minutesOnAir: 51, successRatio: 0.5 }),
      expect.objectContaining({ unitId: 'Y', stations: 1, broadcasts: 2, emergencies: 1 }),
    ]);
    expect(r.total).toMatchObject({ stations: 3, broadcastsScheduled: 9, broadcasts: 6, complete: 4, minutesOnAir: 57, emergencies: 1, interrupted: 1, programmesScheduled: 4, programmesAired: 4 });
    expect(r.total.successRatio).toBeCloseTo(4 / 9);
    expect(r.total.byChuyenMuc).toEqual([
      { key: CCHC, broadcasts: 4, minutes: 35 },
      { key: 'Chuyển đổi số', broadcasts: 1, minutes: 20 },
      { key: 'Thông báo khẩn cấp', broadcasts: 1, minutes: 2 },
    ]);
    expect(r.total.byTopic).toEqual([{ key: 'Thủ tục hành chính', broadcasts: 1, minutes: 15 }]);
    expect(r.targets.available).toBe(false);
    expect(r.narrative).toContain('Quý I năm 2026 (từ ngày 15/12/2025 đến ngày 14/03/2026), 3 trạm truyền thanh đã phát 6/9 lượt');
    expect(r.narrative).toContain('tỷ lệ 44,4%');
    expect(r.narrative).toContain('1 lượt chương trình bị ngắt bởi khẩn cấp');
    expect(r.narrative).toContain('Trạm Cẩm Vịnh (2 lượt không phát hoặc lỗi)');
  });

  it('Q1 on the calendar', () => {
    const r = buildReport(reportWindow('Q1', 2026, 'calendar'), stations, lines, scheduled);
    expect(r.stations[0]).toMatchObject({ broadcasts: 3, minutesOnAir: 35, minutesByMonth: [10, 20, 5] });
    expect(r.stations[1]).toMatchObject({ broadcasts: 1, minutesByMonth: [0, 6, 0] });
    expect(r.total).toMatchObject({ broadcastsScheduled: 9, broadcasts: 6, complete: 4, minutesOnAir: 47 });
    expect(r.total.byTopic).toEqual([]);
    expect(r.narrative).toContain('từ ngày 01/01/2026 đến ngày 31/03/2026');
  });

  it('an empty period has no ratio rather than a division by zero', () => {
    const r = buildReport(reportWindow('Q3', 2026, 'cchc'), stations, lines, scheduled);
    expect(r.total).toMatchObject({ broadcastsScheduled: 0, successRatio: null });
  });
});
