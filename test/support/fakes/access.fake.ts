import { AccessPolicy, type UnitLink } from '../../../apps/server/src/access/access-policy';
import type { AccessRepository, InUnit } from '../../../apps/server/src/access/access.repository';
import { asRepository, type PublicPart } from './fakes';

/** The unit tree and who sits where, in memory. */
export class InMemoryAccessRepository implements PublicPart<AccessRepository> {
  constructor(
    readonly unitRows: UnitLink[] = [],
    readonly stationRows: { id: string; unitId: string }[] = [],
    readonly userRows: InUnit[] = [],
  ) {}

  async units(): Promise<UnitLink[]> {
    return this.unitRows.map((u) => ({ ...u }));
  }

  async unitExists(id: string): Promise<boolean> {
    return this.unitRows.some((u) => u.id === id);
  }

  async stationsInUnits(unitIds: readonly string[]): Promise<{ id: string; unitId: string }[]> {
    return this.stationRows.filter((s) => unitIds.includes(s.unitId)).map((s) => ({ ...s }));
  }

  async stations(ids: readonly string[]): Promise<{ id: string; unitId: string }[]> {
    return this.stationRows.filter((s) => ids.includes(s.id)).map((s) => ({ ...s }));
  }

  async users(ids: readonly string[]): Promise<InUnit[]> {
    return this.userRows.filter((u) => ids.includes(u.id)).map((u) => ({ ...u }));
  }
}

/**
 * A province P with districts A and B, communes A1 (under A) and B1 (under B), one station in each commune.
 * The real policy decides over it.
 */
export function provinceAccess(extra: Partial<{ users: InUnit[] }> = {}): { access: AccessPolicy; facts: InMemoryAccessRepository } {
  const facts = new InMemoryAccessRepository(
    [
      { id: 'P', parentId: null },
      { id: 'A', parentId: 'P' },
      { id: 'B', parentId: 'P' },
      { id: 'A1', parentId: 'A' },
      { id: 'B1', parentId: 'B' },
    ],
    [
      { id: 's-a1', unitId: 'A1' },
      { id: 's-b1', unitId: 'B1' },
    ],
    extra.users ?? [],
  );
  return { access: new AccessPolicy(asRepository<AccessRepository>(facts)), facts };
}
