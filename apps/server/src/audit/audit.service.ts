import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditEntry } from './audit-entry.entity';
import type { AuditQuery } from './dto/audit-query.dto';

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>) {}

  /** Newest first; `next` is the `before` of the following page, or null at the end. */
  async list(query: AuditQuery) {
    const limit = query.limit ?? 100;
    const qb = this.entries.createQueryBuilder('a');
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
}

function parse(json: string | null): unknown {
  return json === null ? null : (JSON.parse(json) as unknown);
}
