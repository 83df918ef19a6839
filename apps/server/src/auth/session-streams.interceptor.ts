import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { SSE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { EMPTY, merge, Observable, takeUntil, timer } from 'rxjs';
import { Clock } from '../common/clock';
import type { AuthenticatedRequest } from './auth.guard';
import { SessionRevocations } from './sessions';

/** Node's timers hold at most about 24.8 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * An event stream lives as long as the session that opened it: it ends when the user's tokens are
 * revoked (sign-out, new password, new role, disabled) or the token expires, not at the next request.
 */
@Injectable()
export class SessionStreamsInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionRevocations,
    private readonly clock: Clock,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http' || !this.reflector.get<boolean>(SSE_METADATA, ctx.getHandler())) return next.handle();
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const who = req.principal;
    if (who?.kind !== 'user') return next.handle();
    const expires = req.sessionExpiresAt;
    const expiry = typeof expires === 'number' ? timer(Math.min(MAX_TIMER_MS, Math.max(0, expires - this.clock.now()))) : EMPTY;
    return next.handle().pipe(takeUntil(merge(this.sessions.of(who.userId), expiry)));
  }
}
