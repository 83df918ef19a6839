import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { LoaError } from '../common/errors';
import { AuthService } from './auth.service';
import { ALLOW_AGENT, ALLOW_QUERY_TOKEN, IS_PUBLIC, Principal, Role, ROLES_KEY } from './principal';

/**
 * The one guard on every route: works out who is calling (a user's JWT or a station's token) and
 * whether that principal may call this route. Routes are closed unless marked otherwise.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const req = ctx.switchToHttp().getRequest<{
      headers: Record<string, string | undefined>;
      query?: Record<string, unknown>;
      principal?: Principal;
    }>();
    let token = bearer(req.headers['authorization']);
    if (!token && this.reflector.getAllAndOverride<boolean>(ALLOW_QUERY_TOKEN, targets)) {
      const fromQuery = req.query?.['access_token'];
      token = typeof fromQuery === 'string' && fromQuery.length > 0 ? fromQuery : null;
    }
    if (!token) throw new LoaError('unauthorized', 'Bạn cần đăng nhập để dùng chức năng này.');
    const principal = await this.auth.authenticate(token);
    req.principal = principal;

    if (principal.kind === 'agent') {
      if (this.reflector.getAllAndOverride<boolean>(ALLOW_AGENT, targets)) return true;
      throw new LoaError('forbidden', 'Mã trạm không được dùng cho chức năng này.');
    }
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) {
      throw new LoaError('forbidden', 'Tài khoản của bạn không có quyền thực hiện thao tác này.');
    }
    return true;
  }
}

export function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match ? match[1] : null;
}
