import type { Principal } from '../auth/principal';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { InMemoryAuditRepository } from '../../../../test/support/fakes/audit.fake';
import { asRepository } from '../../../../test/support/fakes/fakes';
import type { AuditEntry } from './audit-entry.entity';
import type { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

let id = 0;
const entry = (e: Partial<AuditEntry>): AuditEntry => ({
  id: ++id,
  at: `2026-03-0${Math.min(9, id)}T00:00:00.000Z`,
  actorKind: 'user',
  actorId: 'root',
  actorName: 'root',
  entity: 'slot',
  entityId: 'x',
  action: 'update',
  before: null,
  after: JSON.stringify({ id: 'x' }),
  ...e,
});

function setup() {
  id = 0;
  const repo = new InMemoryAuditRepository(
    [
      entry({ entity: 'station', entityId: 's-a1' }),
      entry({ entity: 'station', entityId: 's-b1' }),
      entry({ actorKind: 'agent', actorId: 's-a1', entity: 'playback_event', entityId: 'e1' }),
      entry({ actorId: 'op-a1', entity: 'programme', entityId: 'p1' }),
      entry({ entity: 'user', entityId: 'op-b1' }),
      entry({ entity: 'unit', entityId: 'A1' }),
      entry({ entity: 'slot', entityId: 'slot-on-a1' }),
    ],
    [
      { id: 's-a1', unitId: 'A1' },
      { id: 's-b1', unitId: 'B1' },
    ],
    [
      { id: 'op-a1', unitId: 'A1' },
      { id: 'op-b1', unitId: 'B1' },
    ],
  );
  return new AuditService(asRepository<AuditRepository>(repo), provinceAccess().access);
}

const adminOf = (unitId: string | null): Principal => ({ kind: 'user', userId: 'adm', username: 'adm', role: 'admin', unitId });

describe('AuditService on an in-memory trail', () => {
  it('shows an admin of district A the changes to and by its subtree only, with the rows parsed', async () => {
    const page = await setup().list({}, adminOf('A'));
    expect(page.items.map((e) => `${e.entity}:${e.entityId}`)).toEqual(['unit:A1', 'programme:p1', 'playback_event:e1', 'station:s-a1']);
    expect(page.items[0]!.after).toEqual({ id: 'x' });
    expect(page.next).toBeNull();
  });

  it('shows someone who reaches nothing nothing, and an unbound admin everything', async () => {
    const service = setup();
    expect((await service.list({}, { kind: 'user', userId: 'op', username: 'op', role: 'operator', unitId: null })).items).toEqual([]);
    expect((await service.list({}, adminOf(null))).items).toHaveLength(7);
  });

  it('pages newest first, handing the last id of a full page on as the next `before`', async () => {
    const service = setup();
    const first = await service.list({ limit: 3 });
    expect(first.items.map((e) => e.id)).toEqual([7, 6, 5]);
    expect(first.next).toBe(5);
    const second = await service.list({ limit: 3, before: first.next! });
    expect(second.items.map((e) => e.id)).toEqual([4, 3, 2]);
  });

  it('reads the period as instants in the one form the HTTP edge gave them', async () => {
    const page = await setup().list({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z' });
    expect(page.items.map((e) => e.id)).toEqual([3, 2]);
  });
});
