import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { hashPassword } from '../auth/password';
import { Role } from '../auth/principal';
import { nowInstant } from '../common/columns';
import { LoaError } from '../common/errors';
import { User } from './user.entity';

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  role: Role;
  unitId?: string | null;
}

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findByUsername(username: string): Promise<User | null> {
    return this.users.findOneBy({ username });
  }

  async create(input: NewUser) {
    if (await this.users.existsBy({ username: input.username })) {
      throw new LoaError('conflict', `Tên đăng nhập "${input.username}" đã có người dùng.`);
    }
    const user = this.users.create({
      username: input.username,
      displayName: input.displayName,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      unitId: input.unitId ?? null,
      disabled: false,
      createdAt: nowInstant(),
    });
    return toPublicUser(await this.users.save(user));
  }

  async list() {
    return (await this.users.find({ order: { username: 'ASC' } })).map(toPublicUser);
  }

  count(): Promise<number> {
    return this.users.count();
  }
}

export function toPublicUser(u: User) {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, unitId: u.unitId, disabled: u.disabled, createdAt: u.createdAt };
}
