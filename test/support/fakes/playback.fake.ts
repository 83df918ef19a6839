import type { CaptureStatus } from '@loa/protocol';
import type { Tx, UnitOfWork } from '../../../apps/server/src/database/unit-of-work';
import type { Engine } from '../../../apps/server/src/database/sql';
import type { LiveRelay } from '../../../apps/server/src/live/live-relay.entity';
import type { DeadAirEvent } from '../../../apps/server/src/playback/dead-air-event.entity';
import type { PlaybackEventRow } from '../../../apps/server/src/playback/playback-event.entity';
import type { LatestLine, PlaybackRepository } from '../../../apps/server/src/playback/playback.repository';
import type { Station } from '../../../apps/server/src/stations/station.entity';
import type { PublicPart } from './fakes';

type DeadAir = NonNullable<CaptureStatus['deadAir']>;

/** Transactions that only count themselves: the fakes they are handed to keep their rows in memory. */
export class CountingUnitOfWork implements PublicPart<UnitOfWork> {
  opened = 0;
  constructor(readonly engine: Engine = 'postgres') {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    this.opened++;
    return work({} as Tx);
  }
}

/** Stored playback events, dead air, and the newest logbook line of each airing, in memory. */
export class InMemoryPlaybackRepository implements PublicPart<PlaybackRepository> {
  readonly events: PlaybackEventRow[] = [];
  readonly deadAir: DeadAirEvent[] = [];
  readonly topics = new Map<string, string>();
  /** `${stationId} ${occurrenceId}` → the airing's newest line. */
  readonly lines = new Map<string, LatestLine>();

  constructor(readonly stations: Station[] = []) {}

  async switchDeadAir(stationId: string, before: DeadAir | null | undefined, after: DeadAir | null | undefined, now: string): Promise<void> {
    if (before) {
      for (const d of this.deadAir) if (d.stationId === stationId && d.since === before.since && d.occurrenceId === before.occurrenceId && d.clearedAt === null) d.clearedAt = now;
    }
    if (after && !this.deadAir.some((d) => d.stationId === stationId && d.since === after.since && d.occurrenceId === after.occurrenceId)) {
      this.deadAir.push({ id: `${stationId}-${after.since}`, stationId, occurrenceId: after.occurrenceId, live: after.live, since: after.since, clearedAt: null } as DeadAirEvent);
    }
  }

  async deadAirOf(stationId: string, limit: number): Promise<DeadAirEvent[]> {
    return this.deadAir
      .filter((d) => d.stationId === stationId)
      .sort((a, b) => b.since.localeCompare(a.since))
      .slice(0, limit);
  }

  async station(_tx: Tx, id: string): Promise<Station> {
    const s = this.stations.find((x) => x.id === id);
    if (!s) throw new Error(`no station ${id}`);
    return s;
  }

  /** Live relays and the stations each targets, as a spec sets them. */
  readonly liveRelays = new Map<string, { relay: LiveRelay; stationIds: string[] }>();

  async liveRelayFor(_tx: Tx, relayId: string, stationId: string): Promise<LiveRelay | null> {
    const r = this.liveRelays.get(relayId);
    return r && r.stationIds.includes(stationId) ? r.relay : null;
  }

  async eventStored(_tx: Tx, id: string): Promise<boolean> {
    return this.events.some((e) => e.id === id);
  }

  async insertEvent(_tx: Tx, row: PlaybackEventRow): Promise<void> {
    this.events.push(row);
  }

  async topicName(_tx: Tx, topicId: string): Promise<string | null> {
    return this.topics.get(topicId) ?? null;
  }

  async latestLine(_tx: Tx, stationId: string, occurrenceId: string): Promise<LatestLine | null> {
    return this.lines.get(`${stationId} ${occurrenceId}`) ?? null;
  }

  /** Cluster names by airing, as a spec sets them. */
  readonly clusters = new Map<string, string>();

  async clusterNames(_tx: Tx, stationId: string, occurrenceId: string): Promise<string | null> {
    return this.clusters.get(`${stationId} ${occurrenceId}`) ?? null;
  }
}
