import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { finalize, Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import { AuditActor, AuditContext } from './audit-context';

/** Runs every authenticated request's handler as its principal, for the audit trail. */
@Injectable()
export class AuditContextInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const who = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!who) return next.handle();
    const actor: AuditActor =
      who.kind === 'user' ? { kind: 'user', id: who.userId, name: who.username } : { kind: 'agent', id: who.stationId, name: who.stationName };
    return new Observable((subscriber) =>
      AuditContext.enter(actor, (done) => next.handle().pipe(finalize(done)).subscribe(subscriber)),
    );
  }
}
