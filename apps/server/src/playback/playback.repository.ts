import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { CaptureStatus } from '@loa/protocol';
import { DataSource, In, IsNull } from 'typeorm';
import type { Tx } from '../database/unit-of-work';
import { LiveRelay, LiveRelayTarget } from '../live/live-relay.entity';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { Topic } from '../programmes/chuyen-muc.entity';
import { Airing } from '../schedule/slot.entity';
import { SpeakerCluster } from '../stations/station-group.entity';
import { Station } from '../stations/station.entity';
import { DeadAirEvent } from './dead-air-event.entity';
import { PlaybackEventRow } from './playback-event.entity';

type DeadAir = NonNullable<CaptureStatus['deadAir']>;

/** The newest line of one airing, as far as deciding whether an agent's report amends it. */
export type LatestLine = Pick<LogbookLine, 'id' | 'revision' | 'result' | 'reason' | 'detail'>;

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

  async insertEvent(tx: Tx, row: PlaybackEventRow): Promise<void> {
    await tx.insert(PlaybackEventRow, row);
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
