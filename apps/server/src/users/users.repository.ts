import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { User } from './user.entity';

/** A user's row before the database gives it an id. */
export type NewUserRow = Omit<User, 'id'>;

/** The accounts table. */
@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  byUsername(username: string): Promise<User | null> {
    return this.users.findOneBy({ username });
  }

  byId(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  usernameTaken(username: string): Promise<boolean> {
    return this.users.existsBy({ username });
  }

  insert(row: NewUserRow): Promise<User> {
    return this.users.save(this.users.create(row));
  }

  /** Writes every field of `user` back. */
  save(user: User): Promise<User> {
    return this.users.save(user);
  }

  /** Every account, by username. */
  all(): Promise<User[]> {
    return this.users.find({ order: { username: 'ASC' } });
  }

  count(): Promise<number> {
    return this.users.count();
  }

  countActiveAdmins(): Promise<number> {
    return this.users.countBy({ role: 'admin', disabled: false });
  }

  /** Raises the account's token version in the database itself, so a concurrent change cannot lose the raise. */
  async raiseTokenVersion(id: string): Promise<void> {
    await this.users.increment({ id }, 'tokenVersion', 1);
  }
}
