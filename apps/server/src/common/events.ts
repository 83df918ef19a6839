import { Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { Subject } from 'rxjs';
import { ClusterBus, decodeJson, encodeJson, LocalBus } from '../cluster/cluster-bus';

/**
 * Things that happened inside the server that other parts react to (the agent gateway, above all).
 * Internal domain events, kept apart from the wire messages in @loa/protocol.
 */
export type DomainEvent =
  | { type: 'schedule.changed'; stationIds: string[] }
  | { type: 'station.token-revoked'; stationId: string }
  /** A new station: slots aimed at its unit (or above) now air on it too. */
  | { type: 'station.created'; stationId: string }
  /** Stations moved, renamed into another unit, disabled or given quiet hours ('all': the unit tree changed). */
  | { type: 'stations.changed'; stationIds: string[] | 'all' };

const SUBJECT = 'events';
/** Station ids per message: a province-wide change is split so no message nears NATS's 1 MB limit. */
const IDS_PER_MESSAGE = 5000;

/**
 * Events reach this instance's subscribers at once and, through the cluster bus, every other instance's:
 * each pushes snapshots to its own agents and drops the connections it holds. `station.created` stays
 * here: what it starts (materialising the new station's airings) is done once, by the instance that made it.
 */
@Injectable()
export class DomainEvents implements OnModuleDestroy {
  private readonly subject = new Subject<DomainEvent>();
  readonly stream = this.subject.asObservable();
  private readonly unsubscribe: () => void;

  constructor(@Optional() private readonly bus: ClusterBus = new LocalBus()) {
    this.unsubscribe = bus.subscribe(SUBJECT, (data) => {
      const event = decodeJson<DomainEvent>(data);
      if (isCrossing(event)) this.subject.next(event);
    });
  }

  emit(event: DomainEvent): void {
    this.subject.next(event);
    if (event.type === 'station.created' || event.type === 'stations.changed') return;
    if (event.type === 'schedule.changed') {
      for (let i = 0; i < event.stationIds.length; i += IDS_PER_MESSAGE) {
        this.bus.publish(SUBJECT, encodeJson({ type: event.type, stationIds: event.stationIds.slice(i, i + IDS_PER_MESSAGE) }));
      }
      return;
    }
    this.bus.publish(SUBJECT, encodeJson(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}

/** Only the events meant to cross, well formed, are taken from other instances. */
function isCrossing(e: DomainEvent): boolean {
  if (e?.type === 'schedule.changed') return Array.isArray(e.stationIds) && e.stationIds.every((id) => typeof id === 'string');
  if (e?.type === 'station.token-revoked') return typeof e.stationId === 'string';
  return false;
}
