import type { AuditEntry } from '../../../apps/server/src/audit/audit-entry.entity';
import type { AuditFilter, AuditRepository, AuditScope } from '../../../apps/server/src/audit/audit.repository';
import type { PublicPart } from './fakes';

/** The audit trail in memory, with the stations and users of each unit its scopes are built from. */
export class InMemoryAuditRepository implements PublicPart<AuditRepository> {
  constructor(
    readonly entries: AuditEntry[] = [],
    readonly stationUnits: { id: string; unitId: string }[] = [],
    readonly userUnits: { id: string; unitId: string | null }[] = [],
  ) {}

  async stationsIn(unitIds: readonly string[]): Promise<string[]> {
    return this.stationUnits.filter((s) => unitIds.includes(s.unitId)).map((s) => s.id);
  }

  async usersIn(unitIds: readonly string[]): Promise<string[]> {
    return this.userUnits.filter((u) => u.unitId !== null && unitIds.includes(u.unitId)).map((u) => u.id);
  }

  async page(filter: AuditFilter, scope: AuditScope, limit: number): Promise<AuditEntry[]> {
    return this.entries
      .filter((a) => scope === 'all' || inScope(a, scope))
      .filter(
        (a) =>
          (!filter.entity || a.entity === filter.entity) &&
          (!filter.entityId || a.entityId === filter.entityId) &&
          (!filter.actorId || a.actorId === filter.actorId) &&
          (!filter.action || a.action === filter.action) &&
          (!filter.from || a.at >= filter.from) &&
          (!filter.to || a.at < filter.to) &&
          (!filter.before || a.id < filter.before),
      )
      .sort((a, b) => b.id - a.id)
      .slice(0, limit)
      .map((a) => ({ ...a }));
  }
}

function inScope(a: AuditEntry, scope: Exclude<AuditScope, 'all'>): boolean {
  return (
    (a.entity === 'unit' && scope.unitIds.includes(a.entityId)) ||
    (a.entity === 'station' && scope.stationIds.includes(a.entityId)) ||
    (a.actorKind === 'agent' && a.actorId !== null && scope.stationIds.includes(a.actorId)) ||
    (a.entity === 'user' && scope.userIds.includes(a.entityId)) ||
    (a.actorKind === 'user' && a.actorId !== null && scope.userIds.includes(a.actorId))
  );
}
