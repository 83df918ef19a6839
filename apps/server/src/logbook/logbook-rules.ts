import type { FailureReason, PlaybackEvent } from '@loa/protocol';
import type { LogbookResult, LogbookSource } from './logbook-line.entity';

/** A programme that played to within this much of its length counts as played in full. */
export const COMPLETE_TOLERANCE_MS = 1000;

/** The logbook result an agent's final event means. Only `finished` and `failed` end an occurrence. */
export function resultOf(event: PlaybackEvent, plannedDurationMs: number): LogbookResult | null {
  switch (event.kind) {
    case 'started':
      return null;
    case 'finished':
      return (event.playedMs ?? 0) >= plannedDurationMs - COMPLETE_TOLERANCE_MS ? 'complete' : 'partial';
    case 'failed':
      if (event.reason === 'missed') return 'missed';
      if (event.reason === 'preempted') return 'interrupted';
      if (event.reason === 'interrupted' || event.reason === 'cancelled') return event.startedAt ? 'partial' : 'missed';
      return 'failed';
  }
}

/** Results that mean the programme was heard, at least in part. */
export const ON_AIR_RESULTS: readonly LogbookResult[] = ['complete', 'partial', 'interrupted'];

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
export type ServerMissReason = 'station_offline' | 'schedule_not_received' | 'media_not_cached' | 'declined' | 'not_reported';
export const SERVER_MISS_REASONS: readonly ServerMissReason[] = ['station_offline', 'schedule_not_received', 'media_not_cached', 'declined', 'not_reported'];

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

/** The reason column of the logbook: the plain sentence, then the agent's detail where it adds something. */
export function reasonText(reason: string | null, detail: string | null): string {
  const label = reason ? (REASON_LABELS[reason as FailureReason | ServerMissReason] ?? reason) : '';
  if (!detail) return label;
  return label ? `${label} (${detail})` : detail;
}

/** Who wrote a line the system wrote itself. */
export const RECORDED_BY_SYSTEM = 'tự động';

/** Who wrote a miss the server recorded because the station stayed silent. */
export const RECORDED_BY_SERVER = 'tự động (máy chủ)';
