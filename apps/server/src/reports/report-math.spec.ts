import { buildReport, isoDay, ReportLine, ReportTarget, reportWindow, ScheduledAiring, StationInfo } from './report-math';

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
  it('counts the airings the station’s capture confirmed on air, and those it did not, among those that went out', () => {
    const proved = lines.map((l, i) => ({ ...l, airVerdict: i % 3 === 0 ? 'confirmed' : i % 3 === 1 ? 'not_confirmed' : 'no_capture' }));
    const r = buildReport(reportWindow('Q1', 2026, 'cchc'), stations, proved, scheduled);
    const onAir = proved.filter((l) => ['complete', 'partial', 'interrupted'].includes(l.result) && l.day >= '2025-12-15' && l.day < '2026-03-15');
    expect(r.total.confirmedOnAir).toBe(onAir.filter((l) => l.airVerdict === 'confirmed').length);
    expect(r.total.notConfirmedOnAir).toBe(onAir.filter((l) => l.airVerdict === 'not_confirmed').length);
    expect(r.total.confirmedOnAir + r.total.notConfirmedOnAir).toBeGreaterThan(0);
    expect(r.stations.reduce((n, s) => n + s.confirmedOnAir, 0)).toBe(r.total.confirmedOnAir);
    expect(r.narrative).toContain(`xác nhận phát sóng ${r.total.confirmedOnAir} lượt`);
    // Lines without a verdict (older agents) count as neither.
    expect(buildReport(reportWindow('Q1', 2026, 'cchc'), stations, lines, scheduled).total).toMatchObject({ confirmedOnAir: 0, notConfirmedOnAir: 0 });
  });

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

describe('plan-target compliance in the report', () => {
  const CDS = 'Chuyển đổi số';
  const t1: ReportTarget = { id: 't1', name: 'Mỗi trạm phát chuyên mục CCHC hằng tháng', chuyenMucId: 'cm-cchc', chuyenMuc: CCHC, minPerMonth: 1, stationIds: ['A', 'B'] };
  const t2: ReportTarget = { id: 't2', name: 'Trạm Tam Nông phát chuyển đổi số 2 lượt/tháng', chuyenMucId: 'cm-cds', chuyenMuc: CDS, minPerMonth: 2, stationIds: ['C'] };
  const seeded: ReportLine[] = [
    // A airs its CCHC programme once in every month, whichever way months are cut.
    line('A', '2026-01-10', 'complete', 10, 'p1'),
    line('A', '2026-02-10', 'complete', 10, 'p1'),
    line('A', '2026-03-10', 'complete', 10, 'p1'),
    // B: lines either side of the 15th, a failure, a miss and an airing cut short by an emergency, none of which count.
    line('B', '2025-12-20', 'complete', 10, 'p1'),
    line('B', '2026-01-20', 'partial', 4, 'p1'),
    line('B', '2026-02-14', 'failed', null, 'p1'),
    line('B', '2026-02-16', 'interrupted', 3, 'p1'),
    line('B', '2026-03-05', 'missed', null, 'p1'),
    line('B', '2026-03-16', 'complete', 10, 'p1'),
    // C: filed under the chuyên mục by id although the title differs; a CCHC airing does not count for it.
    line('C', '2026-01-02', 'complete', 5, 'p5', { chuyenMuc: 'Chuyển đổi số tháng 1', chuyenMucId: 'cm-cds' }),
    line('C', '2026-01-03', 'complete', 5, 'p5', { chuyenMuc: 'Chuyển đổi số tháng 1', chuyenMucId: 'cm-cds' }),
    line('C', '2026-02-03', 'complete', 5, 'p5', { chuyenMuc: 'Chuyển đổi số tháng 1', chuyenMucId: 'cm-cds' }),
    line('C', '2026-02-04', 'complete', 5, 'p1'),
  ];
  const after = { y: 2026, m: 11, d: 23 };
  const byStation = (r: ReturnType<typeof buildReport>, targetId: string) => Object.fromEntries(r.targets.items.filter((i) => i.targetId === targetId).map((i) => [i.stationId, i]));

  it('CCHC months (15th to 14th): the month each airing counts in, and the months each station missed', () => {
    const r = buildReport(reportWindow('Q1', 2026, 'cchc'), stations, seeded, [], { targets: [t1, t2], today: after });
    expect(r.targets.available).toBe(true);
    const cchc = byStation(r, 't1');
    expect(cchc.A).toMatchObject({ required: 3, achieved: 3, monthsMissed: [], status: 'met', statusLabel: 'Đạt' });
    expect(cchc.A.months.map((m) => m.aired)).toEqual([1, 1, 1]);
    // 20/12 counts in T1 (15/12–14/01), 20/01 in T2; nothing that counts from 15/02 to 14/03.
    expect(cchc.B).toMatchObject({ required: 3, achieved: 2, monthsMissed: ['T3/2026'], status: 'missed', statusLabel: 'Không đạt' });
    expect(cchc.B.months.map((m) => [m.label, m.aired, m.status])).toEqual([
      ['T1/2026', 1, 'met'],
      ['T2/2026', 1, 'met'],
      ['T3/2026', 0, 'missed'],
    ]);
    const cds = byStation(r, 't2');
    expect(cds.C).toMatchObject({ stationName: 'Trạm Tam Nông', required: 6, achieved: 3, monthsMissed: ['T2/2026', 'T3/2026'] });
    expect(cds.C.months.map((m) => m.aired)).toEqual([2, 1, 0]);
    expect(r.targets.summaries).toEqual([
      expect.objectContaining({ targetId: 't1', stations: 2, stationsOnTarget: 1, status: 'missed' }),
      expect.objectContaining({ targetId: 't2', stations: 1, stationsOnTarget: 0, status: 'missed' }),
    ]);
    expect(r.targets.note).toContain('từ ngày 15 đến ngày 14');
    expect(r.narrative).toContain('Chỉ tiêu "Mỗi trạm phát chuyên mục CCHC hằng tháng" (tối thiểu 1 lượt/tháng): 1/2 trạm không có tháng nào không đạt; không đạt: Trạm Cẩm Vịnh (T3/2026).');
  });

  it('calendar months: the same lines fall into other months and other misses', () => {
    const r = buildReport(reportWindow('Q1', 2026, 'calendar'), stations, seeded, [], { targets: [t1, t2], today: after });
    const cchc = byStation(r, 't1');
    expect(cchc.A).toMatchObject({ achieved: 3, monthsMissed: [] });
    // 20/12/2025 is outside the quarter; 16/03 lands in March; February has only a failure and an interrupted airing.
    expect(cchc.B).toMatchObject({ required: 3, achieved: 2, monthsMissed: ['T2/2026'] });
    expect(cchc.B.months.map((m) => m.aired)).toEqual([1, 0, 1]);
    expect(byStation(r, 't2').C).toMatchObject({ achieved: 3, monthsMissed: ['T2/2026', 'T3/2026'] });
    expect(r.targets.note).toContain('tháng dương lịch');
    expect(r.narrative).toContain('không đạt: Trạm Cẩm Vịnh (T2/2026)');
  });

  it('a month still running is not missed: on track where enough is scheduled, at risk where not', () => {
    const ahead: ScheduledAiring[] = [
      { stationId: 'B', occurrenceId: 'b-mar', programmeId: 'p1', day: '2026-03-20', chuyenMucId: 'cm-cchc', chuyenMuc: CCHC },
      // Already gone by: not ahead any more.
      { stationId: 'C', occurrenceId: 'c-feb', programmeId: 'p5', day: '2026-02-27', chuyenMucId: 'cm-cds', chuyenMuc: CDS },
    ];
    const r = buildReport(reportWindow('Q1', 2026, 'calendar'), stations, seeded.filter((l) => l.day < '2026-03-01'), [], { targets: [t1, t2], today: { y: 2026, m: 3, d: 1 }, ahead });
    const cchc = byStation(r, 't1');
    expect(cchc.B.months.map((m) => m.status)).toEqual(['met', 'missed', 'on_track']);
    expect(cchc.B.monthsMissed).toEqual(['T2/2026']);
    expect(cchc.A.months.map((m) => m.status)).toEqual(['met', 'met', 'at_risk']);
    expect(byStation(r, 't2').C.months.map((m) => m.status)).toEqual(['met', 'missed', 'at_risk']);
  });

  it('says so plainly where no target covers the report’s stations', () => {
    const r = buildReport(reportWindow('Q1', 2026, 'cchc'), stations.slice(0, 1), seeded, [], { targets: [t2], today: after });
    expect(r.targets).toEqual({ available: false, note: 'Chưa có chỉ tiêu kế hoạch cho kỳ này.', items: [], summaries: [] });
    expect(r.narrative).not.toContain('Chỉ tiêu');
  });
});
