import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { LoaError } from '../common/errors';
import { StationsService } from '../stations/stations.service';
import { UsersService } from '../users/users.service';
import { DUMMY_HASH, STATION_TOKEN_PREFIX, verifyPassword } from './password';
import { Principal, Role, ROLES } from './principal';

interface JwtClaims {
  sub: string;
  username: string;
  role: Role;
  unitId: string | null;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly stations: StationsService,
    private readonly jwt: JwtService,
  ) {}

  async login(username: string, password: string) {
    const user = await this.users.findByUsername(username);
    // Always run one hash, so the answer's timing does not tell whether the user exists.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled) {
      throw new LoaError('invalid_credentials', 'Tên đăng nhập hoặc mật khẩu không đúng.');
    }
    const claims: JwtClaims = { sub: user.id, username: user.username, role: user.role, unitId: user.unitId };
    return {
      accessToken: await this.jwt.signAsync(claims),
      user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role, unitId: user.unitId },
    };
  }

  /** A station token or a user JWT → who it is; anything else is refused. */
  async authenticate(token: string): Promise<Principal> {
    if (token.startsWith(STATION_TOKEN_PREFIX)) {
      const station = await this.stations.findByToken(token);
      if (!station) throw new LoaError('unauthorized', 'Mã trạm không hợp lệ hoặc đã bị thu hồi.');
      return { kind: 'agent', stationId: station.id, stationName: station.name };
    }
    let claims: JwtClaims;
    try {
      claims = await this.jwt.verifyAsync<JwtClaims>(token);
    } catch {
      throw new LoaError('unauthorized', 'Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng đăng nhập lại.');
    }
    if (!ROLES.includes(claims.role)) throw new LoaError('unauthorized', 'Phiên đăng nhập không hợp lệ.');
    return { kind: 'user', userId: claims.sub, username: claims.username, role: claims.role, unitId: claims.unitId };
  }
}
