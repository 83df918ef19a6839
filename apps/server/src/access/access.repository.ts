import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
import { User } from '../users/user.entity';
import type { UnitLink } from './access-policy';

/** A station or a user with the unit it belongs to. */
export interface InUnit {
  id: string;
  unitId: string | null;
}

/** The facts the access policy decides on: the unit tree, and which unit each station and user sits in. */
@Injectable()
export class AccessRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  units(): Promise<UnitLink[]> {
    return this.db.getRepository(Unit).find({ select: { id: true, parentId: true } });
  }

  unitExists(id: string): Promise<boolean> {
    return this.db.getRepository(Unit).existsBy({ id });
  }

  /** The stations that sit in any of `unitIds`. */
  stationsInUnits(unitIds: readonly string[]): Promise<{ id: string; unitId: string }[]> {
    return this.db.getRepository(Station).find({ select: { id: true, unitId: true }, where: { unitId: In([...unitIds]) } });
  }

  /** The listed stations that exist, with their units. */
  stations(ids: readonly string[]): Promise<{ id: string; unitId: string }[]> {
    return this.db.getRepository(Station).find({ select: { id: true, unitId: true }, where: { id: In([...ids]) } });
  }

  /** The listed users that exist, with their units. */
  users(ids: readonly string[]): Promise<InUnit[]> {
    return this.db.getRepository(User).find({ select: { id: true, unitId: true }, where: { id: In([...ids]) } });
  }
}
