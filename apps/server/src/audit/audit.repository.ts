import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, In } from 'typeorm';
import { Station } from '../stations/station.entity';
import { User } from '../users/user.entity';
import { AuditAction, AuditEntry } from './audit-entry.entity';

/** Which entries a page holds; instants are ISO strings, `before` an entry id. */
export interface AuditFilter {
  entity?: string;
  entityId?: string;
  actorId?: string;
  action?: AuditAction;
  from?: string;
  to?: string;
  before?: number;
}

/**
 * The part of the trail a person bound to a unit sees: changes to these units, stations and accounts, and
 * changes made by these stations and accounts. `'all'` for someone who sees everything.
 */
export type AuditScope = 'all' | { unitIds: readonly string[]; stationIds: readonly string[]; userIds: readonly string[] };

/** The audit trail (written by triggers, read here) and the ids a scope is made of. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  stationsIn(unitIds: readonly string[]): Promise<string[]> {
    return this.db
      .getRepository(Station)
      .find({ select: { id: true }, where: { unitId: In([...unitIds]) } })
      .then((rows) => rows.map((s) => s.id));
  }

  usersIn(unitIds: readonly string[]): Promise<string[]> {
    return this.db
      .getRepository(User)
      .find({ select: { id: true }, where: { unitId: In([...unitIds]) } })
      .then((rows) => rows.map((u) => u.id));
  }

  /** Up to `limit` entries matching `filter` inside `scope`, newest first. */
  page(filter: AuditFilter, scope: AuditScope, limit: number): Promise<AuditEntry[]> {
    const qb = this.db.getRepository(AuditEntry).createQueryBuilder('a');
    if (scope !== 'all') {
      const { unitIds, stationIds, userIds } = scope;
      if (!unitIds.length) return Promise.resolve([]);
      qb.andWhere(
        new Brackets((w) => {
          w.where(`(a.entity = 'unit' AND a.entityId IN (:...scopeUnits))`, { scopeUnits: unitIds });
          if (stationIds.length) {
            w.orWhere(`(a.entity = 'station' AND a.entityId IN (:...scopeStations))`, { scopeStations: stationIds });
            w.orWhere(`(a.actorKind = 'agent' AND a.actorId IN (:...scopeStations))`);
          }
          if (userIds.length) {
            w.orWhere(`(a.entity = 'user' AND a.entityId IN (:...scopeUsers))`, { scopeUsers: userIds });
            w.orWhere(`(a.actorKind = 'user' AND a.actorId IN (:...scopeUsers))`);
          }
        }),
      );
    }
    if (filter.entity) qb.andWhere('a.entity = :entity', { entity: filter.entity });
    if (filter.entityId) qb.andWhere('a.entityId = :entityId', { entityId: filter.entityId });
    if (filter.actorId) qb.andWhere('a.actorId = :actorId', { actorId: filter.actorId });
    if (filter.action) qb.andWhere('a.action = :action', { action: filter.action });
    if (filter.from) qb.andWhere('a.at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('a.at < :to', { to: filter.to });
    if (filter.before) qb.andWhere('a.id < :before', { before: filter.before });
    return qb.orderBy('a.id', 'DESC').take(limit).getMany();
  }
}
