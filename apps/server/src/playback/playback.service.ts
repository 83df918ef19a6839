import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { PlaybackEvent } from '@loa/protocol';
import { Clock } from '../common/clock';
import { ingestLiveEvent, isLiveOccurrence } from '../live/live-playback';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { resultOf } from '../logbook/logbook-rules';
import { LineDraft, LogbookWriter } from '../logbook/logbook-writer';
import { Topic } from '../programmes/chuyen-muc.entity';
import { ScheduleService } from '../schedule/schedule.service';
import { Station } from '../stations/station.entity';
import { eventRow, lineDraft, PlaybackEventRow } from './playback-event.entity';

export interface IngestResult {
  /** Stored now or before: the agent may forget these. */
  acked: string[];
  /** Refused for good (not this station's slot): acknowledged too, so the agent stops resending. */
  rejected: { id: string; why: string }[];
}

/**
 * Takes playback events from agents. Each event is stored once by its id; the final event of an
 * occurrence writes that station's logbook line, once, in the same transaction, linked into the
 * station's hash chain.
 */
@Injectable()
export class PlaybackService {
  private readonly log = new Logger('Playback');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly schedule: ScheduleService,
    private readonly logbook: LogbookWriter,
  ) {}

  async ingest(stationId: string, events: readonly PlaybackEvent[]): Promise<IngestResult> {
    const result: IngestResult = { acked: [], rejected: [] };
    await this.db.transaction(async (m) => {
      const station = await m.findOneByOrFail(Station, { id: stationId });
      // A reconnecting agent sends its whole outbox at once: its lines are chained in one append.
      const lines: LineDraft[] = [];
      for (const event of events) {
        const why = await this.ingestOne(m, station, event, lines);
        if (why) result.rejected.push({ id: event.id, why });
        result.acked.push(event.id);
      }
      if (lines.length) await this.logbook.append(m, lines);
    });
    for (const r of result.rejected) this.log.warn(`station ${stationId}: event ${r.id} refused: ${r.why}`);
    return result;
  }

  /** Stores one event; where it is an airing's final event, adds that airing's line to `lines`. */
  private async ingestOne(m: EntityManager, station: Station, event: PlaybackEvent, lines: LineDraft[]): Promise<string | null> {
    if (await m.existsBy(PlaybackEventRow, { id: event.id })) return null;
    // Live relays and emergencies are not slots: they are checked against the relay's targets instead.
    if (isLiveOccurrence(event.occurrenceId)) {
      // The live path appends its own line: what this batch has gathered goes into the chain first.
      if (lines.length) await this.logbook.append(m, lines.splice(0));
      return ingestLiveEvent(m, station, event, this.clock.nowInstant(), this.logbook);
    }

    // A recurring slot has many airings: the occurrence (slot + instant) must be one of them on this station.
    const found = await this.schedule.occurrence(station.id, event.slotId, event.occurrenceId, m);
    if (!found) return 'occurrence is not scheduled on this station';
    const { slot } = found;

    const now = this.clock.nowInstant();
    await m.insert(PlaybackEventRow, eventRow(station.id, event, now));

    const result = resultOf(event, slot.durationMs);
    if (!result) return null;
    const programme = found.programme;
    // One line per station and occurrence: a second final event for the same airing adds nothing.
    if (lines.some((l) => l.occurrenceId === event.occurrenceId)) return null;
    if (await m.existsBy(LogbookLine, { stationId: station.id, occurrenceId: event.occurrenceId, revision: 0 })) return null;
    const topic = programme.topicId ? ((await m.findOneBy(Topic, { id: programme.topicId }))?.name ?? null) : null;
    lines.push(
      lineDraft(
        station,
        event,
        {
          slotId: slot.id,
          programmeId: programme.id,
          programmeTitle: programme.title,
          chuyenMuc: programme.chuyenMuc,
          topic,
          source: slot.source,
          priority: slot.priority,
          plannedStart: found.startAt,
          plannedDurationMs: slot.durationMs,
        },
        result,
        now,
      ),
    );
    return null;
  }
}
