import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { Unit } from '../units/unit.entity';
import { User } from '../users/user.entity';
import { CapAlert, CapRule, CapSource } from './cap.entity';

export type NewCapAlert = Omit<CapAlert, 'id'>;

/** CAP sources, rules and received alerts, with the users and units the rules name. */
@Injectable()
export class CapRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  addSource(row: Omit<CapSource, 'id'>): Promise<CapSource> {
    const repo = this.db.getRepository(CapSource);
    return repo.save(repo.create(row));
  }

  /** Every source, oldest first. */
  sources(): Promise<CapSource[]> {
    return this.db.getRepository(CapSource).find({ order: { createdAt: 'ASC' } });
  }

  sourceByTokenHash(tokenHash: string): Promise<CapSource | null> {
    return this.db.getRepository(CapSource).findOneBy({ tokenHash });
  }

  /** Whether there was one to delete. */
  async deleteSource(id: string): Promise<boolean> {
    return Boolean((await this.db.getRepository(CapSource).delete({ id })).affected);
  }

  addRule(row: Omit<CapRule, 'id'>): Promise<CapRule> {
    const repo = this.db.getRepository(CapRule);
    return repo.save(repo.create(row));
  }

  /** Every rule, oldest first: the order they are tried in. */
  rules(): Promise<CapRule[]> {
    return this.db.getRepository(CapRule).find({ order: { createdAt: 'ASC' } });
  }

  rule(id: string): Promise<CapRule | null> {
    return this.db.getRepository(CapRule).findOneBy({ id });
  }

  async deleteRule(id: string): Promise<boolean> {
    return Boolean((await this.db.getRepository(CapRule).delete({ id })).affected);
  }

  /** The newest alerts first. */
  alerts(limit: number): Promise<CapAlert[]> {
    return this.db.getRepository(CapAlert).find({ order: { receivedAt: 'DESC' }, take: limit });
  }

  alert(id: string): Promise<CapAlert | null> {
    return this.db.getRepository(CapAlert).findOneBy({ id });
  }

  /** The alert CAP identifies by sender, identifier and sent. */
  alertByKey(sender: string, identifier: string, sent: string): Promise<CapAlert | null> {
    return this.db.getRepository(CapAlert).findOneBy({ sender, identifier, sent });
  }

  addAlert(row: NewCapAlert): Promise<CapAlert> {
    const repo = this.db.getRepository(CapAlert);
    return repo.save(repo.create(row));
  }

  async updateAlert(id: string, change: Partial<NewCapAlert>): Promise<void> {
    await this.db.getRepository(CapAlert).update({ id }, change);
  }

  user(id: string): Promise<User | null> {
    return this.db.getRepository(User).findOneBy({ id });
  }

  units(ids: readonly string[]): Promise<Unit[]> {
    return this.db.getRepository(Unit).findBy({ id: In([...ids]) });
  }
}
