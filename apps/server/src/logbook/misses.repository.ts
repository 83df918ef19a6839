import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Priority, SlotSource } from '@loa/protocol';
import { DataSource, In, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import type { Tx } from '../database/unit-of-work';
import { PlaybackEventRow } from '../playback/playback-event.entity';
import { Topic } from '../programmes/chuyen-muc.entity';
import { Programme } from '../programmes/programme.entity';
import { Airing, Slot, SlotOverride } from '../schedule/slot.entity';
import { StationAgentState } from '../stations/station-agent-state.entity';
import { Station } from '../stations/station.entity';
import { User } from '../users/user.entity';
import { LogbookLine } from './logbook-line.entity';

/** An airing due on a station, with what its logbook line would say of the programme. */
export interface DueAiring {
  stationId: string;
  occurrenceId: string;
  slotId: string;
  startAt: string;
  durationMs: number;
  priority: Priority;
  source: SlotSource;
  programmeId: string;
  programmeTitle: string;
  chuyenMuc: string;
  topic: string | null;
}

/** A normal airing a commune operator cancelled on its own station, before it is given an occurrence id. */
export type DeclinedAiring = Omit<DueAiring, 'occurrenceId' | 'startAt'> & { occurrenceAt: string; at: string; by: string; reason: string | null };

export type SweptStation = Pick<Station, 'id' | 'name' | 'unitId' | 'lastSeenAt' | 'scheduleVersion'>;

/** Joins the programme of the slot `s` and its topic, and selects what a logbook line says of the programme. */
function withProgramme<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>): SelectQueryBuilder<T> {
  return qb
    .innerJoin(Programme, 'p', 'p.id = s.programmeId')
    .leftJoin(Topic, 't', 't.id = p.topicId')
    .addSelect('p.id', 'programmeId')
    .addSelect('p.title', 'programmeTitle')
    .addSelect('p.chuyenMuc', 'chuyenMuc')
    .addSelect('t.name', 'topic');
}

/** Raw rows carry the duration as the engine gives it (a string on PostgreSQL) and a missing topic as undefined. */
function normalised<R extends Pick<DueAiring, 'durationMs' | 'topic'>>(r: R): R {
  return { ...r, durationMs: Number(r.durationMs), topic: r.topic ?? null };
}

/** What the miss sweep reads: airings owed a line, starts agents reported, declines, and the stations' state. */
@Injectable()
export class MissesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Approved airings that started in [since, until) and have no line yet. */
  async dueAirings(since: string, until: string): Promise<DueAiring[]> {
    const rows = await withProgramme(
      this.db
        .createQueryBuilder(Airing, 'a')
        .innerJoin(Slot, 's', 's.id = a.slotId')
        .select('a.stationId', 'stationId')
        .addSelect('a.occurrenceId', 'occurrenceId')
        .addSelect('a.slotId', 'slotId')
        .addSelect('a.startAt', 'startAt')
        .addSelect('a.durationMs', 'durationMs')
        .addSelect('a.priority', 'priority')
        .addSelect('a.source', 'source'),
    )
      .where('a.startAt >= :since AND a.startAt < :until', { since, until })
      .andWhere('s.status = :approved', { approved: 'approved' })
      .andWhere((qb) => {
        const sub = qb.subQuery().select('1').from(LogbookLine, 'l').where('l.stationId = a.stationId').andWhere('l.occurrenceId = a.occurrenceId').getQuery();
        return `NOT EXISTS ${sub}`;
      })
      .getRawMany<DueAiring>();
    return rows.map(normalised);
  }

  /** The `started` events agents sent for these occurrences. */
  starts(occurrenceIds: readonly string[]): Promise<Pick<PlaybackEventRow, 'stationId' | 'occurrenceId' | 'startedAt'>[]> {
    return this.db.getRepository(PlaybackEventRow).find({
      where: { occurrenceId: In([...occurrenceIds]), kind: 'started' },
      select: { stationId: true, occurrenceId: true, startedAt: true },
    });
  }

  /** Normal airings of approved slots an operator cancelled on one station, planned in [since, until). */
  async declinedByOperators(since: string, until: string): Promise<DeclinedAiring[]> {
    const rows = await withProgramme(
      this.db
        .createQueryBuilder(SlotOverride, 'o')
        .innerJoin(Slot, 's', 's.id = o.slotId')
        .innerJoin(User, 'u', 'u.id = o.createdBy')
        .select('o.stationId', 'stationId')
        .addSelect('o.occurrenceAt', 'occurrenceAt')
        .addSelect('o.createdAt', 'at')
        .addSelect('u.username', 'by')
        .addSelect('o.reason', 'reason')
        .addSelect('s.id', 'slotId')
        .addSelect('s.durationMs', 'durationMs')
        .addSelect('s.priority', 'priority')
        .addSelect('s.source', 'source'),
    )
      .where('o.action = :cancel AND o.stationId IS NOT NULL', { cancel: 'cancel' })
      .andWhere('o.occurrenceAt >= :since AND o.occurrenceAt < :until', { since, until })
      .andWhere('s.status = :approved AND s.priority = :normal AND u.role = :operator', { approved: 'approved', normal: 'normal', operator: 'operator' })
      .getRawMany<DeclinedAiring>();
    return rows.map((r) => ({ ...normalised(r), reason: r.reason ?? null }));
  }

  /** Whether the airing has a line; inside the writing transaction when one is given. */
  hasLine(stationId: string, occurrenceId: string, tx?: Tx): Promise<boolean> {
    return (tx ?? this.db.manager).existsBy(LogbookLine, { stationId, occurrenceId });
  }

  stations(ids: readonly string[]): Promise<SweptStation[]> {
    return this.db.getRepository(Station).find({ where: { id: In([...ids]) }, select: { id: true, name: true, unitId: true, lastSeenAt: true, scheduleVersion: true } });
  }

  agentStates(ids: readonly string[]): Promise<StationAgentState[]> {
    return this.db.getRepository(StationAgentState).findBy({ stationId: In([...ids]) });
  }
}
