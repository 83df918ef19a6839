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
import { instantOfOccurrence, occurrenceIdOf } from '../schedule/snapshot';
import { LoaError } from '../common/errors';
import { DeadAirEvent } from './dead-air-event.entity';
import { ingestLocalEvent, isLocalOccurrence } from './local-airing';
import { eventRow, lineDraft, type AiringStation, type PlaybackEventRow } from './playback-event.entity';
import { PlaybackRepository, type AiringFacts, type AiringKey, type LatestLine } from './playback.repository';

export interface IngestResult {
  /** Stored now or before: the agent may forget these. */
  acked: string[];
  /** Refused for good (not this station's slot): acknowledged too, so the agent stops resending. */
  rejected: { id: string; why: string }[];
}

/**
 * At most this many agents' event batches are committed in one transaction… On PostgreSQL a transaction
 * costs a fixed few round trips however many agents it serves, and on a busy instance each round trip
 * waits for its turn of the event loop: a thousand stations reporting one beat go in one transaction,
 * not ten one after another.
 */
const INGEST_BATCH = { sqlite: 100, postgres: 1000 } as const;
/**
 * …holding at most this many events. Each transaction reads and writes its events with a few statements
 * for the whole batch; on SQLite, better-sqlite3 holds the event loop while they run, so live audio waits
 * behind them: fewer events there keep that wait short. PostgreSQL's queries leave the loop free.
 */
const INGEST_EVENTS = { sqlite: 200, postgres: 1000 } as const;

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
   * a bounded number of agents (INGEST_BATCH) and events (INGEST_EVENTS) per transaction, with the event loop free
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
        const taken = this.take();
        try {
          const results = await this.tx.run((m) => this.ingestJobs(m, taken));
          taken.forEach((job, i) => this.settle(job, results[i]));
        } catch {
          // One agent's bad batch must not fail the others: each goes again in a transaction of its own.
          for (const job of taken) {
            try {
              this.settle(job, (await this.tx.run((m) => this.ingestJobs(m, [job])))[0]);
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

  /** The jobs for the next transaction: the first always, then as many as the bounds allow. */
  private take(): IngestJob[] {
    const cap = INGEST_EVENTS[this.tx.engine];
    const agents = INGEST_BATCH[this.tx.engine];
    let events = this.waiting[0].events.length;
    let n = 1;
    while (n < this.waiting.length && n < agents && events + this.waiting[n].events.length <= cap) events += this.waiting[n++].events.length;
    return this.waiting.splice(0, n);
  }

  private settle(job: IngestJob, result: IngestResult): void {
    for (const r of result.rejected) this.log.warn(`station ${job.stationId}: event ${r.id} refused: ${r.why}`);
    job.resolve(result);
  }

  /**
   * Stores the events of several agents in the caller's transaction with a fixed number of statements,
   * however many events there are: the airings they name (with station, programme and newest line) are
   * read at once, the new events inserted at once (a resend is skipped by the database), and the lines of
   * every station chained in one append. Only live, local and unmaterialised airings are read one by one.
   */
  private async ingestJobs(m: Tx, jobs: readonly IngestJob[]): Promise<IngestResult[]> {
    const now = this.clock.nowInstant();
    const results = jobs.map((): IngestResult => ({ acked: [], rejected: [] }));
    const seen = new Set<string>();
    /** Per job, per event: what to do with it; null for a repeat within this batch. */
    const plans: (Plan | null)[][] = [];
    const keys: AiringKey[] = [];
    const others: string[] = [];
    for (const job of jobs) {
      const plan: (Plan | null)[] = [];
      for (const event of job.events) {
        if (seen.has(event.id)) {
          plan.push(null);
          continue;
        }
        seen.add(event.id);
        if (isLiveOccurrence(event.occurrenceId) || isLocalOccurrence(event.occurrenceId)) {
          others.push(event.id);
          plan.push({ kind: 'other', event });
        } else if (!occurrenceMatches(event)) {
          plan.push({ kind: 'refused', event, why: NOT_SCHEDULED });
        } else {
          keys.push({ stationId: job.stationId, occurrenceId: event.occurrenceId, slotId: event.slotId });
          plan.push({ kind: 'slot', event });
        }
      }
      plans.push(plan);
    }

    const facts = new Map<string, AiringFacts>();
    for (const f of await this.events.airingFacts(m, keys)) facts.set(airingKey(f.stationId, f.occurrenceId, f.slotId), f);
    const stations = new Map<string, AiringStation>();
    for (const f of facts.values()) stations.set(f.stationId, f.station);

    // Airings not materialised (older than what is kept, or of a slot edited since) are checked against the
    // rule itself, one by one; the stations they need, and live or local ones need, are read at once.
    const needStation = new Set<string>();
    jobs.forEach((job, j) => {
      for (const plan of plans[j]) {
        if (plan?.kind === 'other' || (plan?.kind === 'slot' && !facts.has(airingKey(job.stationId, plan.event.occurrenceId, plan.event.slotId)))) needStation.add(job.stationId);
      }
    });
    for (const s of await this.events.stations(m, [...needStation].filter((id) => !stations.has(id)))) stations.set(s.id, s);
    for (const id of needStation) if (!stations.has(id)) throw new LoaError('not_found', 'Không tìm thấy trạm này.');

    // Which slot events are fit to store, with what the airing is.
    const slotRows: PlaybackEventRow[] = [];
    for (let j = 0; j < jobs.length; j++) {
      const stationId = jobs[j].stationId;
      for (const plan of plans[j]) {
        if (plan?.kind !== 'slot') continue;
        const { event } = plan;
        let airing = facts.get(airingKey(stationId, event.occurrenceId, event.slotId)) ?? null;
        if (!airing) airing = await this.unmaterialised(m, stations.get(stationId)!, event);
        const why = !airing || airing.slot.status === 'draft' || airing.slot.status === 'rejected' ? NOT_SCHEDULED : stationDeclineRefused(event, airing.slot.priority);
        if (why) {
          Object.assign(plan, { kind: 'refused', why });
          continue;
        }
        plan.airing = airing!;
        slotRows.push(eventRow(stationId, event, now));
      }
    }
    const othersStored = await this.events.storedIds(m, others);
    const fresh = await this.events.insertEvents(m, slotRows);

    // In each agent's order: lines for final events, live and local events in between.
    const lines: LineDraft[] = [];
    const clusterDrafts: { draft: LineDraft; stationId: string; ids: string[] }[] = [];
    for (let j = 0; j < jobs.length; j++) {
      const result = results[j];
      for (let i = 0; i < jobs[j].events.length; i++) {
        const event = jobs[j].events[i];
        const plan = plans[j][i];
        result.acked.push(event.id);
        if (!plan) continue;
        if (plan.kind === 'refused') {
          result.rejected.push({ id: event.id, why: plan.why });
          continue;
        }
        if (plan.kind === 'other') {
          if (othersStored.has(event.id)) continue;
          const station = stations.get(jobs[j].stationId)!;
          // The live and local paths append their own line: what this batch has gathered goes into the chain first.
          if (lines.length) await this.appendLines(m, lines.splice(0));
          const why = isLiveOccurrence(event.occurrenceId)
            ? await ingestLiveEvent(m, this.events, station, event, now, this.logbook)
            : await ingestLocalEvent(m, this.events, station, event, now, this.logbook);
          if (why) result.rejected.push({ id: event.id, why });
          continue;
        }
        if (!fresh.has(event.id)) continue;
        const draft = this.draftOf(plan.airing!, event, lines, now);
        if (!draft) continue;
        if (plan.airing!.clusterIds?.length) clusterDrafts.push({ draft, stationId: jobs[j].stationId, ids: plan.airing!.clusterIds });
        lines.push(draft);
      }
    }
    if (clusterDrafts.length) {
      const names = await this.events.clusterNamesById(m, clusterDrafts.flatMap((c) => c.ids));
      for (const { draft, stationId, ids } of clusterDrafts) {
        draft.speakerClusters = ids.map((id) => { const c = names.get(id); return c && c.stationId === stationId ? c.name : id; }).join(', ').slice(0, 500);
      }
    }
    if (lines.length) await this.appendLines(m, lines);
    return results;
  }

  /**
   * Appends the batch's lines. One whose airing got its line from another writer after this batch read it
   * (another instance took a different final event of the same airing first) is left out: its event is
   * stored and acknowledged all the same, and the rest of the batch goes on. Only when that other line is
   * the server's "không phát" does the report still correct it, as it would have had it come later.
   */
  private async appendLines(m: Tx, lines: readonly LineDraft[]): Promise<void> {
    const left = await this.logbook.appendUnwritten(m, lines);
    const corrections: LineDraft[] = [];
    for (const draft of left) {
      const amends = amendsServerMiss(await this.events.latestLine(m, draft.stationId, draft.occurrenceId), draft.result, draft.reason ?? undefined);
      if (amends && amends !== 'written') corrections.push({ ...draft, ...amends });
      else this.log.log(`station ${draft.stationId}: airing ${draft.occurrenceId} has its line already; the later final event is kept as an event only`);
    }
    if (corrections.length) await this.logbook.append(m, corrections);
  }

  /** An airing no longer (or not yet) materialised, as the schedule's rule has it; null if it is not the station's. */
  private async unmaterialised(m: Tx, station: AiringStation, event: PlaybackEvent): Promise<AiringFacts | null> {
    const found = await this.schedule.occurrence(station.id, event.slotId, event.occurrenceId, m);
    if (!found) return null;
    const { slot, programme } = found;
    return {
      stationId: station.id,
      occurrenceId: event.occurrenceId,
      slotId: slot.id,
      station,
      slot,
      programme,
      topic: programme.topicId ? await this.events.topicName(m, programme.topicId) : null,
      // Speaker clusters are named by the materialised airing only.
      clusterIds: null,
      latest: resultOf(event, slot.durationMs) ? await this.events.latestLine(m, station.id, event.occurrenceId) : null,
    };
  }

  /** The line a freshly stored event writes for its airing, or null when the airing has (or gets) its line otherwise. */
  private draftOf(airing: AiringFacts, event: PlaybackEvent, lines: readonly LineDraft[], now: string): LineDraft | null {
    const { slot, programme } = airing;
    const result = resultOf(event, slot.durationMs);
    if (!result) return null;
    // One line per station and occurrence: a second final event for the same airing adds nothing.
    if (lines.some((l) => l.stationId === airing.stationId && l.occurrenceId === event.occurrenceId)) return null;
    const amends = amendsServerMiss(airing.latest, result, event.reason);
    if (amends === 'written') return null;
    const draft = lineDraft(
      airing.station,
      event,
      {
        slotId: slot.id,
        programmeId: programme.id,
        programmeTitle: programme.title,
        chuyenMuc: programme.chuyenMuc,
        topic: airing.topic,
        source: slot.source,
        priority: slot.priority,
        plannedStart: instantOfOccurrence(event.occurrenceId)!,
        plannedDurationMs: slot.durationMs,
      },
      result,
      now,
    );
    // An agent names the version it played only when it is not the programme's own Vietnamese audio.
    draft.language ??= MAIN_LANGUAGE;
    if (amends) Object.assign(draft, amends);
    return draft;
  }
}

const NOT_SCHEDULED = 'occurrence is not scheduled on this station';

/** What a batch does with one event: store it against a slot's airing, hand it to the live or local path, or refuse it. */
type Plan =
  | { kind: 'slot'; event: PlaybackEvent; airing?: AiringFacts }
  | { kind: 'other'; event: PlaybackEvent }
  | { kind: 'refused'; event: PlaybackEvent; why: string };

function airingKey(stationId: string, occurrenceId: string, slotId: string): string {
  return `${stationId}\u0000${occurrenceId}\u0000${slotId}`;
}

/** Whether the occurrence id names an instant of the event's slot, as the schedule forms it. */
function occurrenceMatches(event: PlaybackEvent): boolean {
  const at = instantOfOccurrence(event.occurrenceId);
  return at !== null && occurrenceIdOf(event.slotId, at) === event.occurrenceId;
}

/**
 * Whether the airing has its line already. A station that was only cut off (not dead) reports what it
 * played when it is back, after the server wrote "không phát" for its silence: that truth is appended
 * as a correction of the server's line, once. A report that it did not air (the agent's own miss) is not.
 */
function amendsServerMiss(latest: LatestLine | null, result: LogbookResult, reason?: string): 'written' | null | Pick<LineDraft, 'revision' | 'amendsLineId' | 'correctionReason'> {
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
