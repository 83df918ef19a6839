import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';

import { ROLES, type Role, type SessionView } from '@loa/api-types';
import type { Actor } from '../access/access-policy';

export { ROLES };
export type { Role };

/** Who is making a request: a signed-in person, or a station agent holding its station token. */
export type Principal = SessionView | { kind: 'agent'; stationId: string; stationName: string };

/** A signed-in person as the schedule's rules see them; agents never author or approve. */
export function actorOf(p: Principal): Actor {
  if (p.kind !== 'user') throw new Error('agents do not act on the schedule');
  return { userId: p.userId, username: p.username, role: p.role, unitId: p.unitId };
}

export const IS_PUBLIC = 'loa:public';
export const ROLES_KEY = 'loa:roles';
export const ALLOW_AGENT = 'loa:allow-agent';
export const ALLOW_QUERY_TOKEN = 'loa:allow-query-token';
export const SCOPE_KEY = 'loa:scope';

/** What a route's path parameter names, for the unit check: a station, a unit or a slot. */
export type ScopeKind = 'station' | 'unit' | 'slot';
export interface RouteScope {
  kind: ScopeKind;
  param: string;
}

/** No sign-in needed (health, login, API docs). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only these roles may call the route; without it, any signed-in user may. Agents never, unless @AllowAgent. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A station agent's token is accepted here too (its own schedule's media, for instance). */
export const AllowAgent = () => SetMetadata(ALLOW_AGENT, true);

/**
 * The sign-in token may also come as `?access_token=`: only for event streams, which a browser's
 * EventSource opens without a way to set headers. Validated exactly as the header is.
 */
export const AllowQueryToken = () => SetMetadata(ALLOW_QUERY_TOKEN, true);

/**
 * The route's `:param` names a station, a unit or a slot: a user bound to a unit reaches it only when it
 * lies in that unit's subtree, or, for a slot, when it airs on one of its stations (the access policy decides).
 */
export const ScopedBy = (kind: ScopeKind, param = 'id') => SetMetadata(SCOPE_KEY, { kind, param } satisfies RouteScope);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const req = ctx.switchToHttp().getRequest<{ principal?: Principal }>();
  if (!req.principal) throw new Error('CurrentPrincipal used on a public route');
  return req.principal;
});
