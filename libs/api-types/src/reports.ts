/** The periodic report (báo cáo định kỳ) as `GET /reports/periodic` answers it. */

/** met: aired enough · on_track: enough scheduled, not aired yet · at_risk: not enough even scheduled · missed: month over, not aired enough. */
export const COMPLIANCE_STATUSES = ['met', 'on_track', 'at_risk', 'missed'] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];

export const REPORT_PERIODS = ['Q1', 'Q2', 'Q3', 'Q4', 'H1', 'M9', 'Y'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** cchc: from the 15th of the previous period's last month to the 14th (Official Letter 581/BNV-CCHC); calendar: whole months. */
export type WindowConvention = 'cchc' | 'calendar';

/** A local calendar date. */
export interface LocalDate {
  y: number;
  m: number;
  d: number;
}

export interface ReportMonth {
  /** "2026-03": the month a CCHC window month ends in, or the calendar month. */
  key: string;
  label: string;
  /** First local day, inclusive, and the day after the last. */
  start: LocalDate;
  end: LocalDate;
}

export interface ReportWindow {
  period: ReportPeriod;
  year: number;
  convention: WindowConvention;
  /** First local day, inclusive. */
  start: LocalDate;
  /** The day after the last local day. */
  end: LocalDate;
  months: ReportMonth[];
}

export interface Breakdown {
  key: string;
  broadcasts: number;
  minutes: number;
}

export interface Figures {
  programmesScheduled: number;
  programmesAired: number;
  broadcastsScheduled: number;
  /** Airings heard at least in part (phát đủ, phát không đủ, bị ngắt). */
  broadcasts: number;
  complete: number;
  missed: number;
  failed: number;
  interrupted: number;
  minutesOnAir: number;
  /** Airings played in full over airings scheduled, 0–1; null when nothing was scheduled. */
  successRatio: number | null;
  /** Emergency broadcasts that went on air. */
  emergencies: number;
  /** Airings the station's capture heard on air (xác nhận phát sóng). */
  confirmedOnAir: number;
  /** Airings that went out but the capture did not hear (không xác nhận): a cut cable, a muted mixer. */
  notConfirmedOnAir: number;
  byChuyenMuc: Breakdown[];
  byTopic: Breakdown[];
  /** Minutes on air per report month, in the window's order. */
  minutesByMonth: number[];
}

export interface StationFigures extends Figures {
  stationId: string;
  stationName: string;
  unitId: string;
  unitName: string;
}

export interface UnitFigures extends Figures {
  unitId: string;
  unitName: string;
  stations: number;
}

export interface TargetMonth {
  key: string;
  label: string;
  /** Airings of the target's chuyên mục that went on air (phát đủ or phát không đủ). */
  aired: number;
  status: ComplianceStatus;
  statusLabel: string;
}

/** One target on one station over the report's window. */
export interface TargetItem {
  targetId: string;
  target: string;
  chuyenMuc: string;
  stationId: string;
  stationName: string;
  minPerMonth: number;
  /** The minimum over the whole window: minPerMonth for each of its months. */
  required: number;
  achieved: number;
  /** Labels of the months that are over and fell short, e.g. "T2/2026". */
  monthsMissed: string[];
  months: TargetMonth[];
  status: ComplianceStatus;
  statusLabel: string;
}

/** One target over all the stations it covers. */
export interface TargetSummary {
  targetId: string;
  target: string;
  chuyenMuc: string;
  minPerMonth: number;
  stations: number;
  /** Stations with no month missed. */
  stationsOnTarget: number;
  status: ComplianceStatus;
  statusLabel: string;
}

/** Plan-target compliance, filled in where plan targets exist; none are invented. */
export interface TargetsSection {
  available: boolean;
  note: string;
  items: TargetItem[];
  summaries: TargetSummary[];
}

export interface PeriodicReport {
  window: ReportWindow;
  stations: StationFigures[];
  units: UnitFigures[];
  total: Figures & { stations: number };
  targets: TargetsSection;
  narrative: string;
}
