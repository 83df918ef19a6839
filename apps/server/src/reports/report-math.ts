/**
 * The periodic report (báo cáo định kỳ) as plain arithmetic: reporting windows, and figures per
 * station, per unit and in total. No database, no framework: inputs are plain rows.
 */
import { judge, STATUS_LABELS, worst } from '../plan-targets/compliance';
import { countTargets } from '../plan-targets/target-count';
import { REPORT_PERIODS } from '@loa/api-types';
import type { LogbookResult } from '@loa/api-types';
import type { ReportPeriod, WindowConvention, LocalDate, ReportMonth, ReportWindow, Breakdown, Figures, StationFigures, UnitFigures, TargetMonth, TargetItem, TargetSummary, TargetsSection, PeriodicReport } from '@loa/api-types';
import { viNumber, viPercent } from '../common/vi-number';

/** The report's shapes are the API's own (libs/api-types): the console reads exactly these. */
export { REPORT_PERIODS };
export type { ReportPeriod, WindowConvention, LocalDate, ReportMonth, ReportWindow, Breakdown, Figures, StationFigures, UnitFigures, TargetMonth, TargetItem, TargetSummary, TargetsSection, PeriodicReport };

export const PERIOD_LABELS: Record<ReportPeriod, string> = {
  Q1: 'Quý I',
  Q2: 'Quý II',
  Q3: 'Quý III',
  Q4: 'Quý IV',
  H1: '6 tháng đầu năm',
  M9: '9 tháng',
  Y: 'Năm',
};

const FIRST_MONTH: Record<ReportPeriod, number> = { Q1: 1, Q2: 4, Q3: 7, Q4: 10, H1: 1, M9: 1, Y: 1 };
const LAST_MONTH: Record<ReportPeriod, number> = { Q1: 3, Q2: 6, Q3: 9, Q4: 12, H1: 6, M9: 9, Y: 12 };

function addMonths(y: number, m: number, n: number): { y: number; m: number } {
  const i = y * 12 + (m - 1) + n;
  return { y: Math.floor(i / 12), m: (i % 12) + 1 };
}

export function isoDay(d: LocalDate): string {
  return `${d.y}-${String(d.m).padStart(2, '0')}-${String(d.d).padStart(2, '0')}`;
}

export function viDay(d: LocalDate): string {
  return `${String(d.d).padStart(2, '0')}/${String(d.m).padStart(2, '0')}/${d.y}`;
}

/** The day before a date. */
export function dayBefore(d: LocalDate): LocalDate {
  const t = new Date(Date.UTC(d.y, d.m - 1, d.d) - 86_400_000);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/**
 * The window of a report. Under the CCHC rule Q1 2026 runs 15/12/2025–14/03/2026 and each month of it
 * runs from the 15th to the 14th; under the calendar, 01/01/2026–31/03/2026.
 */
export function reportWindow(period: ReportPeriod, year: number, convention: WindowConvention): ReportWindow {
  const months: ReportMonth[] = [];
  for (let m = FIRST_MONTH[period]; m <= LAST_MONTH[period]; m++) {
    const key = `${year}-${String(m).padStart(2, '0')}`;
    if (convention === 'cchc') {
      const prev = addMonths(year, m, -1);
      months.push({ key, label: `T${m}/${year}`, start: { y: prev.y, m: prev.m, d: 15 }, end: { y: year, m, d: 15 } });
    } else {
      const next = addMonths(year, m, 1);
      months.push({ key, label: `T${m}/${year}`, start: { y: year, m, d: 1 }, end: { y: next.y, m: next.m, d: 1 } });
    }
  }
  return { period, year, convention, start: months[0].start, end: months[months.length - 1].end, months };
}

/** What the report needs of a logbook line (the latest revision of each airing). */
export interface ReportLine {
  stationId: string;
  occurrenceId: string;
  programmeId: string;
  chuyenMuc: string;
  topic: string | null;
  source: string;
  priority: string;
  /** Local day of the planned start, YYYY-MM-DD. */
  day: string;
  result: LogbookResult;
  durationMs: number | null;
  /** The chuyên mục the programme is filed under, where it is filed under one. */
  chuyenMucId?: string | null;
  /** Proof of air from the station's capture, where the line has it. */
  airVerdict?: string | null;
}

/** One airing the schedule planned on a station. */
export interface ScheduledAiring {
  stationId: string;
  occurrenceId: string;
  programmeId: string;
  day: string;
  chuyenMucId?: string | null;
  chuyenMuc?: string;
}

/** A plan target as the report applies it: a count per month, on those of the report's stations it covers. */
export interface ReportTarget {
  id: string;
  name: string;
  chuyenMucId: string;
  chuyenMuc: string;
  minPerMonth: number;
  stationIds: readonly string[];
}

export interface StationInfo {
  id: string;
  name: string;
  unitId: string;
  unitName: string;
}

export const NO_TARGETS: TargetsSection = { available: false, note: 'Chưa có chỉ tiêu kế hoạch cho kỳ này.', items: [], summaries: [] };

const ON_AIR = new Set(['complete', 'partial', 'interrupted']);

/** Rounds minutes to one decimal, so sums print as people add them. */
function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function monthIndex(window: ReportWindow, day: string): number {
  return window.months.findIndex((m) => day >= isoDay(m.start) && day < isoDay(m.end));
}

function figuresOf(window: ReportWindow, lines: readonly ReportLine[], scheduled: readonly ScheduledAiring[]): Figures {
  const airings = new Set<string>();
  const programmesScheduled = new Set<string>();
  for (const s of scheduled) {
    airings.add(`${s.stationId}|${s.occurrenceId}`);
    programmesScheduled.add(s.programmeId);
  }
  const programmesAired = new Set<string>();
  const byCm = new Map<string, Breakdown>();
  const byTopic = new Map<string, Breakdown>();
  const minutesByMonth = window.months.map(() => 0);
  let broadcasts = 0;
  let complete = 0;
  let missed = 0;
  let failed = 0;
  let interrupted = 0;
  let ms = 0;
  let emergencies = 0;
  let confirmedOnAir = 0;
  let notConfirmedOnAir = 0;
  for (const l of lines) {
    // A line for an airing the schedule no longer lists (a cancelled slot) was still planned once.
    airings.add(`${l.stationId}|${l.occurrenceId}`);
    programmesScheduled.add(l.programmeId);
    if (l.result === 'complete') complete++;
    if (l.result === 'missed') missed++;
    if (l.result === 'failed') failed++;
    if (l.result === 'interrupted') interrupted++;
    if (!ON_AIR.has(l.result)) continue;
    broadcasts++;
    if (l.airVerdict === 'confirmed') confirmedOnAir++;
    if (l.airVerdict === 'not_confirmed') notConfirmedOnAir++;
    programmesAired.add(l.programmeId);
    if (l.source === 'emergency' || l.priority === 'emergency') emergencies++;
    const lineMs = l.durationMs ?? 0;
    ms += lineMs;
    const i = monthIndex(window, l.day);
    if (i >= 0) minutesByMonth[i] += lineMs / 60_000;
    for (const [map, key] of [
      [byCm, l.chuyenMuc],
      [byTopic, l.topic],
    ] as const) {
      if (!key) continue;
      const b = map.get(key) ?? { key, broadcasts: 0, minutes: 0 };
      b.broadcasts++;
      b.minutes += lineMs / 60_000;
      map.set(key, b);
    }
  }
  const sorted = (m: Map<string, Breakdown>) => [...m.values()].map((b) => ({ ...b, minutes: round1(b.minutes) })).sort((a, b) => b.minutes - a.minutes || a.key.localeCompare(b.key));
  return {
    programmesScheduled: programmesScheduled.size,
    programmesAired: programmesAired.size,
    broadcastsScheduled: airings.size,
    broadcasts,
    complete,
    missed,
    failed,
    interrupted,
    minutesOnAir: round1(ms / 60_000),
    successRatio: airings.size ? complete / airings.size : null,
    emergencies,
    confirmedOnAir,
    notConfirmedOnAir,
    byChuyenMuc: sorted(byCm),
    byTopic: sorted(byTopic),
    minutesByMonth: minutesByMonth.map(round1),
  };
}

const percent = viPercent;
const num = (n: number) => viNumber(n);

/** A few sentences in Vietnamese from the figures, for the report's summary. */
export function narrativeOf(window: ReportWindow, total: PeriodicReport['total'], stations: readonly StationFigures[], targets: TargetsSection = NO_TARGETS): string {
  const last = dayBefore(window.end);
  const parts = [
    `${PERIOD_LABELS[window.period]} năm ${window.year} (từ ngày ${viDay(window.start)} đến ngày ${viDay(last)}), ${total.stations} trạm truyền thanh đã phát ${total.broadcasts}/${total.broadcastsScheduled} lượt theo lịch, ` +
      `phát đủ ${total.complete} lượt (tỷ lệ ${percent(total.successRatio)}), tổng thời lượng ${num(total.minutesOnAir)} phút, ` +
      `gồm ${total.programmesAired}/${total.programmesScheduled} chương trình.`,
  ];
  if (total.confirmedOnAir + total.notConfirmedOnAir > 0) {
    parts.push(`Thiết bị thu tại trạm xác nhận phát sóng ${total.confirmedOnAir} lượt; ${total.notConfirmedOnAir} lượt không xác nhận được trên sóng.`);
  }
  if (total.byChuyenMuc.length) {
    const top = total.byChuyenMuc[0];
    parts.push(`Chuyên mục phát nhiều nhất: "${top.key}" với ${top.broadcasts} lượt, ${num(top.minutes)} phút.`);
  }
  if (total.emergencies || total.interrupted) {
    parts.push(`Có ${total.emergencies} lượt phát thông báo khẩn cấp; ${total.interrupted} lượt chương trình bị ngắt bởi khẩn cấp.`);
  }
  const short = stations.filter((s) => s.missed + s.failed > 0).sort((a, b) => b.missed + b.failed - (a.missed + a.failed));
  if (short.length) {
    parts.push(`Trạm chưa phát đủ lịch: ${short.map((s) => `${s.stationName} (${s.missed + s.failed} lượt không phát hoặc lỗi)`).join(', ')}.`);
  } else if (total.broadcastsScheduled) {
    parts.push('Tất cả các trạm đều phát đủ các lượt theo lịch.');
  }
  for (const t of targets.summaries) {
    const short = targets.items.filter((i) => i.targetId === t.targetId && i.monthsMissed.length);
    const missed = short.length ? `; không đạt: ${short.map((i) => `${i.stationName} (${i.monthsMissed.join(', ')})`).join(', ')}` : '';
    parts.push(`Chỉ tiêu "${t.target}" (tối thiểu ${t.minPerMonth} lượt/tháng): ${t.stationsOnTarget}/${t.stations} trạm không có tháng nào không đạt${missed}.`);
  }
  return parts.join(' ');
}

function wallMs(d: LocalDate): number {
  return Date.UTC(d.y, d.m - 1, d.d);
}

/**
 * Each target on each of its stations, month by month of the report's window (CCHC months from the
 * 15th to the 14th, or calendar months): met, missed once the month is over, or still running, on
 * track where enough of `ahead` (airings still to come) is scheduled. `today` is the local date the
 * report is made on.
 */
export function targetsOf(
  window: ReportWindow,
  targets: readonly ReportTarget[],
  stations: readonly StationInfo[],
  lines: readonly ReportLine[],
  ahead: readonly ScheduledAiring[],
  today: LocalDate,
): TargetsSection {
  const items: TargetItem[] = [];
  const summaries: TargetSummary[] = [];
  const now = wallMs(today);
  const todayIso = isoDay(today);
  const covered = new Map(targets.map((t) => [t.id, stations.filter((s) => t.stationIds.includes(s.id))]));
  // Airings to come count from today on; the report's lines and airings carry local days.
  const counts = countTargets(
    targets.map((t) => ({ ...t, stationIds: covered.get(t.id)!.map((s) => s.id) })),
    window.months.length,
    lines,
    (l) => monthIndex(window, l.day),
    ahead,
    (a) => (a.day < todayIso ? -1 : monthIndex(window, a.day)),
  );
  for (const target of targets) {
    const stationsOfTarget = covered.get(target.id)!;
    if (!stationsOfTarget.length) continue;
    const mine: TargetItem[] = [];
    for (const station of stationsOfTarget) {
      const { aired, scheduled: coming } = counts.get(target.id)!.get(station.id)!;
      const months = window.months.map((m, i): TargetMonth => {
        const status = judge(aired[i], coming[i], target.minPerMonth, wallMs(m.end), now);
        return { key: m.key, label: m.label, aired: aired[i], status, statusLabel: STATUS_LABELS[status] };
      });
      const status = worst(months.map((m) => m.status));
      mine.push({
        targetId: target.id,
        target: target.name,
        chuyenMuc: target.chuyenMuc,
        stationId: station.id,
        stationName: station.name,
        minPerMonth: target.minPerMonth,
        required: target.minPerMonth * window.months.length,
        achieved: aired.reduce((a, b) => a + b, 0),
        monthsMissed: months.filter((m) => m.status === 'missed').map((m) => m.label),
        months,
        status,
        statusLabel: STATUS_LABELS[status],
      });
    }
    const status = worst(mine.map((i) => i.status));
    summaries.push({
      targetId: target.id,
      target: target.name,
      chuyenMuc: target.chuyenMuc,
      minPerMonth: target.minPerMonth,
      stations: mine.length,
      stationsOnTarget: mine.filter((i) => !i.monthsMissed.length).length,
      status,
      statusLabel: STATUS_LABELS[status],
    });
    items.push(...mine);
  }
  if (!summaries.length) return NO_TARGETS;
  const months = window.convention === 'cchc' ? 'tháng của kỳ báo cáo CCHC (từ ngày 15 đến ngày 14)' : 'tháng dương lịch';
  return { available: true, note: `Tính theo ${months}; lượt phát đủ và phát không đủ được tính là đã phát.`, items, summaries };
}

export function buildReport(
  window: ReportWindow,
  stations: readonly StationInfo[],
  lines: readonly ReportLine[],
  scheduled: readonly ScheduledAiring[],
  /** The plan targets, the day the report is made, and the airings still to come (not in `scheduled`). */
  plan?: { targets: readonly ReportTarget[]; today: LocalDate; ahead?: readonly ScheduledAiring[] },
): PeriodicReport {
  const startDay = isoDay(window.start);
  const endDay = isoDay(window.end);
  const inWindow = <T extends { day: string }>(rows: readonly T[]) => rows.filter((r) => r.day >= startDay && r.day < endDay);
  const ls = inWindow(lines);
  const sc = inWindow(scheduled);
  const stationFigures: StationFigures[] = stations.map((s) => ({
    stationId: s.id,
    stationName: s.name,
    unitId: s.unitId,
    unitName: s.unitName,
    ...figuresOf(
      window,
      ls.filter((l) => l.stationId === s.id),
      sc.filter((x) => x.stationId === s.id),
    ),
  }));
  const unitIds = [...new Set(stations.map((s) => s.unitId))];
  const units: UnitFigures[] = unitIds.map((unitId) => {
    const ids = new Set(stations.filter((s) => s.unitId === unitId).map((s) => s.id));
    return {
      unitId,
      unitName: stations.find((s) => s.unitId === unitId)!.unitName,
      stations: ids.size,
      ...figuresOf(
        window,
        ls.filter((l) => ids.has(l.stationId)),
        sc.filter((x) => ids.has(x.stationId)),
      ),
    };
  });
  const ids = new Set(stations.map((s) => s.id));
  const total = {
    stations: stations.length,
    ...figuresOf(
      window,
      ls.filter((l) => ids.has(l.stationId)),
      sc.filter((x) => ids.has(x.stationId)),
    ),
  };
  const targets = plan ? targetsOf(window, plan.targets, stations, ls, inWindow(plan.ahead ?? []), plan.today) : NO_TARGETS;
  return { window, stations: stationFigures, units, total, targets, narrative: narrativeOf(window, total, stationFigures, targets) };
}
