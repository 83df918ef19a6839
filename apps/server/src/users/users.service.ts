import { AccessPolicy, reaches } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Injectable } from '@nestjs/common';
import { PasswordHasher } from '../auth/password-hasher';
import { Role } from '../auth/principal';
import { SessionRevocations } from '../auth/sessions';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { UnitsService } from '../units/units.service';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  role: Role;
  unitId?: string | null;
}

export interface UserChange {
  displayName?: string;
  role?: Role;
  unitId?: string | null;
  disabled?: boolean;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly units: UnitsService,
    private readonly sessions: SessionRevocations,
    private readonly access: AccessPolicy,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  findByUsername(username: string): Promise<User | null> {
    return this.users.byUsername(username);
  }

  findById(id: string): Promise<User | null> {
    return this.users.byId(id);
  }

  async get(id: string): Promise<User> {
    const user = await this.findById(id);
    if (!user) throw new LoaError('not_found', 'Không tìm thấy tài khoản này.');
    return user;
  }

  /** Refuses an admin bound to a unit an account outside it (`unitId` null: an account over everything). */
  private async requireManage(who: Principal | undefined, unitId: string | null): Promise<void> {
    if (!who) return;
    await this.access.requireAccess(who, 'write', { kind: 'unit', unitId: unitId ?? '' }, 'Bạn chỉ quản lý được tài khoản thuộc đơn vị mình.');
  }

  async create(input: NewUser, who?: Principal) {
    await this.requireManage(who, input.unitId ?? null);
    if (await this.users.usernameTaken(input.username)) {
      throw new LoaError('conflict', `Tên đăng nhập "${input.username}" đã có người dùng.`);
    }
    if (input.unitId) await this.units.get(input.unitId);
    const user = await this.users.insert({
      username: input.username,
      displayName: input.displayName,
      passwordHash: await this.hasher.hash(input.password),
      role: input.role,
      unitId: input.unitId ?? null,
      disabled: false,
      tokenVersion: 0,
      createdAt: this.clock.nowInstant(),
    });
    return toPublicUser(user);
  }

  /** Every account; for an admin bound to a unit, the accounts inside it. */
  async list(who?: Principal) {
    const reach = who ? await this.access.reach(who) : undefined;
    const rows = await this.users.all();
    return rows.filter((u) => !reach || reaches(reach, u.unitId)).map(toPublicUser);
  }

  count(): Promise<number> {
    return this.users.count();
  }

  /**
   * An admin changes a user's name, role, unit or disabled flag. A new role, unit or a disabled account
   * ends every session the user has open: what the old token allowed must not outlive the change.
   */
  async update(id: string, change: UserChange, by: string, who?: Principal) {
    const user = await this.get(id);
    await this.requireManage(who, user.unitId);
    if (change.unitId !== undefined) await this.requireManage(who, change.unitId);
    if (change.unitId) await this.units.get(change.unitId);
    const next = { ...user, ...definedOnly(change) };
    const losesAdmin = user.role === 'admin' && !user.disabled && (next.role !== 'admin' || next.disabled);
    if (losesAdmin) {
      if (id === by) throw new LoaError('invalid_state', 'Bạn không thể tự bỏ quyền quản trị hoặc tự khoá tài khoản của mình.');
      if ((await this.users.countActiveAdmins()) <= 1) {
        throw new LoaError('invalid_state', 'Hệ thống cần ít nhất một quản trị viên đang hoạt động.');
      }
    }
    const revoke = next.role !== user.role || next.unitId !== user.unitId || (next.disabled && !user.disabled);
    const saved = await this.users.save({ ...next, tokenVersion: user.tokenVersion + (revoke ? 1 : 0) });
    if (revoke) this.sessions.revoked(id);
    return toPublicUser(saved);
  }

  /** An admin sets a new password for someone who forgot theirs; their open sessions end. */
  async resetPassword(id: string, password: string, who?: Principal) {
    const user = await this.get(id);
    await this.requireManage(who, user.unitId);
    await this.setPassword(user, password);
    return toPublicUser(await this.get(id));
  }

  /** The user changes their own password, proving they know the current one; every session ends, this one too. */
  async changeOwnPassword(id: string, current: string, password: string): Promise<void> {
    const user = await this.get(id);
    if (!(await this.hasher.verify(current, user.passwordHash))) {
      throw new LoaError('invalid_credentials', 'Mật khẩu hiện tại không đúng.');
    }
    await this.setPassword(user, password);
  }

  /** Sign-out: every token the user holds stops working. */
  async revokeSessions(id: string): Promise<void> {
    await this.users.raiseTokenVersion(id);
    this.sessions.revoked(id);
  }

  private async setPassword(user: User, password: string): Promise<void> {
    await this.users.save({ ...user, passwordHash: await this.hasher.hash(password), tokenVersion: user.tokenVersion + 1 });
    this.sessions.revoked(user.id);
  }
}

function definedOnly<T extends object>(change: T): Partial<T> {
  return Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function toPublicUser(u: User) {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, unitId: u.unitId, disabled: u.disabled, createdAt: u.createdAt };
}
