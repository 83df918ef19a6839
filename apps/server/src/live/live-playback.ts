import type { PlaybackEvent } from '@loa/protocol';
import type { Tx } from '../database/unit-of-work';
import { resultOf } from '../logbook/logbook-rules';
import type { LogbookWriter } from '../logbook/logbook-writer';
import { eventRow, lineDraft } from '../playback/playback-event.entity';
import type { PlaybackRepository } from '../playback/playback.repository';
import type { AiringStation } from '../playback/playback-event.entity';

/** Agents report a live round as occurrence `live:<relayId>:<round>`, with the relay id as slot id. */
export function liveOccurrenceId(relayId: string, round: number): string {
  return `live:${relayId}:${round}`;
}

export function isLiveOccurrence(occurrenceId: string): boolean {
  return occurrenceId.startsWith('live:');
}

export const LIVE_CHUYEN_MUC = { relay: 'Tiếp sóng trực tiếp', emergency: 'Thông báo khẩn cấp' } as const;

/**
 * Stores an agent's event about a live round and, for its final event, writes the station's logbook line,
 * marked as a relay or khẩn cấp. The relay must target this station and have aired that round.
 */
export async function ingestLiveEvent(
  m: Tx,
  events: PlaybackRepository,
  station: AiringStation,
  event: PlaybackEvent,
  now: string,
  logbook: LogbookWriter,
): Promise<string | null> {
  const relay = await events.liveRelayFor(m, event.slotId, station.id);
  if (!relay) return 'live relay is not targeted at this station';
  const round = /^live:[^:]+:(\d+)$/.exec(event.occurrenceId);
  if (!round || liveOccurrenceId(relay.id, Number(round[1])) !== event.occurrenceId || Number(round[1]) > Math.max(1, relay.roundsAired)) {
    return 'occurrence does not match the live relay';
  }
  await events.insertEvent(m, eventRow(station.id, event, now));
  // A live round has no planned length: what the agent played is the measure.
  const planned = event.playedMs ?? 0;
  const result = resultOf(event, planned);
  if (!result) return null;
  // One line per station and round, written through the chained logbook like every other line.
  if (await events.latestLine(m, station.id, event.occurrenceId)) return null;
  await logbook.appendUnwritten(m, [
    lineDraft(
      station,
      event,
      {
        slotId: relay.id,
        programmeId: relay.programmeId ?? relay.id,
        programmeTitle: relay.title,
        chuyenMuc: LIVE_CHUYEN_MUC[relay.kind],
        topic: null,
        source: relay.kind === 'emergency' ? 'emergency' : 'relay',
        priority: relay.priority,
        plannedStart: event.plannedAt,
        plannedDurationMs: planned,
      },
      result,
      now,
    ),
  ]);
  return null;
}
