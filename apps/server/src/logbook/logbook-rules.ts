import type { PlaybackEvent } from '@loa/protocol';
import type { LogbookResult } from './logbook-line.entity';

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
      if (event.reason === 'interrupted' || event.reason === 'cancelled' || event.reason === 'preempted') return event.startedAt ? 'partial' : 'missed';
      return 'failed';
  }
}

export const RESULT_LABELS: Record<LogbookResult, string> = {
  complete: 'Phát đủ',
  partial: 'Phát không đủ',
  failed: 'Lỗi',
  missed: 'Không phát',
};

export const SOURCE_LABELS: Record<string, string> = {
  relay: 'Tiếp sóng đài cấp trên',
  local: 'Chương trình của xã',
  emergency: 'Khẩn cấp',
};
