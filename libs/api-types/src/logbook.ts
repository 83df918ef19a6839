import type { FailureReason, Priority } from '@loa/protocol';

/** phát đủ · phát không đủ · lỗi · bị ngắt bởi khẩn cấp · không phát */
export const LOGBOOK_RESULTS = ['complete', 'partial', 'failed', 'interrupted', 'missed'] as const;
export type LogbookResult = (typeof LOGBOOK_RESULTS)[number];

/** Where the programme came from: the schedule's sources, plus a live broadcast. */
export const LOGBOOK_SOURCES = ['relay', 'local', 'live', 'emergency'] as const;
export type LogbookSource = (typeof LOGBOOK_SOURCES)[number];

/** What the station's capture of its own output said of an airing (libs/protocol AirVerdict). */
export const AIR_VERDICTS = ['confirmed', 'not_confirmed', 'no_capture'] as const;
export type AirVerdict = (typeof AIR_VERDICTS)[number];

export const AIR_VERDICT_LABELS: Record<AirVerdict, string> = {
  confirmed: 'Xác nhận phát sóng',
  not_confirmed: 'Không xác nhận',
  no_capture: 'Không có thiết bị thu',
};

/** Why a programme did not play, or not in full: the agents' own reasons (libs/protocol). */
export type { FailureReason };

/** One line of a station's broadcast logbook as `GET /logbook` lists it. */
export interface LogbookLineView {
  id: number;
  stationId: string;
  stationName: string;
  programmeTitle: string;
  chuyenMuc: string;
  topic: string | null;
  source: LogbookSource;
  priority: Priority;
  plannedStart: string;
  actualStart: string | null;
  endedAt: string | null;
  /** Time actually on air. */
  durationMs: number | null;
  plannedDurationMs: number;
  startErrorMs: number | null;
  result: LogbookResult;
  /** A FailureReason as the agent reported it; older lines may hold other words, so read it as text. */
  reason: string | null;
  detail: string | null;
  revision: number;
  recordedBy: string;
  /** For a correction: the line it amends, and why. */
  amendsLineId?: number | null;
  correctionReason?: string | null;
  /** Proof of air: null on lines of airings that never went out, and on lines from before it existed. */
  airVerdict?: AirVerdict | null;
  /** How much of the airing the capture matched. */
  airConfirmedMs?: number | null;
  /** Share of the airing the capture matched, whole percent. */
  airCoveragePct?: number | null;
  /** Where the capture found the programme relative to the recorded start. */
  airOffsetMs?: number | null;
  /** Silence or flat sound on air during the airing, past the station's dead-air threshold. */
  deadAirMs?: number | null;
  /**
   * The language version that aired (a code of `GET /languages`, `vi` for the programme's own audio);
   * null on lines of live relays, the station's own announcements, misses the server wrote, and older lines.
   */
  language?: string | null;
}

/** A page of the logbook; `next` is the `after` of the following page, null at the end. */
export interface LogbookPage {
  items: LogbookLineView[];
  next: number | null;
}

/** The logbook's words in Vietnamese, as exports print them and the console shows them. */
export const RESULT_LABELS: Record<LogbookResult, string> = {
  complete: 'Phát đủ',
  partial: 'Phát không đủ',
  failed: 'Lỗi',
  interrupted: 'Bị ngắt bởi khẩn cấp',
  missed: 'Không phát',
};

export const SOURCE_LABELS: Record<LogbookSource, string> = {
  relay: 'Tiếp sóng đài cấp trên',
  local: 'Chương trình của xã',
  live: 'Phát trực tiếp',
  emergency: 'Khẩn cấp',
};

/**
 * Why the server itself wrote "không phát" for an airing its station never reported by its planned end
 * and the grace: what the server knew of the station at that moment.
 */
export const SERVER_MISS_REASONS = ['station_offline', 'schedule_not_received', 'media_not_cached', 'declined', 'not_reported'] as const;
export type ServerMissReason = (typeof SERVER_MISS_REASONS)[number];

export function isServerMiss(line: { result: string; reason: string | null }): boolean {
  return line.result === 'missed' && (SERVER_MISS_REASONS as readonly (string | null)[]).includes(line.reason);
}

/** Why a programme did not play, or not in full, as an inspector reads it. */
export const REASON_LABELS: Record<FailureReason | ServerMissReason, string> = {
  missed: 'Trạm không hoạt động (mất điện, tắt máy) hoặc chưa nhận lịch lúc phát',
  media_missing: 'Thiếu tệp âm thanh hoặc tệp hỏng',
  player_error: 'Lỗi thiết bị phát',
  interrupted: 'Phần mềm trạm dừng khi đang phát',
  cancelled: 'Lịch phát bị hủy khi đang phát',
  preempted: 'Bị ngắt bởi thông báo khẩn cấp',
  station_offline: 'Trạm mất kết nối',
  schedule_not_received: 'Trạm chưa nhận lịch',
  media_not_cached: 'Trạm chưa tải tệp âm thanh',
  declined: 'Bị trạm xã từ chối',
  not_reported: 'Trạm không báo kết quả',
};

const leadingWords = (s: string, n: number) =>
  s
    .toLocaleLowerCase('vi')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, n)
    .join(' ');

/**
 * The reason of a logbook line as one sentence: the reason's label, then the agent's detail in brackets
 * where it adds something. An agent's detail that opens with the label's own words ("Bị ngắt bởi …")
 * already says what the label says, more precisely, so it stands alone instead of repeating it.
 */
export function reasonSentence(label: string, detail: string | null | undefined): string {
  const d = detail?.trim() ?? '';
  if (!d) return label;
  if (!label) return d;
  const words = Math.min(3, leadingWords(label, 3).split(' ').length);
  if (leadingWords(label, words) === leadingWords(d, words)) return d;
  return `${label} (${d})`;
}

/** The reason column of the logbook in Vietnamese; an unknown reason code is kept as it is. */
export function reasonText(reason: string | null, detail: string | null): string {
  const label = reason ? (REASON_LABELS[reason as FailureReason | ServerMissReason] ?? reason) : '';
  return reasonSentence(label, detail);
}
