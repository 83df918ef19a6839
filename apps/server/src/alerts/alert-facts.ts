import { Injectable } from '@nestjs/common';
import type { LogbookResult } from '@loa/api-types';
import { AgentGateway } from '../agents/agent.gateway';
import { LiveAudience } from '../live/live-audience';
import { AlertFactsRepository } from './alert-facts.repository';
import type { AiringFacts, AlertFacts, AlertSettings, StationFacts } from './alert-rules';
import { fromInstant, toInstant } from '@loa/protocol';

const later = (a: string | null, b: number | undefined): number | null => {
  const fromDb = a === null ? null : fromInstant(a);
  if (b === undefined) return fromDb;
  return fromDb === null ? b : Math.max(fromDb, b);
};

/** Dead air as the connection reports it now, or as the last report left it stored (another instance's agent). */
function deadAirOf(d: { since: string; occurrenceId: string; live: boolean } | null): StationFacts['deadAir'] {
  return d ? { since: fromInstant(d.since), occurrenceId: d.occurrenceId, live: d.live } : null;
}

/**
 * Reads what the alert rules judge: every station with its connection, last contact and the box's own
 * report (fresh from the connection when the agent is connected here, else as last stored), the approved
 * airings from the look-back to the cache lead with their logbook lines, and who carries the live relays.
 */
@Injectable()
export class AlertFactsReader {
  constructor(
    private readonly db: AlertFactsRepository,
    private readonly gateway: AgentGateway,
    private readonly live: LiveAudience,
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
    const rows = await this.db.stations(ids);
    const states = new Map((await this.db.agentStates(ids)).map((s) => [s.stationId, s]));
    const openDeadAir = new Map((await this.db.openDeadAir(ids)).map((d) => [d.stationId, d]));
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
        lastSeenAt: link ? fromInstant(link.lastFrameAt) : later(s.lastSeenAt, departed.get(s.id)),
        health: this.gateway.healthOf(s.id) ?? state?.health ?? null,
        output: link?.status ? (link.status.output ?? null) : (state?.output ?? null),
        deadAir: deadAirOf(link?.status ? (link.status.capture?.deadAir ?? null) : (openDeadAir.get(s.id) ?? null)),
      };
    });
  }

  private async airings(since: number, until: number, stationIds?: readonly string[]): Promise<AiringFacts[]> {
    const rows = await this.db.approvedAirings(toInstant(since), toInstant(until), stationIds);
    const lines = await this.lines(toInstant(since), stationIds);
    return rows.map((r) => {
      return {
        stationId: r.stationId,
        occurrenceId: r.occurrenceId,
        title: r.title,
        startAt: fromInstant(r.startAt),
        durationMs: r.durationMs,
        line: lines.get(`${r.stationId} ${r.occurrenceId}`) ?? null,
      };
    });
  }

  /** The latest revision of each logbook line planned since `since`. */
  private async lines(since: string, stationIds?: readonly string[]) {
    const rows = await this.db.linesSince(since, stationIds);
    const out = new Map<string, { result: LogbookResult; reason: string | null; detail: string | null; createdAt: number; airVerdict: string | null }>();
    for (const l of rows) out.set(`${l.stationId} ${l.occurrenceId}`, { result: l.result, reason: l.reason, detail: l.detail, createdAt: fromInstant(l.createdAt), airVerdict: l.airVerdict ?? null });
    return out;
  }
}
