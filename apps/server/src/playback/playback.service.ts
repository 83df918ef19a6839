import { Injectable, Logger } from '@nestjs/common';
import type { CaptureStatus, PlaybackEvent, Priority } from '@loa/protocol';
import { MAIN_LANGUAGE } from '@loa/api-types';
import { Clock } from '../common/clock';
import { UnitOfWork, type Tx } from '../database/unit-of-work';
import { ingestLiveEvent, isLiveOccurrence } from '../live/live-playback';
import { isServerMiss, ON_AIR_RESULTS, reasonText, resultOf } from '../logbook/logbook-rules';
import type { LogbookResult } from '../logbook/logbook-line.entity';
import { LineDraft, LogbookWriter } from '../logbook/logbook-writer';
import { ScheduleQueries } from '../schedule/schedule-queries.service';
import { Station } from '../stations/station.entity';
import { DeadAirEvent } from './dead-air-event.entity';
import { ingestLocalEvent, isLocalOccurrence } from './local-airing';
import { eventRow, lineDraft } from './playback-event.entity';
import { PlaybackRepository } from './playback.repository';

export interface IngestResult {
  /** Stored now or before: the agent may forget these. */
  acked: string[];
  /** Refused for good (not this station's slot): acknowledged too, so the agent stops resending. */
  rejected: { id: string; why: string }[];
}

/** At most this many agents' event batches are committed in one transaction… */
const INGEST_BATCH = 100;
/**
 * …and on SQLite no more than fit in this many milliseconds, so live audio waits at most about that long
 * behind them: better-sqlite3 holds the event loop for the whole transaction. PostgreSQL's queries leave
 * the loop free while they run, so there the count alone bounds a transaction.
 */
const INGEST_BUDGET_MS = 10;

interface IngestJob {
  stationId: string;
  events: readonly PlaybackEvent[];
  resolve: (result: IngestResult) => void;
  reject: (error: Error) => void;
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
    private readonly tx: UnitOfWork,
    private readonly events: PlaybackRepository,
    private readonly clock: Clock,
    private readonly schedule: ScheduleQueries,
    private readonly logbook: LogbookWriter,
  ) {}

  /**
   * Records dead air from a station's status: a stretch the agent raised is opened, and closed when a later
   * status no longer carries it (sound came back, or the airing ended). A repeated status changes nothing.
   */
  async deadAirChanged(stationId: string, before: CaptureStatus['deadAir'] | undefined, after: CaptureStatus['deadAir'] | undefined): Promise<void> {
    const same = before && after && before.since === after.since && before.occurrenceId === after.occurrenceId;
    if (same || (!before && !after)) return;
    const now = this.clock.nowInstant();
    await this.events.switchDeadAir(stationId, before, after, now);
  }

  /** Dead air a station reported, newest first. */
  deadAirOf(stationId: string, limit = 50): Promise<DeadAirEvent[]> {
    return this.events.deadAirOf(stationId, limit);
  }

  /**
   * Stores one agent's events and answers once they are committed. Events that arrive in the same moment
   * from many agents (two thousand stations starting a live round on the same beat) are committed together,
   * a hundred at most per transaction (on SQLite, only as many as fit in 10 ms), with the event loop free
   * between transactions: one durable commit each, or all in one go, would hold up the live audio for seconds.
   */
  ingest(stationId: string, events: readonly PlaybackEvent[]): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ stationId, events, resolve, reject });
      if (this.waiting.length === 1 && !this.flushing) setImmediate(() => void this.flush());
    });
  }

  private readonly waiting: IngestJob[] = [];
  private flushing = false;

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length) {
        const taken: IngestJob[] = [];
        try {
          const budget = this.tx.engine === 'sqlite' ? INGEST_BUDGET_MS : Infinity;
          const results = await this.tx.run(async (m) => {
            const since = this.clock.monotonicMs();
            const out: IngestResult[] = [];
            while (this.waiting.length && taken.length < INGEST_BATCH && (taken.length === 0 || this.clock.monotonicMs() - since < budget)) {
              const job = this.waiting.shift()!;
              taken.push(job);
              out.push(await this.ingestInto(m, job.stationId, job.events));
            }
            return out;
          });
          taken.forEach((job, i) => this.settle(job, results[i]));
        } catch {
          // One agent's bad batch must not fail the others: each goes again in a transaction of its own.
          for (const job of taken) {
            try {
              this.settle(job, await this.tx.run((m) => this.ingestInto(m, job.stationId, job.events)));
            } catch (e) {
              job.reject(e as Error);
            }
          }
        }
        if (this.waiting.length) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.flushing = false;
    }
  }

  private settle(job: IngestJob, result: IngestResult): void {
    for (const r of result.rejected) this.log.warn(`station ${job.stationId}: event ${r.id} refused: ${r.why}`);
    job.resolve(result);
  }

  private async ingestInto(m: Tx, stationId: string, events: readonly PlaybackEvent[]): Promise<IngestResult> {
    const result: IngestResult = { acked: [], rejected: [] };
    const station = await this.events.station(m, stationId);
    // A reconnecting agent sends its whole outbox at once: its lines are chained in one append.
    const lines: LineDraft[] = [];
    for (const event of events) {
      const why = await this.ingestOne(m, station, event, lines);
      if (why) result.rejected.push({ id: event.id, why });
      result.acked.push(event.id);
    }
    if (lines.length) await this.logbook.append(m, lines);
    return result;
  }

  /** Stores one event; where it is an airing's final event, adds that airing's line to `lines`. */
  private async ingestOne(m: Tx, station: Station, event: PlaybackEvent, lines: LineDraft[]): Promise<string | null> {
    if (await this.events.eventStored(m, event.id)) return null;
    // Live relays and emergencies are not slots: they are checked against the relay's targets instead.
    if (isLiveOccurrence(event.occurrenceId)) {
      // The live path appends its own line: what this batch has gathered goes into the chain first.
      if (lines.length) await this.logbook.append(m, lines.splice(0));
      return ingestLiveEvent(m, this.events, station, event, this.clock.nowInstant(), this.logbook);
    }
    // What the station aired from its own console: it has no slot; the event describes it.
    if (isLocalOccurrence(event.occurrenceId)) {
      if (lines.length) await this.logbook.append(m, lines.splice(0));
      return ingestLocalEvent(m, this.events, station, event, this.clock.nowInstant(), this.logbook);
    }

    // A recurring slot has many airings: the occurrence (slot + instant) must be one of them on this station.
    const found = await this.schedule.occurrence(station.id, event.slotId, event.occurrenceId, m);
    if (!found) return 'occurrence is not scheduled on this station';
    const { slot } = found;
    const refused = stationDeclineRefused(event, slot.priority);
    if (refused) return refused;

    const now = this.clock.nowInstant();
    await this.events.insertEvent(m, eventRow(station.id, event, now));

    const result = resultOf(event, slot.durationMs);
    if (!result) return null;
    const programme = found.programme;
    // One line per station and occurrence: a second final event for the same airing adds nothing.
    if (lines.some((l) => l.occurrenceId === event.occurrenceId)) return null;
    const amends = await this.amendsServerMiss(m, station.id, event.occurrenceId, result, event.reason);
    if (amends === 'written') return null;
    const topic = programme.topicId ? await this.events.topicName(m, programme.topicId) : null;
    const draft = lineDraft(
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
    );
    draft.speakerClusters = await this.events.clusterNames(m, station.id, event.occurrenceId, slot.id);
    // An agent names the version it played only when it is not the programme's own Vietnamese audio.
    draft.language ??= MAIN_LANGUAGE;
    if (amends) Object.assign(draft, amends);
    lines.push(draft);
    return null;
  }

  /**
   * Whether the airing has its line already. A station that was only cut off (not dead) reports what it
   * played when it is back, after the server wrote "không phát" for its silence: that truth is appended
   * as a correction of the server's line, once. A report that it did not air (the agent's own miss) is not.
   */
  private async amendsServerMiss(m: Tx, stationId: string, occurrenceId: string, result: LogbookResult, reason?: string): Promise<'written' | null | Pick<LineDraft, 'revision' | 'amendsLineId' | 'correctionReason'>> {
    const latest = await this.events.latestLine(m, stationId, occurrenceId);
    if (!latest) return null;
    // Only a report that the programme went on air, or that the commune declined it while cut off, changes
    // the server's "không phát"; one more "did not air" adds nothing.
    const declined = result === 'missed' && reason === 'declined' && latest.reason !== 'declined';
    if (latest.revision !== 0 || !isServerMiss(latest) || !(ON_AIR_RESULTS.includes(result) || declined)) return 'written';
    if (declined) {
      return { revision: 1, amendsLineId: latest.id, correctionReason: 'Trạm báo muộn rằng xã đã từ chối phát chương trình này tại máy trạm khi mất kết nối' };
    }
    return {
      revision: 1,
      amendsLineId: latest.id,
      correctionReason: `Trạm báo muộn kết quả thật của buổi phát; máy chủ đã ghi "không phát" khi trạm im lặng (${latest.detail ?? reasonText(latest.reason, null)})`.slice(0, 500),
    };
  }
}

/**
 * TT39 leaves only normal items to the commune: a station may report it declined one (from its own
 * console), never a priority or emergency item, and never one it had started.
 */
export function stationDeclineRefused(event: PlaybackEvent, priority: Priority): string | null {
  if (event.reason !== 'declined') return null;
  if (event.kind !== 'failed' || event.startedAt) return 'a declined airing is a failed event that never started';
  if (priority !== 'normal') return `a ${priority} item cannot be declined at the station`;
  return null;
}
