import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { CaptureStatus } from '@loa/protocol';
import { DataSource, In, IsNull } from 'typeorm';
import type { Tx } from '../database/unit-of-work';
import { binder, engineOf } from '../database/sql';
import { LiveRelay, LiveRelayTarget } from '../live/live-relay.entity';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { Topic } from '../programmes/chuyen-muc.entity';
import type { Programme } from '../programmes/programme.entity';
import { Airing, type Slot } from '../schedule/slot.entity';
import { SpeakerCluster } from '../stations/station-group.entity';
import { Station } from '../stations/station.entity';
import { DeadAirEvent } from './dead-air-event.entity';
import { PlaybackEventRow } from './playback-event.entity';

type DeadAir = NonNullable<CaptureStatus['deadAir']>;

/** The newest line of one airing, as far as deciding whether an agent's report amends it. */
export type LatestLine = Pick<LogbookLine, 'id' | 'revision' | 'result' | 'reason' | 'detail'>;

/** One airing an agent's event names: station, occurrence and slot. */
export interface AiringKey {
  stationId: string;
  occurrenceId: string;
  slotId: string;
}

/** Everything the ingest needs about one materialised airing, read for a whole batch of events at once. */
export interface AiringFacts extends AiringKey {
  station: Pick<Station, 'id' | 'name' | 'unitId'>;
  slot: Pick<Slot, 'id' | 'status' | 'durationMs' | 'source' | 'priority' | 'programmeId'>;
  programme: Pick<Programme, 'id' | 'title' | 'chuyenMuc' | 'topicId'>;
  topic: string | null;
  clusterIds: string[] | null;
  /** The airing's line of the highest revision, if it has one. */
  latest: LatestLine | null;
}

/** Keys per statement: three bound values each, far below either engine's limit. */
const KEYS_PER_READ = 300;

/** Events per INSERT: eighteen bound values each. */
const EVENTS_PER_INSERT = 500;

const EVENT_FIELDS = [
  'id', 'stationId', 'occurrenceId', 'slotId', 'kind', 'plannedAt', 'startedAt', 'endedAt', 'startErrorMs', 'playedMs', 'reason', 'detail',
  'receivedAt', 'airVerdict', 'airConfirmedMs', 'airCoveragePct', 'airOffsetMs', 'deadAirMs',
] as const satisfies readonly (keyof PlaybackEventRow)[];

interface FactsRow {
  stationId: string;
  occurrenceId: string;
  slotId: string;
  clusterIds: string | null;
  stationName: string;
  unitId: string;
  status: Slot['status'];
  durationMs: number | string;
  source: Slot['source'];
  priority: Slot['priority'];
  programmeId: string;
  programmeTitle: string;
  chuyenMuc: string;
  topicId: string | null;
  topic: string | null;
  lineId: number | string | null;
  revision: number | string | null;
  result: LogbookLine['result'] | null;
  reason: LogbookLine['reason'];
  detail: string | null;
}

/** Playback events and dead air as agents report them; the ingest's reads run in the caller's transaction. */
@Injectable()
export class PlaybackRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Closes the stretch `before` (if still open) and opens `after` (unless already recorded), together. */
  async switchDeadAir(stationId: string, before: DeadAir | null | undefined, after: DeadAir | null | undefined, now: string): Promise<void> {
    await this.db.transaction(async (m) => {
      if (before) await m.update(DeadAirEvent, { stationId, since: before.since, occurrenceId: before.occurrenceId, clearedAt: IsNull() }, { clearedAt: now });
      if (after && !(await m.existsBy(DeadAirEvent, { stationId, since: after.since, occurrenceId: after.occurrenceId }))) {
        await m.insert(DeadAirEvent, { id: randomUUID(), stationId, occurrenceId: after.occurrenceId, live: after.live, since: after.since, clearedAt: null });
      }
    });
  }

  /** Dead air a station reported, newest first. */
  deadAirOf(stationId: string, limit: number): Promise<DeadAirEvent[]> {
    return this.db.getRepository(DeadAirEvent).find({ where: { stationId }, order: { since: 'DESC' }, take: limit });
  }

  station(tx: Tx, id: string): Promise<Station> {
    return tx.findOneByOrFail(Station, { id });
  }

  /** The live relay `relayId` when it targets the station, else null. */
  async liveRelayFor(tx: Tx, relayId: string, stationId: string): Promise<LiveRelay | null> {
    if (!(await tx.existsBy(LiveRelayTarget, { relayId, stationId }))) return null;
    return tx.findOneBy(LiveRelay, { id: relayId });
  }

  eventStored(tx: Tx, id: string): Promise<boolean> {
    return tx.existsBy(PlaybackEventRow, { id });
  }

  /** Which of these events are stored already. */
  async storedIds(tx: Tx, ids: readonly string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await tx.find(PlaybackEventRow, { where: { id: In([...ids]) }, select: { id: true } });
    return new Set(rows.map((r) => r.id));
  }

  /** Stores the event unless one with its id is stored (or being stored by another transaction); true if this one stored it. */
  async insertEvent(tx: Tx, row: PlaybackEventRow): Promise<boolean> {
    return (await this.insertEvents(tx, [row])).has(row.id);
  }

  /**
   * Stores the events whose ids are not stored yet and returns the ids this call stored. One INSERT … ON
   * CONFLICT DO NOTHING per chunk: a resend, or the same event committed meanwhile by another instance
   * (PostgreSQL waits for that transaction, then skips the row), is left out instead of failing the batch.
   */
  async insertEvents(tx: Tx, rows: readonly PlaybackEventRow[]): Promise<Set<string>> {
    const stored = new Set<string>();
    const engine = engineOf(tx);
    for (let i = 0; i < rows.length; i += EVENTS_PER_INSERT) {
      const chunk = rows.slice(i, i + EVENTS_PER_INSERT);
      const p = binder(engine);
      const params: (string | number | null)[] = [];
      const tuples = chunk.map((r) => {
        for (const f of EVENT_FIELDS) params.push(r[f] ?? null);
        return `(${EVENT_FIELDS.map(() => p()).join(', ')})`;
      });
      const inserted = (await tx.query(
        `INSERT INTO "playback_event" (${EVENT_FIELDS.map((f) => `"${f}"`).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT ("id") DO NOTHING RETURNING "id"`,
        params,
      )) as { id: string }[];
      for (const r of inserted) stored.add(r.id);
    }
    return stored;
  }

  /** The stations by id; a missing one is simply absent. */
  async stations(tx: Tx, ids: readonly string[]): Promise<Station[]> {
    if (!ids.length) return [];
    return tx.find(Station, { where: { id: In([...ids]) } });
  }

  /**
   * For each key whose airing is materialised: the airing's station, slot, programme, topic and speaker
   * clusters, and its newest logbook line, all in one statement per few hundred keys.
   */
  async airingFacts(tx: Tx, keys: readonly AiringKey[]): Promise<AiringFacts[]> {
    const out: AiringFacts[] = [];
    const engine = engineOf(tx);
    for (let i = 0; i < keys.length; i += KEYS_PER_READ) {
      const chunk = keys.slice(i, i + KEYS_PER_READ);
      const p = binder(engine);
      const rows = (await tx.query(
        `SELECT a."stationId", a."occurrenceId", a."slotId", a."clusterIds", st."name" AS "stationName", st."unitId",
                s."status", s."durationMs", s."source", s."priority", s."programmeId",
                pr."title" AS "programmeTitle", pr."chuyenMuc", pr."topicId", t."name" AS "topic",
                l."id" AS "lineId", l."revision", l."result", l."reason", l."detail"
           FROM (VALUES ${chunk.map(() => `(${p()}, ${p()}, ${p()})`).join(', ')}) AS k
           JOIN "airing" a ON a."stationId" = k.column1 AND a."occurrenceId" = k.column2 AND a."slotId" = k.column3
           JOIN "station" st ON st."id" = a."stationId"
           JOIN "slot" s ON s."id" = a."slotId"
           JOIN "programme" pr ON pr."id" = s."programmeId"
           LEFT JOIN "topic" t ON t."id" = pr."topicId"
           LEFT JOIN "logbook_line" l ON l."stationId" = a."stationId" AND l."occurrenceId" = a."occurrenceId"
                AND l."revision" = (SELECT MAX(x."revision") FROM "logbook_line" x WHERE x."stationId" = a."stationId" AND x."occurrenceId" = a."occurrenceId")`,
        chunk.flatMap((k) => [k.stationId, k.occurrenceId, k.slotId]),
      )) as FactsRow[];
      for (const r of rows) {
        out.push({
          stationId: r.stationId,
          occurrenceId: r.occurrenceId,
          slotId: r.slotId,
          station: { id: r.stationId, name: r.stationName, unitId: r.unitId },
          slot: { id: r.slotId, status: r.status, durationMs: Number(r.durationMs), source: r.source, priority: r.priority, programmeId: r.programmeId },
          programme: { id: r.programmeId, title: r.programmeTitle, chuyenMuc: r.chuyenMuc, topicId: r.topicId },
          topic: r.topic,
          clusterIds: r.clusterIds ? (JSON.parse(r.clusterIds) as string[] | null) : null,
          latest: r.lineId === null ? null : { id: Number(r.lineId), revision: Number(r.revision), result: r.result!, reason: r.reason, detail: r.detail },
        });
      }
    }
    return out;
  }

  /** The speaker clusters' names by id, for clusters of these stations. */
  async clusterNamesById(tx: Tx, ids: readonly string[]): Promise<Map<string, { stationId: string; name: string }>> {
    if (!ids.length) return new Map();
    const clusters = await tx.find(SpeakerCluster, { where: { id: In([...new Set(ids)]) }, select: { id: true, stationId: true, name: true } });
    return new Map(clusters.map((c) => [c.id, { stationId: c.stationId, name: c.name }]));
  }

  async topicName(tx: Tx, topicId: string): Promise<string | null> {
    return (await tx.findOneBy(Topic, { id: topicId }))?.name ?? null;
  }

  /** The airing's line of the highest revision, if it has one. */
  latestLine(tx: Tx, stationId: string, occurrenceId: string): Promise<LatestLine | null> {
    return tx.findOne(LogbookLine, {
      where: { stationId, occurrenceId },
      order: { revision: 'DESC' },
      select: { id: true, revision: true, result: true, reason: true, detail: true },
    });
  }

  /** The speaker clusters an airing was aimed at, by name ("Cụm chợ, Cụm đồng"); null for the whole station. */
  async clusterNames(m: Tx, stationId: string, occurrenceId: string, slotId: string): Promise<string | null> {
    const airing = await m.findOne(Airing, { where: { stationId, occurrenceId, slotId }, select: { clusterIds: true } });
    const ids = airing?.clusterIds;
    if (!ids?.length) return null;
    const clusters = await m.find(SpeakerCluster, { where: { id: In(ids), stationId }, select: { id: true, name: true } });
    const names = ids.map((id) => clusters.find((c) => c.id === id)?.name ?? id);
    return names.join(', ').slice(0, 500);
  }
}
