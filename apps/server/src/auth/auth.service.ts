import type { LoginResult } from '@loa/api-types';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { StationsService } from '../stations/stations.service';
import { UsersService } from '../users/users.service';
import { Block, FailureStore, LoginLimiter } from './login-limiter';
import { DUMMY_HASH, STATION_TOKEN_PREFIX } from './password';
import { PasswordHasher } from './password-hasher';
import { Principal, Role, ROLES } from './principal';
import { toInstant } from '@loa/protocol';

interface JwtClaims {
  sub: string;
  username: string;
  role: Role;
  unitId: string | null;
  /** The user's token version when signed: a raised version on the account voids the token. */
  ver: number;
  exp?: number;
}

/** Who a token belongs to, and until when it is good (ms; null for station tokens, which last until revoked). */
export interface Session {
  principal: Principal;
  expiresAt: number | null;
}

/** The injection token of the store behind the sign-in limits (in memory unless a shared one is provided). */
export const FAILURE_STORE = Symbol('FailureStore');

const SESSION_ENDED = 'Phiên đăng nhập đã hết hạn hoặc đã kết thúc. Vui lòng đăng nhập lại.';

@Injectable()
export class AuthService {
  private readonly logins: LoginLimiter;
  /** Guesses of the current password when changing it, counted per account apart from sign-ins. */
  private readonly passwordChanges: LoginLimiter;

  constructor(
    private readonly users: UsersService,
    private readonly stations: StationsService,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly hasher: PasswordHasher,
    @Inject(FAILURE_STORE) store: FailureStore,
  ) {
    const now = () => this.clock.now();
    this.logins = new LoginLimiter(now, {}, store, 'login');
    this.passwordChanges = new LoginLimiter(now, {}, store, 'password');
  }

  /**
   * `address` is the caller's IP (the client's, behind a proxy named in TRUST_PROXY): failures are counted
   * per user name and address, per address, and overall.
   */
  async login(username: string, password: string, address: string): Promise<LoginResult> {
    const blocked = await this.logins.blocked(username, address);
    if (blocked !== null) throw this.tooManyAttempts(blocked);
    const user = await this.users.findByUsername(username);
    // Always run one hash, so the answer's timing does not tell whether the user exists.
    const ok = await this.hasher.verify(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled) {
      await this.logins.fail(username, address);
      throw new LoaError('invalid_credentials', 'Tên đăng nhập hoặc mật khẩu không đúng.');
    }
    await this.logins.succeed(username, address);
    const claims: JwtClaims = { sub: user.id, username: user.username, role: user.role, unitId: user.unitId, ver: user.tokenVersion };
    return {
      accessToken: await this.jwt.signAsync(claims),
      expiresIn: this.config.jwtTtlSeconds,
      user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role, unitId: user.unitId },
    };
  }

  /** A station token or a user JWT → who it is; anything else is refused. */
  async authenticate(token: string): Promise<Principal> {
    return (await this.session(token)).principal;
  }

  /**
   * A user's token is good while it is signed, unexpired, and the account is enabled with the same token
   * version: the account is read on every request, so a revocation takes effect on the next one.
   */
  async session(token: string): Promise<Session> {
    if (token.startsWith(STATION_TOKEN_PREFIX)) {
      const station = await this.stations.findByToken(token);
      if (!station) throw new LoaError('unauthorized', 'Mã trạm không hợp lệ hoặc đã bị thu hồi.');
      return { principal: { kind: 'agent', stationId: station.id, stationName: station.name }, expiresAt: null };
    }
    let claims: JwtClaims;
    try {
      claims = await this.jwt.verifyAsync<JwtClaims>(token);
    } catch {
      throw new LoaError('unauthorized', SESSION_ENDED);
    }
    if (typeof claims.sub !== 'string' || typeof claims.ver !== 'number') throw new LoaError('unauthorized', SESSION_ENDED);
    const user = await this.users.findById(claims.sub);
    if (!user || user.disabled || user.tokenVersion !== claims.ver || !ROLES.includes(user.role)) {
      throw new LoaError('unauthorized', SESSION_ENDED);
    }
    return {
      principal: { kind: 'user', userId: user.id, username: user.username, role: user.role, unitId: user.unitId },
      expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : null,
    };
  }

  async logout(who: Principal): Promise<void> {
    if (who.kind === 'user') await this.users.revokeSessions(who.userId);
  }

  /** A stolen session must not become unlimited guesses of the current password: limited like sign-in, per account. */
  async changePassword(who: Principal, current: string, next: string, address: string): Promise<void> {
    if (who.kind !== 'user') throw new LoaError('forbidden', 'Mã trạm không được dùng cho chức năng này.');
    const blocked = await this.passwordChanges.blocked(who.userId, address);
    if (blocked !== null) throw this.tooManyAttempts(blocked, 'Nhập sai mật khẩu hiện tại quá nhiều lần.');
    try {
      await this.users.changeOwnPassword(who.userId, current, next);
    } catch (e) {
      if (e instanceof LoaError && e.code === 'invalid_credentials') await this.passwordChanges.fail(who.userId, address);
      throw e;
    }
    await this.passwordChanges.succeed(who.userId, address);
  }

  private tooManyAttempts(block: Block, what = 'Đăng nhập sai quá nhiều lần.'): LoaError {
    const { until } = block;
    const seconds = Math.max(1, Math.ceil((until - this.clock.now()) / 1000));
    const at = new Intl.DateTimeFormat('vi-VN', { timeZone: this.config.timezone, hour: '2-digit', minute: '2-digit', hour12: false }).format(until);
    const minutes = Math.ceil(seconds / 60);
    const from = block.scope === 'overall' ? ' Hệ thống đang nhận quá nhiều lần đăng nhập sai.' : block.scope === 'address' ? ' Có quá nhiều lần sai từ địa chỉ mạng này.' : '';
    return new LoaError(
      'too_many_requests',
      `${what}${from} Vui lòng thử lại sau ${at} (khoảng ${minutes} phút nữa).`,
      { retryAfterSeconds: seconds, retryAt: toInstant(until), scope: block.scope },
    );
  }
}
