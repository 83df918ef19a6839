import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { schedule, type ScheduledTask } from 'node-cron';
import { Clock } from '../common/clock';
import { UnitOfWork } from '../database/unit-of-work';
import { AppConfig } from '../config/app-config';
import { Leadership } from '../leadership/leadership';
import { occurrenceIdOf } from '../schedule/snapshot';
import type { Station } from '../stations/station.entity';
import { LocalTime } from './local-time';
import { RECORDED_BY_SERVER, type ServerMissReason } from './logbook-rules';
import { LineDraft, LogbookWriter } from './logbook-writer';
import { MissesRepository, type DueAiring } from './misses.repository';
import { fromInstant, toInstant } from '@loa/protocol';

/**
 * How far back the sweep looks: a server that was itself down this long still writes what it owes. Each
 * minute's sweep reads this much of the look-ahead (by the index on the airing's start), so it stays short.
 */
const LOOKBACK_MS = 2 * 86_400_000;
/** An agent reports its status every 15 s: silent for longer than this before the slot, it was gone. */
const OFFLINE_AFTER_MS = 60_000;
/** Lines per transaction: the sweep after an outage must not hold the single writer for long. */
const WRITE_CHUNK = 200;

/** What the server knows of a station when it judges why an airing went unreported. */
export interface StationFacts {
  lastSeenAt: string | null;
  /** The version of the schedule the server has for the station. */
  scheduleVersion: number;
  /** What the agent last said it holds; undefined when it never reported its status. */
  agentScheduleVersion?: number | null;
  missingFiles?: number | null;
}

/**
 * Why a station stayed silent about an airing it was due to play, in the order the causes exclude each
 * other: a box that was gone could not have played; one that was there but held an older schedule did
 * not know of it; one that knew of it but lacked the file could not play it.
 */
export function missReason(plannedStart: string, facts: StationFacts, local: LocalTime): { reason: ServerMissReason; detail: string } {
  const seen = facts.lastSeenAt === null ? null : fromInstant(facts.lastSeenAt);
  if (seen === null) return { reason: 'station_offline', detail: 'Trạm mất kết nối: phần mềm trạm chưa từng kết nối với máy chủ' };
  if (seen < fromInstant(plannedStart) - OFFLINE_AFTER_MS) {
    return { reason: 'station_offline', detail: `Trạm mất kết nối: lần cuối liên lạc lúc ${local.dateTime(facts.lastSeenAt!)}` };
  }
  if (facts.agentScheduleVersion === undefined || facts.agentScheduleVersion === null || facts.agentScheduleVersion < facts.scheduleVersion) {
    const held = facts.agentScheduleVersion === undefined || facts.agentScheduleVersion === null ? 'chưa có lịch nào' : `giữ lịch phiên bản ${facts.agentScheduleVersion}`;
    return { reason: 'schedule_not_received', detail: `Trạm chưa nhận lịch: trạm ${held}, máy chủ đã có phiên bản ${facts.scheduleVersion}` };
  }
  if (facts.missingFiles) return { reason: 'media_not_cached', detail: `Trạm chưa tải tệp: trạm báo còn thiếu ${facts.missingFiles} tệp âm thanh` };
  return { reason: 'not_reported', detail: 'Trạm vẫn liên lạc với máy chủ nhưng không báo kết quả buổi phát' };
}

/**
 * Writes "không phát" for every airing due on a station that has no logbook line by its planned end plus
 * the grace, with the reason the server knows. A station that later reports it did play gets the truth
 * as a correction (see PlaybackService). The sweep reads what is owed afresh each time and re-checks each
 * airing inside the transaction that writes it, so it is idempotent and safe to run again or elsewhere.
 */
@Injectable()
export class MissSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('MissSweeper');
  private readonly local: LocalTime;
  private task: ScheduledTask | null = null;

  constructor(
    private readonly db: MissesRepository,
    private readonly tx: UnitOfWork,
    private readonly writer: LogbookWriter,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly leadership: Leadership,
  ) {
    this.local = new LocalTime(config.timezone);
  }

  onApplicationBootstrap(): void {
    this.task = schedule('* * * * *', () => this.run(), { name: 'logbook-miss-sweep', noOverlap: true });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  private async run(): Promise<void> {
    // Idempotent anyway, but one instance sweeping spares the others the reads.
    if (!this.leadership.isLeader()) return;
    try {
      const n = await this.sweepMisses(this.clock.now());
      if (n) this.log.log(`${n} unreported airing(s) logged as not played`);
    } catch (err) {
      // Retried on the next minute; a failed sweep must not stop the server.
      this.log.error(`miss sweep failed: ${(err as Error).message}`);
    }
  }

  /** Writes the misses owed at `now` (epoch ms); returns how many lines it wrote. */
  async sweepMisses(now: number): Promise<number> {
    const graceMs = this.config.missGraceMs;
    const since = toInstant(now - LOOKBACK_MS);
    const until = toInstant(now - graceMs);
    const due = (await this.db.dueAirings(since, until)).filter((a) => fromInstant(a.startAt) + a.durationMs + graceMs <= now);
    const playing = await this.stillPlaying(due, now, graceMs);
    const silent = due.filter((a) => !playing.has(`${a.stationId} ${a.occurrenceId}`));
    const facts = await this.stationFacts([...new Set(silent.map((a) => a.stationId))]);
    const createdAt = toInstant(now);
    const drafts: LineDraft[] = [];
    for (const a of silent) {
      const station = facts.get(a.stationId);
      if (!station) continue;
      drafts.push(missDraft(station, a, missReason(a.startAt, station, this.local), createdAt));
    }
    for (const d of await this.declined(since, until, now, graceMs)) {
      const station = facts.get(d.airing.stationId) ?? (await this.stationFacts([d.airing.stationId])).get(d.airing.stationId);
      if (!station) continue;
      drafts.push(missDraft(station, d.airing, { reason: 'declined', detail: `Trạm xã từ chối phát (${d.by}, lúc ${this.local.dateTime(d.at)})${d.reason ? `: ${d.reason}` : ''}` }, createdAt));
    }
    let written = 0;
    for (let i = 0; i < drafts.length; i += WRITE_CHUNK) {
      written += await this.tx.run(async (m) => {
        const owed: LineDraft[] = [];
        for (const d of drafts.slice(i, i + WRITE_CHUNK)) {
          // The agent's own report may have landed since the airings were read.
          if (!(await this.db.hasLine(d.stationId, d.occurrenceId, m))) owed.push(d);
        }
        if (owed.length) await this.writer.append(m, owed);
        return owed.length;
      });
    }
    return written;
  }

  /** Airings an agent said it started that could still be on air (a soft start waits for what plays). */
  private async stillPlaying(due: readonly DueAiring[], now: number, graceMs: number): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < due.length; i += 500) {
      const chunk = due.slice(i, i + 500);
      const started = await this.db.starts(chunk.map((a) => a.occurrenceId));
      const byKey = new Map(chunk.map((a) => [`${a.stationId} ${a.occurrenceId}`, a]));
      for (const e of started) {
        const key = `${e.stationId} ${e.occurrenceId}`;
        const a = byKey.get(key);
        if (a && e.startedAt && fromInstant(e.startedAt) + a.durationMs + graceMs > now) out.add(key);
      }
    }
    return out;
  }

  /** Normal airings a commune operator declined on its own station (TT39: the commune decides on those). */
  private async declined(since: string, until: string, now: number, graceMs: number) {
    const rows = await this.db.declinedByOperators(since, until);
    const out: { airing: DueAiring; at: string; by: string; reason: string | null }[] = [];
    for (const r of rows) {
      const durationMs = r.durationMs;
      if (fromInstant(r.occurrenceAt) + durationMs + graceMs > now) continue;
      const occurrenceId = occurrenceIdOf(r.slotId, r.occurrenceAt);
      if (await this.db.hasLine(r.stationId, occurrenceId)) continue;
      out.push({
        airing: {
          stationId: r.stationId,
          occurrenceId,
          slotId: r.slotId,
          startAt: r.occurrenceAt,
          durationMs,
          priority: r.priority,
          source: r.source,
          programmeId: r.programmeId,
          programmeTitle: r.programmeTitle,
          chuyenMuc: r.chuyenMuc,
          topic: r.topic ?? null,
        },
        at: r.at,
        by: r.by,
        reason: r.reason,
      });
    }
    return out;
  }

  private async stationFacts(ids: readonly string[]): Promise<Map<string, StationFacts & Pick<Station, 'id' | 'name' | 'unitId'>>> {
    const out = new Map<string, StationFacts & Pick<Station, 'id' | 'name' | 'unitId'>>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const stations = await this.db.stations(chunk);
      const states = new Map((await this.db.agentStates(chunk)).map((s) => [s.stationId, s]));
      for (const s of stations) {
        const state = states.get(s.id);
        out.set(s.id, { ...s, agentScheduleVersion: state ? state.scheduleVersion : undefined, missingFiles: state?.missingFiles ?? null });
      }
    }
    return out;
  }
}

function missDraft(station: Pick<Station, 'id' | 'name' | 'unitId'>, a: DueAiring, why: { reason: ServerMissReason; detail: string }, createdAt: string): LineDraft {
  return {
    stationId: station.id,
    stationName: station.name,
    unitId: station.unitId,
    occurrenceId: a.occurrenceId,
    slotId: a.slotId,
    programmeId: a.programmeId,
    programmeTitle: a.programmeTitle,
    chuyenMuc: a.chuyenMuc,
    topic: a.topic,
    speakerClusters: null,
    source: a.source,
    priority: a.priority,
    plannedStart: a.startAt,
    actualStart: null,
    endedAt: null,
    durationMs: null,
    plannedDurationMs: a.durationMs,
    startErrorMs: null,
    result: 'missed',
    reason: why.reason,
    detail: why.detail,
    recordedBy: RECORDED_BY_SERVER,
    createdAt,
  };
}
