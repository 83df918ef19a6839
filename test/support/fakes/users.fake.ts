import { randomUUID } from 'node:crypto';
import type { User } from '../../../apps/server/src/users/user.entity';
import type { NewUserRow, UsersRepository } from '../../../apps/server/src/users/users.repository';
import type { PublicPart } from './fakes';

/** The accounts table, in memory. */
export class InMemoryUsersRepository implements PublicPart<UsersRepository> {
  readonly rows = new Map<string, User>();

  async byUsername(username: string): Promise<User | null> {
    return this.copy([...this.rows.values()].find((u) => u.username === username));
  }

  async byId(id: string): Promise<User | null> {
    return this.copy(this.rows.get(id));
  }

  async usernameTaken(username: string): Promise<boolean> {
    return [...this.rows.values()].some((u) => u.username === username);
  }

  async insert(row: NewUserRow): Promise<User> {
    const user = { ...row, id: randomUUID() };
    this.rows.set(user.id, user);
    return { ...user };
  }

  async save(user: User): Promise<User> {
    this.rows.set(user.id, { ...user });
    return { ...user };
  }

  async all(): Promise<User[]> {
    return [...this.rows.values()].sort((a, b) => a.username.localeCompare(b.username)).map((u) => ({ ...u }));
  }

  async count(): Promise<number> {
    return this.rows.size;
  }

  async countActiveAdmins(): Promise<number> {
    return [...this.rows.values()].filter((u) => u.role === 'admin' && !u.disabled).length;
  }

  async raiseTokenVersion(id: string): Promise<void> {
    const user = this.rows.get(id);
    if (user) user.tokenVersion += 1;
  }

  private copy(user: User | undefined): User | null {
    return user ? { ...user } : null;
  }
}
