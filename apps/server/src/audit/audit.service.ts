import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, In, Repository, SelectQueryBuilder } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Station } from '../stations/station.entity';
import { User } from '../users/user.entity';
import { AuditEntry } from './audit-entry.entity';
import type { AuditQuery } from './dto/audit-query.dto';

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>,
    @InjectRepository(Station) private readonly stations: Repository<Station>,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly access: AccessPolicy,
  ) {}

  /** Newest first; `next` is the `before` of the following page, or null at the end. */
  async list(query: AuditQuery, who?: Principal) {
    const limit = query.limit ?? 100;
    const qb = this.entries.createQueryBuilder('a');
    if (who) await this.scope(qb, who);
    if (query.entity) qb.andWhere('a.entity = :entity', { entity: query.entity });
    if (query.entityId) qb.andWhere('a.entityId = :entityId', { entityId: query.entityId });
    if (query.actorId) qb.andWhere('a.actorId = :actorId', { actorId: query.actorId });
    if (query.action) qb.andWhere('a.action = :action', { action: query.action });
    if (query.from) qb.andWhere('a.at >= :from', { from: new Date(query.from).toISOString() });
    if (query.to) qb.andWhere('a.at < :to', { to: new Date(query.to).toISOString() });
    if (query.before) qb.andWhere('a.id < :before', { before: query.before });
    const rows = await qb.orderBy('a.id', 'DESC').take(limit).getMany();
    return {
      items: rows.map((r) => ({ ...r, before: parse(r.before), after: parse(r.after) })),
      next: rows.length === limit ? rows[rows.length - 1].id : null,
    };
  }

  /**
   * For someone bound to a unit: the changes to that subtree's units, stations and accounts, and every
   * change made by an account or a station of the subtree. Changes an upper level made to other rows
   * of the subtree (its slots, programmes) are left out, as is everything about a sibling.
   */
  private async scope(qb: SelectQueryBuilder<AuditEntry>, who: Principal): Promise<void> {
    const reach = await this.access.reach(who);
    if (reach.all) return;
    const unitIds = [...reach.units];
    if (!unitIds.length) {
      qb.andWhere('1 = 0');
      return;
    }
    const stationIds = (await this.stations.find({ select: { id: true }, where: { unitId: In(unitIds) } })).map((s) => s.id);
    const userIds = (await this.users.find({ select: { id: true }, where: { unitId: In(unitIds) } })).map((u) => u.id);
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
}

function parse(json: string | null): unknown {
  return json === null ? null : (JSON.parse(json) as unknown);
}
