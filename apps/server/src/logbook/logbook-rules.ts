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

/** Why a programme did not play, or not in full, as an inspector reads it. */
export const REASON_LABELS: Record<FailureReason, string> = {
  missed: 'Trạm không hoạt động (mất điện, tắt máy) hoặc chưa nhận lịch lúc phát',
  media_missing: 'Thiếu tệp âm thanh hoặc tệp hỏng',
  player_error: 'Lỗi thiết bị phát',
  interrupted: 'Phần mềm trạm dừng khi đang phát',
  cancelled: 'Lịch phát bị hủy khi đang phát',
  preempted: 'Bị ngắt bởi thông báo khẩn cấp',
};

/** The reason column of the logbook: the plain sentence, then the agent's detail where it adds something. */
export function reasonText(reason: string | null, detail: string | null): string {
  const label = reason ? (REASON_LABELS[reason as FailureReason] ?? reason) : '';
  if (!detail) return label;
  return label ? `${label} (${detail})` : detail;
}

/** Who wrote a line the system wrote itself. */
export const RECORDED_BY_SYSTEM = 'tự động';
