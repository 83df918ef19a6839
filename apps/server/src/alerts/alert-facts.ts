import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, MoreThanOrEqual } from 'typeorm';
import type { LogbookResult } from '@loa/api-types';
import { AgentGateway } from '../agents/agent.gateway';
import { LiveService } from '../live/live.service';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { DeadAirEvent } from '../playback/dead-air-event.entity';
import { Programme } from '../programmes/programme.entity';
import { Airing, Slot } from '../schedule/slot.entity';
import { StationAgentState } from '../stations/station-agent-state.entity';
import { Station } from '../stations/station.entity';
import type { AiringFacts, AlertFacts, AlertSettings, StationFacts } from './alert-rules';

const later = (a: string | null, b: number | undefined): number | null => {
  const fromDb = a === null ? null : Date.parse(a);
  if (b === undefined) return fromDb;
  return fromDb === null ? b : Math.max(fromDb, b);
};

/** Dead air as the connection reports it now, or as the last report left it stored (another instance's agent). */
function deadAirOf(d: { since: string; occurrenceId: string; live: boolean } | null): StationFacts['deadAir'] {
  return d ? { since: Date.parse(d.since), occurrenceId: d.occurrenceId, live: d.live } : null;
}

/**
 * Reads what the alert rules judge: every station with its connection, last contact and the box's own
 * report (fresh from the connection when the agent is connected here, else as last stored), the approved
 * airings from the look-back to the cache lead with their logbook lines, and who carries the live relays.
 */
@Injectable()
export class AlertFactsReader {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly gateway: AgentGateway,
    private readonly live: LiveService,
  ) {}

  async read(now: number, settings: AlertSettings, stationIds?: readonly string[]): Promise<AlertFacts> {
    return {
      now,
      stations: await this.stations(stationIds),
      airings: await this.airings(now - settings.missLookbackMs, now + settings.cacheLeadMs, stationIds),
      relays: this.live.carriage().filter((r) => !stationIds || stationIds.includes(r.stationId)),
    };
  }

  private async stations(ids?: readonly string[]): Promise<StationFacts[]> {
    const where = ids ? { id: In([...ids]) } : {};
    const rows = await this.db.getRepository(Station).find({ where, select: { id: true, name: true, unitId: true, lastSeenAt: true } });
    const states = new Map(
      (await this.db.getRepository(StationAgentState).find({ where: ids ? { stationId: In([...ids]) } : {} })).map((s) => [s.stationId, s]),
    );
    const openDeadAir = new Map(
      (await this.db.getRepository(DeadAirEvent).find({ where: { clearedAt: IsNull(), ...(ids ? { stationId: In([...ids]) } : {}) } })).map((d) => [d.stationId, d]),
    );
    const departed = this.gateway.departures();
    const live = new Map(this.gateway.statuses().map((s) => [s.stationId, s]));
    return rows.map((s) => {
      const state = states.get(s.id);
      const link = live.get(s.id);
      return {
        stationId: s.id,
        stationName: s.name,
        unitId: s.unitId,
        connected: this.gateway.isConnected(s.id),
        lastSeenAt: link ? Date.parse(link.lastFrameAt) : later(s.lastSeenAt, departed.get(s.id)),
        health: this.gateway.healthOf(s.id) ?? state?.health ?? null,
        output: link?.status ? (link.status.output ?? null) : (state?.output ?? null),
        deadAir: deadAirOf(link?.status ? (link.status.capture?.deadAir ?? null) : (openDeadAir.get(s.id) ?? null)),
      };
    });
  }

  private async airings(since: number, until: number, stationIds?: readonly string[]): Promise<AiringFacts[]> {
    const q = this.db
      .createQueryBuilder(Airing, 'a')
      .innerJoin(Slot, 's', 's.id = a.slotId')
      .innerJoin(Programme, 'p', 'p.id = s.programmeId')
      .select('a.stationId', 'stationId')
      .addSelect('a.occurrenceId', 'occurrenceId')
      .addSelect('a.startAt', 'startAt')
      .addSelect('a.durationMs', 'durationMs')
      .addSelect('p.title', 'title')
      .where('a.startAt >= :since AND a.startAt <= :until', { since: new Date(since).toISOString(), until: new Date(until).toISOString() })
      .andWhere('s.status = :approved', { approved: 'approved' });
    if (stationIds) q.andWhere('a.stationId IN (:...stationIds)', { stationIds: stationIds.length ? [...stationIds] : [''] });
    const rows = await q.getRawMany<{ stationId: string; occurrenceId: string; startAt: string | Date; durationMs: number | string; title: string }>();
    const lines = await this.lines(new Date(since).toISOString(), stationIds);
    return rows.map((r) => {
      const startAt = r.startAt instanceof Date ? r.startAt.getTime() : Date.parse(r.startAt);
      return {
        stationId: r.stationId,
        occurrenceId: r.occurrenceId,
        title: r.title,
        startAt,
        durationMs: Number(r.durationMs),
        line: lines.get(`${r.stationId} ${r.occurrenceId}`) ?? null,
      };
    });
  }

  /** The latest revision of each logbook line planned since `since`. */
  private async lines(since: string, stationIds?: readonly string[]) {
    const where = { plannedStart: MoreThanOrEqual(since), ...(stationIds ? { stationId: In([...stationIds]) } : {}) };
    const rows = await this.db.getRepository(LogbookLine).find({
      where,
      select: { stationId: true, occurrenceId: true, revision: true, result: true, reason: true, detail: true, createdAt: true, airVerdict: true },
      order: { revision: 'ASC' },
    });
    const out = new Map<string, { result: LogbookResult; reason: string | null; detail: string | null; createdAt: number; airVerdict: string | null }>();
    for (const l of rows) out.set(`${l.stationId} ${l.occurrenceId}`, { result: l.result, reason: l.reason, detail: l.detail, createdAt: Date.parse(l.createdAt), airVerdict: l.airVerdict ?? null });
    return out;
  }
}
