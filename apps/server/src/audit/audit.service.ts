import { Injectable } from '@nestjs/common';
import type { AuditPage } from '@loa/api-types';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { AuditRepository, type AuditScope } from './audit.repository';
import type { AuditQuery } from './dto/audit-query.dto';

@Injectable()
export class AuditService {
  constructor(
    private readonly entries: AuditRepository,
    private readonly access: AccessPolicy,
  ) {}

  /** Newest first; `next` is the `before` of the following page, or null at the end. */
  async list(query: AuditQuery, who?: Principal): Promise<AuditPage> {
    const limit = query.limit ?? 100;
    const scope = who ? await this.scope(who) : 'all';
    const rows = await this.entries.page(
      {
        entity: query.entity,
        entityId: query.entityId,
        actorId: query.actorId,
        action: query.action,
        from: query.from,
        to: query.to,
        before: query.before,
      },
      scope,
      limit,
    );
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
  private async scope(who: Principal): Promise<AuditScope> {
    const reach = await this.access.reach(who);
    if (reach.all) return 'all';
    const unitIds = [...reach.units];
    if (!unitIds.length) return { unitIds, stationIds: [], userIds: [] };
    return { unitIds, stationIds: await this.entries.stationsIn(unitIds), userIds: await this.entries.usersIn(unitIds) };
  }
}

/** A row as the trigger stored it: a JSON object of its columns. */
function parse(json: string | null): Record<string, unknown> | null {
  return json === null ? null : (JSON.parse(json) as Record<string, unknown>);
}
