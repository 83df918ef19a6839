import type { CaptureStatus } from '@loa/protocol';
import type { Tx, UnitOfWork } from '../../../apps/server/src/database/unit-of-work';
import type { Engine } from '../../../apps/server/src/database/sql';
import type { LiveRelay } from '../../../apps/server/src/live/live-relay.entity';
import type { DeadAirEvent } from '../../../apps/server/src/playback/dead-air-event.entity';
import type { PlaybackEventRow } from '../../../apps/server/src/playback/playback-event.entity';
import type { AiringFacts, AiringKey, LatestLine, PlaybackRepository } from '../../../apps/server/src/playback/playback.repository';
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

  constructor(private readonly stations_: Station[] = []) {}

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
    const s = this.stations_.find((x) => x.id === id);
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

  async storedIds(_tx: Tx, ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.events.some((e) => e.id === id)));
  }

  async insertEvent(tx: Tx, row: PlaybackEventRow): Promise<boolean> {
    return (await this.insertEvents(tx, [row])).has(row.id);
  }

  async insertEvents(_tx: Tx, rows: readonly PlaybackEventRow[]): Promise<Set<string>> {
    if (rows.length) this.statements++;
    const stored = new Set<string>();
    for (const row of rows) {
      if (this.events.some((e) => e.id === row.id)) continue;
      this.events.push(row);
      stored.add(row.id);
    }
    return stored;
  }

  async stations(_tx: Tx, ids: readonly string[]): Promise<Station[]> {
    // As the database would be asked: not at all for no ids.
    if (ids.length) this.statements++;
    return this.stations_.filter((s) => ids.includes(s.id));
  }

  /** Materialised airings, as a spec sets them (station, programme and topic included); the newest line is looked up in `lines`. */
  readonly airings: Omit<AiringFacts, 'latest'>[] = [];

  /** Batched reads and writes made, as a database would count statements. */
  statements = 0;

  async airingFacts(_tx: Tx, keys: readonly AiringKey[]): Promise<AiringFacts[]> {
    if (keys.length) this.statements++;
    return this.airings
      .filter((a) => keys.some((k) => k.stationId === a.stationId && k.occurrenceId === a.occurrenceId && k.slotId === a.slotId))
      .map((a) => ({ ...a, latest: this.lines.get(`${a.stationId} ${a.occurrenceId}`) ?? null }));
  }

  /** Cluster names by id, as a spec sets them. */
  readonly clusterNamesByIdMap = new Map<string, { stationId: string; name: string }>();

  async clusterNamesById(_tx: Tx, ids: readonly string[]): Promise<Map<string, { stationId: string; name: string }>> {
    this.statements++;
    return new Map([...this.clusterNamesByIdMap].filter(([id]) => ids.includes(id)));
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
