import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, MoreThanOrEqual } from 'typeorm';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { DeadAirEvent } from '../playback/dead-air-event.entity';
import { Programme } from '../programmes/programme.entity';
import { Airing, Slot } from '../schedule/slot.entity';
import { StationAgentState } from '../stations/station-agent-state.entity';
import { Station } from '../stations/station.entity';

export type StationRow = Pick<Station, 'id' | 'name' | 'unitId' | 'lastSeenAt'>;
export type LineRow = Pick<LogbookLine, 'stationId' | 'occurrenceId' | 'revision' | 'result' | 'reason' | 'detail' | 'createdAt' | 'airVerdict'>;

/** An approved airing with its programme's title; the instant as an ISO string. */
export interface AiringRow {
  stationId: string;
  occurrenceId: string;
  startAt: string;
  durationMs: number;
  title: string;
}

/** What the alert rules read from the database; `stationIds` narrows each read, absent for every station. */
@Injectable()
export class AlertFactsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  stations(stationIds?: readonly string[]): Promise<StationRow[]> {
    const where = stationIds ? { id: In([...stationIds]) } : {};
    return this.db.getRepository(Station).find({ where, select: { id: true, name: true, unitId: true, lastSeenAt: true } });
  }

  agentStates(stationIds?: readonly string[]): Promise<StationAgentState[]> {
    return this.db.getRepository(StationAgentState).find({ where: stationIds ? { stationId: In([...stationIds]) } : {} });
  }

  /** Dead air not cleared yet. */
  openDeadAir(stationIds?: readonly string[]): Promise<DeadAirEvent[]> {
    return this.db.getRepository(DeadAirEvent).find({ where: { clearedAt: IsNull(), ...(stationIds ? { stationId: In([...stationIds]) } : {}) } });
  }

  /** Approved airings starting within [since, until]. */
  async approvedAirings(since: string, until: string, stationIds?: readonly string[]): Promise<AiringRow[]> {
    const q = this.db
      .createQueryBuilder(Airing, 'a')
      .innerJoin(Slot, 's', 's.id = a.slotId')
      .innerJoin(Programme, 'p', 'p.id = s.programmeId')
      .select('a.stationId', 'stationId')
      .addSelect('a.occurrenceId', 'occurrenceId')
      .addSelect('a.startAt', 'startAt')
      .addSelect('a.durationMs', 'durationMs')
      .addSelect('p.title', 'title')
      .where('a.startAt >= :since AND a.startAt <= :until', { since, until })
      .andWhere('s.status = :approved', { approved: 'approved' });
    if (stationIds) q.andWhere('a.stationId IN (:...stationIds)', { stationIds: stationIds.length ? [...stationIds] : [''] });
    const rows = await q.getRawMany<{ stationId: string; occurrenceId: string; startAt: string | Date; durationMs: number | string; title: string }>();
    // PostgreSQL hands instants back as Date and bigints as strings; SQLite as it stored them.
    return rows.map((r) => ({ ...r, startAt: r.startAt instanceof Date ? r.startAt.toISOString() : r.startAt, durationMs: Number(r.durationMs) }));
  }

  /** Logbook lines planned since `since`, every revision, lowest revision first. */
  linesSince(since: string, stationIds?: readonly string[]): Promise<LineRow[]> {
    const where = { plannedStart: MoreThanOrEqual(since), ...(stationIds ? { stationId: In([...stationIds]) } : {}) };
    return this.db.getRepository(LogbookLine).find({
      where,
      select: { stationId: true, occurrenceId: true, revision: true, result: true, reason: true, detail: true, createdAt: true, airVerdict: true },
      order: { revision: 'ASC' },
    });
  }
}
