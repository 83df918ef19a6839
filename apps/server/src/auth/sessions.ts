import { Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { filter, Observable, Subject } from 'rxjs';
import { ClusterBus, decodeJson, encodeJson, LocalBus } from '../cluster/cluster-bus';

const SUBJECT = 'sessions.revoked';

/**
 * Announces that a user's sign-in tokens were revoked (sign-out, new password, new role or unit,
 * disabled), so connections that outlive one request (event streams, the live microphone) close at once,
 * on whichever instance holds them.
 */
@Injectable()
export class SessionRevocations implements OnModuleDestroy {
  private readonly subject = new Subject<string>();
  private readonly unsubscribe: () => void;

  constructor(@Optional() private readonly bus: ClusterBus = new LocalBus()) {
    this.unsubscribe = bus.subscribe(SUBJECT, (data) => {
      const { userId } = decodeJson<{ userId: unknown }>(data);
      if (typeof userId === 'string') this.subject.next(userId);
    });
  }

  revoked(userId: string): void {
    this.subject.next(userId);
    this.bus.publish(SUBJECT, encodeJson({ userId }));
  }

  /** Fires once when `userId`'s tokens are revoked. */
  of(userId: string): Observable<string> {
    return this.subject.pipe(filter((id) => id === userId));
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}
