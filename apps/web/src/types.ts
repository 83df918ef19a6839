/** Shapes of the API's answers, as the console uses them. */
export type Role = 'admin' | 'editor' | 'approver' | 'operator' | 'inspector';

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  unitId: string | null;
  disabled?: boolean;
  createdAt?: string;
}

export interface Unit {
  id: string;
  parentId: string | null;
  name: string;
  kind: string;
  code: string | null;
}

export interface Station {
  id: string;
  unitId: string;
  name: string;
  code: string;
  tokenHint: string | null;
  hasToken: boolean;
  lastSeenAt: string | null;
  agentVersion: string | null;
  /** The agent reported a version older than the server's (null: not known). */
  agentOutdated: boolean | null;
  /** When a station box last exchanged an enrolment code for this station's token. */
  enrolledAt: string | null;
}

/** A one-time enrolment code for `loa-agent enrol`; the server shows it only when issued. */
export interface EnrolmentCode {
  code: string;
  expiresAt: string;
}

export interface AgentStatus {
  stationId: string;
  stationName: string;
  connectedAt: string;
  lastFrameAt: string;
  agentVersion: string | null;
  status: {
    scheduleVersion: number | null;
    nowPlaying: { occurrenceId: string; title: string; startedAt: string } | null;
    cacheReady: boolean;
    cachedFiles: number;
    missingFiles: number;
    pendingEvents: number;
    lastError: string | null;
    /** The sound output as the agent last found it; absent for players without a device. */
    output?: { device: string; ok: boolean; checkedAt: string; error: string | null };
  } | null;
}

export interface MediaAsset {
  id: string;
  status: 'processing' | 'ready' | 'failed';
  originalName: string;
  sha256: string | null;
  durationMs: number | null;
  progress: number;
  error: string | null;
}

export interface Programme {
  id: string;
  title: string;
  chuyenMuc: string;
  description: string;
  mediaAssetId: string;
  createdAt: string;
}

/** Only approved slots reach stations; submitted ones wait for an approver. */
export type SlotStatus = 'draft' | 'submitted' | 'approved' | 'rejected' | 'cancelled';

/** Slots that hold their time on a station: the server refuses others over them. */
export const HOLDS_TIME: ReadonlySet<SlotStatus> = new Set(['submitted', 'approved']);

export interface Slot {
  id: string;
  programmeId: string;
  startAt: string;
  endAt: string;
  durationMs: number;
  priority: 'normal' | 'priority' | 'emergency';
  status: SlotStatus;
  stationIds: string[];
  /** Wall-clock first airing, zone and RFC 5545 rule of a recurring slot; rule null: airs once. */
  localStart?: string | null;
  timeZone?: string;
  rule?: string | null;
  exdates?: string[];
  rejectionReason?: string | null;
  createdBy?: string | null;
}

export interface Clash {
  slotId: string;
  startAt: string;
  endAt: string;
  title: string;
  stationId: string;
  stationName: string;
}

export type LogbookResult = 'complete' | 'partial' | 'failed' | 'missed';

export interface LogbookLine {
  id: number;
  stationId: string;
  stationName: string;
  programmeTitle: string;
  chuyenMuc: string;
  plannedStart: string;
  actualStart: string | null;
  durationMs: number | null;
  startErrorMs: number | null;
  result: LogbookResult;
  detail: string | null;
  reason: string | null;
}

export type LiveKind = 'relay' | 'emergency';
export type LiveSourceKind = 'programme' | 'url' | 'mic';

export interface LiveRelay {
  id: string;
  kind: LiveKind;
  priority: 'normal' | 'priority' | 'emergency';
  title: string;
  sourceKind: LiveSourceKind;
  programmeId: string | null;
  sourceUrl: string | null;
  rounds: number;
  intervalMs: number;
  roundsAired: number;
  expiresAt: string | null;
  status: 'live' | 'ended' | 'stopped' | 'failed';
  endReason: string | null;
  startedBy: string | null;
  startedAt: string;
  endedAt: string | null;
}

/** Which stations carry a relay now, as they last reported. */
export interface LiveStatus {
  relay: LiveRelay;
  round: number;
  onAir: boolean;
  listeners: number;
  stations: {
    stationId: string;
    stationName: string;
    connected: boolean;
    carrying: boolean;
    bufferMs: number | null;
    lagMs: number | null;
    gapMs: number | null;
    droppedFrames: number;
    reportedAt: string | null;
  }[];
}

export type ReportPeriod = 'Q1' | 'Q2' | 'Q3' | 'Q4' | 'H1' | 'M9' | 'Y';
export type WindowConvention = 'cchc' | 'calendar';

export interface LocalDate {
  y: number;
  m: number;
  d: number;
}

export interface ReportFigures {
  programmesScheduled: number;
  programmesAired: number;
  broadcastsScheduled: number;
  broadcasts: number;
  complete: number;
  missed: number;
  failed: number;
  interrupted: number;
  minutesOnAir: number;
  successRatio: number | null;
  emergencies: number;
  byChuyenMuc: { key: string; broadcasts: number; minutes: number }[];
  minutesByMonth: number[];
}

export interface PeriodicReport {
  window: {
    period: ReportPeriod;
    year: number;
    convention: WindowConvention;
    start: LocalDate;
    end: LocalDate;
    months: { key: string; label: string; start: LocalDate; end: LocalDate }[];
  };
  stations: (ReportFigures & { stationId: string; stationName: string; unitId: string; unitName: string })[];
  units: (ReportFigures & { unitId: string; unitName: string; stations: number })[];
  total: ReportFigures & { stations: number };
  targets: {
    available: boolean;
    note: string;
    items: {
      targetId: string;
      target: string;
      chuyenMuc: string;
      stationId: string;
      stationName: string;
      minPerMonth: number;
      required: number;
      achieved: number;
      monthsMissed: string[];
      months: { key: string; label: string; aired: number; status: ComplianceStatus; statusLabel: string }[];
    }[];
  };
  narrative: string;
}

export type ComplianceStatus = 'met' | 'on_track' | 'at_risk' | 'missed';

