import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { Role } from '../auth/principal';
import { Programme } from '../programmes/programme.entity';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
import { User } from '../users/user.entity';
import { CalendarToken } from './calendar-token.entity';
import { Slot } from './slot.entity';

/** Calendar links, and what a feed reads of their makers, stations, slots and programmes. */
export abstract class CalendarRepository {
  abstract insert(row: Omit<CalendarToken, 'id'>): Promise<CalendarToken>;
  /** Every link, newest first. */
  abstract all(): Promise<CalendarToken[]>;
  abstract get(id: string): Promise<CalendarToken | null>;
  abstract byHash(tokenHash: string): Promise<CalendarToken | null>;
  abstract revoke(id: string, at: string): Promise<void>;
  /** What a link's maker is now, or null when the account is gone. */
  abstract maker(userId: string): Promise<{ disabled: boolean; role: Role; unitId: string | null } | null>;
  abstract units(): Promise<{ id: string; parentId: string | null }[]>;
  abstract stationUnit(stationId: string): Promise<string | undefined>;
  abstract stationsInUnits(unitIds: readonly string[]): Promise<string[]>;
  abstract stationNames(ids: readonly string[]): Promise<{ id: string; name: string }[]>;
  abstract slots(ids: readonly string[]): Promise<Slot[]>;
  abstract programmes(ids: readonly string[]): Promise<{ id: string; title: string; chuyenMuc: string }[]>;
}

@Injectable()
export class TypeormCalendarRepository extends CalendarRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  insert(row: Omit<CalendarToken, 'id'>) {
    const repo = this.db.getRepository(CalendarToken);
    return repo.save(repo.create(row));
  }

  all() {
    return this.db.getRepository(CalendarToken).find({ order: { createdAt: 'DESC' } });
  }

  get(id: string) {
    return this.db.getRepository(CalendarToken).findOneBy({ id });
  }

  byHash(tokenHash: string) {
    return this.db.getRepository(CalendarToken).findOneBy({ tokenHash });
  }

  async revoke(id: string, at: string) {
    await this.db.getRepository(CalendarToken).update({ id }, { revokedAt: at });
  }

  maker(userId: string) {
    return this.db.getRepository(User).findOne({ select: { id: true, disabled: true, role: true, unitId: true }, where: { id: userId } });
  }

  units() {
    return this.db.getRepository(Unit).find({ select: { id: true, parentId: true } });
  }

  async stationUnit(stationId: string) {
    return (await this.db.getRepository(Station).findOne({ select: { id: true, unitId: true }, where: { id: stationId } }))?.unitId;
  }

  async stationsInUnits(unitIds: readonly string[]) {
    return unitIds.length ? (await this.db.getRepository(Station).find({ select: { id: true }, where: { unitId: In([...unitIds]) } })).map((s) => s.id) : [];
  }

  stationNames(ids: readonly string[]) {
    return ids.length ? this.db.getRepository(Station).find({ select: { id: true, name: true }, where: { id: In([...ids]) } }) : Promise.resolve([]);
  }

  slots(ids: readonly string[]) {
    return ids.length ? this.db.getRepository(Slot).findBy({ id: In([...new Set(ids)]) }) : Promise.resolve([]);
  }

  programmes(ids: readonly string[]) {
    return ids.length ? this.db.getRepository(Programme).find({ select: { id: true, title: true, chuyenMuc: true }, where: { id: In([...new Set(ids)]) } }) : Promise.resolve([]);
  }
}
