import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';

/**
 * Things that happened inside the server that other parts react to (the agent gateway, above all).
 * Internal domain events, kept apart from the wire messages in @loa/protocol.
 */
export type DomainEvent =
  | { type: 'schedule.changed'; stationIds: string[] }
  | { type: 'station.token-revoked'; stationId: string }
  /** A new station: slots aimed at its unit (or above) now air on it too. */
  | { type: 'station.created'; stationId: string };

@Injectable()
export class DomainEvents {
  private readonly subject = new Subject<DomainEvent>();
  readonly stream = this.subject.asObservable();

  emit(event: DomainEvent): void {
    this.subject.next(event);
  }
}
