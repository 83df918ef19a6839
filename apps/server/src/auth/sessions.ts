import { Injectable } from '@nestjs/common';
import { filter, Observable, Subject } from 'rxjs';

/**
 * Announces that a user's sign-in tokens were revoked (sign-out, new password, new role or unit,
 * disabled), so connections that outlive one request (event streams, the live microphone) close at once.
 */
@Injectable()
export class SessionRevocations {
  private readonly subject = new Subject<string>();

  revoked(userId: string): void {
    this.subject.next(userId);
  }

  /** Fires once when `userId`'s tokens are revoked. */
  of(userId: string): Observable<string> {
    return this.subject.pipe(filter((id) => id === userId));
  }
}
