import type { PlaybackEvent } from '@loa/protocol';
import type { Tx } from '../database/unit-of-work';
import { resultOf } from '../logbook/logbook-rules';
import type { LogbookWriter } from '../logbook/logbook-writer';
import type { AiringStation } from './playback-event.entity';
import { eventRow, lineDraft } from './playback-event.entity';
import type { PlaybackRepository } from './playback.repository';

/** The chuyên mục the logbook gives what a station aired from its own console. */
export const LOCAL_CHUYEN_MUC = 'Thông báo tại trạm';

export function isLocalOccurrence(occurrenceId: string): boolean {
  return occurrenceId.startsWith('local:');
}

/**
 * Stores an agent's event about an airing the station made itself and, for its final event, writes the
 * station's logbook line as the commune's own programme (or its own khẩn cấp). There is no slot to check
 * it against: the station answers for its own airings, and the event's id and the line's
 * (station, occurrence) key keep a resend from writing anything twice.
 */
export async function ingestLocalEvent(m: Tx, events: PlaybackRepository, station: AiringStation, event: PlaybackEvent, now: string, logbook: LogbookWriter): Promise<string | null> {
  // The protocol has checked the shape (local:<uuid> as occurrence and slot, with its description).
  const local = event.local;
  if (!local) return 'local airing without its description';
  await events.insertEvent(m, eventRow(station.id, event, now));
  const result = resultOf(event, local.durationMs);
  if (!result) return null;
  if (await events.latestLine(m, station.id, event.occurrenceId)) return null;
  const draft = lineDraft(
    station,
    event,
    {
      slotId: event.slotId,
      programmeId: event.occurrenceId,
      programmeTitle: local.title,
      chuyenMuc: LOCAL_CHUYEN_MUC,
      topic: null,
      source: local.priority === 'emergency' ? 'emergency' : 'local',
      priority: local.priority,
      plannedStart: event.plannedAt,
      plannedDurationMs: local.durationMs,
    },
    result,
    now,
  );
  draft.speakerClusters = local.clusterIds ? local.clusterIds.join(', ').slice(0, 500) : null;
  await logbook.appendUnwritten(m, [draft]);
  return null;
}
