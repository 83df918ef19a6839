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
      if (event.reason === 'missed' || event.reason === 'declined') return 'missed';
      if (event.reason === 'preempted') return 'interrupted';
      if (event.reason === 'interrupted' || event.reason === 'cancelled') return event.startedAt ? 'partial' : 'missed';
      return 'failed';
  }
}

/** Results that mean the programme was heard, at least in part. */
export const ON_AIR_RESULTS: readonly LogbookResult[] = ['complete', 'partial', 'interrupted'];

/** The logbook's Vietnamese words and reason sentence are shared with the console (libs/api-types). */
export { isServerMiss, REASON_LABELS, reasonText, RESULT_LABELS, SERVER_MISS_REASONS, SOURCE_LABELS } from '@loa/api-types';
export type { ServerMissReason } from '@loa/api-types';

/** Who wrote a line the system wrote itself. */
export const RECORDED_BY_SYSTEM = 'tự động';

/** Who wrote a miss the server recorded because the station stayed silent. */
export const RECORDED_BY_SERVER = 'tự động (máy chủ)';
