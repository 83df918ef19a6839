import type { PasswordHasher } from '../auth/password-hasher';
import type { Principal } from '../auth/principal';
import type { SessionRevocations } from '../auth/sessions';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { asRepository, partial } from '../../../../test/support/fakes/fakes';
import { InMemoryUsersRepository } from '../../../../test/support/fakes/users.fake';
import type { Unit } from '../units/unit.entity';
import type { UnitsService } from '../units/units.service';
import type { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

const adminOfA: Principal = { kind: 'user', userId: 'adm-a', username: 'adm.a', role: 'admin', unitId: 'A' };

function setup() {
  const repo = new InMemoryUsersRepository();
  const revoked: string[] = [];
  const { access } = provinceAccess();
  const units = partial<UnitsService>('units', {
    get: async (id: string) => {
      if (!['P', 'A', 'B', 'A1', 'B1'].includes(id)) throw new LoaError('not_found', 'Không tìm thấy đơn vị này.');
      return { id } as Unit;
    },
  });
  const sessions = partial<SessionRevocations>('sessions', { revoked: (id: string) => void revoked.push(id) });
  const hasher = partial<PasswordHasher>('hasher', {
    hash: async (p: string) => `hashed:${p}`,
    verify: async (p: string, stored: string) => stored === `hashed:${p}`,
  });
  const users = new UsersService(asRepository<UsersRepository>(repo), units, sessions, access, hasher, new Clock());
  return { users, repo, revoked };
}

describe('UsersService on an in-memory accounts table', () => {
  it('creates an account with a hashed password and refuses a username already taken', async () => {
    const { users, repo } = setup();
    const made = await users.create({ username: 'bien.tap', displayName: 'Biên tập', password: 'mật khẩu dài', role: 'editor', unitId: 'A' });
    expect(made).not.toHaveProperty('passwordHash');
    expect(repo.rows.get(made.id)).toMatchObject({ passwordHash: 'hashed:mật khẩu dài', tokenVersion: 0, disabled: false });
    await expect(users.create({ username: 'bien.tap', displayName: 'X', password: 'khác hẳn', role: 'editor' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(users.create({ username: 'moi', displayName: 'X', password: 'khác hẳn', role: 'editor', unitId: 'nowhere' })).rejects.toMatchObject({ code: 'not_found' });
    expect(repo.rows.size).toBe(1);
  });

  it('keeps an admin bound to district A to the accounts of A and its communes', async () => {
    const { users } = setup();
    await users.create({ username: 'a1', displayName: 'A1', password: 'mật khẩu dài', role: 'operator', unitId: 'A1' });
    const b1 = await users.create({ username: 'b1', displayName: 'B1', password: 'mật khẩu dài', role: 'operator', unitId: 'B1' });
    await users.create({ username: 'root', displayName: 'Gốc', password: 'mật khẩu dài', role: 'admin', unitId: null });
    expect((await users.list(adminOfA)).map((u) => u.username)).toEqual(['a1']);
    expect((await users.list()).map((u) => u.username)).toEqual(['a1', 'b1', 'root']);
    await expect(users.create({ username: 'b2', displayName: 'B2', password: 'mật khẩu dài', role: 'operator', unitId: 'B1' }, adminOfA)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(users.update(b1.id, { displayName: 'đổi' }, 'adm-a', adminOfA)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(users.resetPassword(b1.id, 'mật khẩu mới', adminOfA)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('never leaves the system without an active admin, and an admin cannot demote or lock itself', async () => {
    const { users } = setup();
    const only = await users.create({ username: 'root', displayName: 'Gốc', password: 'mật khẩu dài', role: 'admin' });
    await expect(users.update(only.id, { role: 'editor' }, only.id)).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(users.update(only.id, { disabled: true }, 'someone-else')).rejects.toMatchObject({ code: 'invalid_state' });
    const second = await users.create({ username: 'root2', displayName: 'Gốc 2', password: 'mật khẩu dài', role: 'admin' });
    await expect(users.update(only.id, { disabled: true }, second.id)).resolves.toMatchObject({ disabled: true });
  });

  it('ends the sessions of an account whose role, unit or enabled state changes, not of a new display name', async () => {
    const { users, repo, revoked } = setup();
    const u = await users.create({ username: 'u', displayName: 'U', password: 'mật khẩu dài', role: 'editor', unitId: 'A' });
    await users.update(u.id, { displayName: 'U mới' }, 'x');
    expect(revoked).toEqual([]);
    expect(repo.rows.get(u.id)!.tokenVersion).toBe(0);
    await users.update(u.id, { unitId: 'B' }, 'x');
    expect(revoked).toEqual([u.id]);
    expect(repo.rows.get(u.id)!.tokenVersion).toBe(1);
    await users.revokeSessions(u.id);
    expect(repo.rows.get(u.id)!.tokenVersion).toBe(2);
  });

  it('changes one\'s own password only with the current one', async () => {
    const { users, repo, revoked } = setup();
    const u = await users.create({ username: 'u', displayName: 'U', password: 'mật khẩu cũ', role: 'editor' });
    await expect(users.changeOwnPassword(u.id, 'đoán bừa', 'mật khẩu mới')).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(repo.rows.get(u.id)!.passwordHash).toBe('hashed:mật khẩu cũ');
    await users.changeOwnPassword(u.id, 'mật khẩu cũ', 'mật khẩu mới');
    expect(repo.rows.get(u.id)).toMatchObject({ passwordHash: 'hashed:mật khẩu mới', tokenVersion: 1 });
    expect(revoked).toEqual([u.id]);
    await expect(users.get('nobody')).rejects.toMatchObject({ code: 'not_found' });
  });
});
