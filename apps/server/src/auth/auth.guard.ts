import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { LoaError } from '../common/errors';
import { AuthService } from './auth.service';
import { ALLOW_AGENT, ALLOW_QUERY_TOKEN, IS_PUBLIC, Principal, Role, ROLES_KEY, RouteScope, SCOPE_KEY } from './principal';
import { AccessPolicy } from '../access/access-policy';
import { ScheduleQueries } from '../schedule/schedule-queries.service';

/** What the guard leaves on the request for the handler and the interceptors behind it. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  params?: Record<string, unknown>;
  principal?: Principal;
  /** When the sign-in token expires (ms), for connections that outlive the request. */
  sessionExpiresAt?: number | null;
}

export const AGENT_FORBIDDEN = 'Mã trạm không được dùng cho chức năng này.';
export const ROLE_FORBIDDEN = 'Tài khoản của bạn không có quyền thực hiện thao tác này.';

/**
 * The one guard on every route: works out who is calling (a user's JWT or a station's token), whether
 * that principal may call this route, and, for a user confined to a unit, whether the station, unit or
 * slot the route names (or the `stationId` it is asked about) lies inside it. Routes are closed unless
 * marked otherwise.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly access: AccessPolicy,
    private readonly schedule: ScheduleQueries,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers['authorization'];
    let token = bearer(typeof header === 'string' ? header : undefined);
    if (!token && this.reflector.getAllAndOverride<boolean>(ALLOW_QUERY_TOKEN, targets)) {
      const fromQuery = req.query?.['access_token'];
      token = typeof fromQuery === 'string' && fromQuery.length > 0 ? fromQuery : null;
    }
    if (!token) throw new LoaError('unauthorized', 'Bạn cần đăng nhập để dùng chức năng này.');
    const { principal, expiresAt } = await this.auth.session(token);
    req.principal = principal;
    req.sessionExpiresAt = expiresAt;

    if (principal.kind === 'agent') {
      if (this.reflector.getAllAndOverride<boolean>(ALLOW_AGENT, targets)) return true;
      throw new LoaError('forbidden', AGENT_FORBIDDEN);
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) throw new LoaError('forbidden', ROLE_FORBIDDEN);
    const route = this.reflector.getAllAndOverride<RouteScope | undefined>(SCOPE_KEY, targets);
    await this.access.checkRoute(principal, route, req.params ?? {}, req.query ?? {}, (id) => this.slotStations(id));
    return true;
  }

  private async slotStations(id: string): Promise<string[] | null> {
    try {
      return (await this.schedule.describe(id)).stationIds;
    } catch (err) {
      if (err instanceof LoaError && (err.code === 'not_found' || err.code === 'validation_failed')) return null;
      throw err;
    }
  }
}

export function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}
