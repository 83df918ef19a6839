import type { Principal } from '../auth/principal';
import { allows, ancestorsOf, mayApprove, mayAuthor, mayEditAiring, ownStationsOf, reachOf, type Actor, type UnitLink, type UserPrincipal } from './access-policy';

// Province P → districts A and B (siblings) → communes A1 (under A) and B1 (under B); one station in each commune.
const units: UnitLink[] = [
  { id: 'P', parentId: null },
  { id: 'A', parentId: 'P' },
  { id: 'B', parentId: 'P' },
  { id: 'A1', parentId: 'A' },
  { id: 'B1', parentId: 'B' },
];
const stations = [
  { id: 's-a1', unitId: 'A1' },
  { id: 's-b1', unitId: 'B1' },
];

function user(role: UserPrincipal['role'], unitId: string | null, userId = `${role}-${unitId ?? 'none'}`): UserPrincipal {
  return { kind: 'user', userId, username: userId, role, unitId };
}
const actor = (u: UserPrincipal): Actor => ({ userId: u.userId, username: u.username, role: u.role, unitId: u.unitId });
const reachOfUser = (u: UserPrincipal) => reachOf(u, units);

describe('the access policy: how far each principal reaches', () => {
  it('a unit-bound person of any role reaches its unit and every unit below it, never a sibling or a parent', () => {
    for (const role of ['admin', 'editor', 'approver', 'operator', 'inspector'] as const) {
      const reach = reachOfUser(user(role, 'A'));
      expect(reach.all).toBe(false);
      expect(reach.all ? [] : [...reach.units].sort()).toEqual(['A', 'A1']);
    }
  });

  it('province-level staff reach the whole province', () => {
    const reach = reachOfUser(user('inspector', 'P'));
    expect(reach.all ? [] : [...reach.units].sort()).toEqual(['A', 'A1', 'B', 'B1', 'P']);
  });

  it('an admin (or staff) with no unit reaches everything; an operator with no unit reaches nothing; an agent nothing', () => {
    expect(reachOfUser(user('admin', null)).all).toBe(true);
    expect(reachOfUser(user('editor', null)).all).toBe(true);
    const operator = reachOfUser(user('operator', null));
    expect(operator.all ? 'all' : operator.units.size).toBe(0);
    const agent: Principal = { kind: 'agent', stationId: 's-a1', stationName: 'x' };
    const reach = reachOf(agent, units);
    expect(reach.all ? 'all' : reach.units.size).toBe(0);
    expect(reachOf(null, units).all).toBe(true);
  });

  it('names the units above a unit, nearest first', () => {
    expect(ancestorsOf(units, 'A1')).toEqual(['A', 'P']);
    expect(ancestorsOf(units, 'P')).toEqual([]);
  });
});

describe('the access policy: one decision for units, stations, broadcasts and what people made', () => {
  const editorA = user('editor', 'A');
  const decide = (who: UserPrincipal, action: 'read' | 'write', resource: Parameters<typeof allows>[3]) => allows(who, reachOfUser(who), action, resource, units);

  it('a station or unit is reached only inside the subtree', () => {
    expect(decide(editorA, 'read', { kind: 'station', unitId: 'A1' })).toBe(true);
    expect(decide(editorA, 'read', { kind: 'station', unitId: 'B1' })).toBe(false);
    expect(decide(editorA, 'write', { kind: 'unit', unitId: 'B' })).toBe(false);
    expect(decide(editorA, 'read', { kind: 'unit', unitId: 'P' })).toBe(false);
  });

  it('a broadcast over several units is read when one of them is reached and changed only when all are', () => {
    const both = { kind: 'targets' as const, unitIds: ['A1', 'B1'] };
    expect(decide(editorA, 'read', both)).toBe(true);
    expect(decide(editorA, 'write', both)).toBe(false);
    expect(decide(editorA, 'write', { kind: 'targets', unitIds: ['A1'] })).toBe(true);
    expect(decide(editorA, 'read', { kind: 'targets', unitIds: ['B1'] })).toBe(false);
    expect(decide(editorA, 'write', { kind: 'targets', unitIds: [] })).toBe(false);
    expect(decide(user('admin', null), 'write', both)).toBe(true);
  });

  it('what a commune makes is seen by it and the levels above; what an upper level makes is shared downward; siblings see neither', () => {
    const communeA1 = { kind: 'owned' as const, ownerId: 'op-a1', ownerUnitId: 'A1' };
    expect(decide(user('operator', 'A1', 'other-a1'), 'read', communeA1)).toBe(true);
    expect(decide(user('inspector', 'A'), 'read', communeA1)).toBe(true);
    expect(decide(user('inspector', 'P'), 'read', communeA1)).toBe(true);
    expect(decide(user('operator', 'B1'), 'read', communeA1)).toBe(false);
    expect(decide(user('editor', 'B'), 'read', communeA1)).toBe(false);

    const districtA = { kind: 'owned' as const, ownerId: 'ed-a', ownerUnitId: 'A' };
    expect(decide(user('operator', 'A1'), 'read', districtA)).toBe(true);
    expect(decide(user('operator', 'B1'), 'read', districtA)).toBe(false);
    expect(decide(user('operator', 'A1'), 'write', districtA)).toBe(false);

    const unbound = { kind: 'owned' as const, ownerId: 'admin', ownerUnitId: null };
    expect(decide(user('operator', 'B1'), 'read', unbound)).toBe(true);
    expect(decide(user('operator', 'B1'), 'write', unbound)).toBe(false);
  });

  it('what someone made is changed by its maker, by people whose unit reaches the maker\'s, and by admins with no unit', () => {
    const upload = { kind: 'owned' as const, ownerId: 'op-a1', ownerUnitId: 'A1' };
    expect(decide(user('operator', 'A1', 'op-a1'), 'write', upload)).toBe(true);
    expect(decide(user('operator', 'B1'), 'write', upload)).toBe(false);
    expect(decide(user('editor', 'A'), 'write', upload)).toBe(true);
    expect(decide(user('editor', 'B'), 'write', upload)).toBe(false);
    expect(decide(user('admin', null), 'write', upload)).toBe(true);
  });
});

describe('the access policy: who may do what on the schedule', () => {
  const operator = user('operator', 'A1');
  const own = ownStationsOf(reachOfUser(operator), stations);
  const local = { source: 'local' as const, priority: 'normal' as const, stationIds: ['s-a1'] };
  const relayOnB = { source: 'relay' as const, priority: 'normal' as const, stationIds: ['s-b1'] };

  it('a commune operator authors and approves local programmes on its own station only', () => {
    expect(mayAuthor(actor(operator), local, own) && mayApprove(actor(operator), local, own)).toBe(true);
    expect(mayAuthor(actor(operator), { ...local, stationIds: ['s-a1', 's-b1'] }, own)).toBe(false);
    expect(mayAuthor(actor(operator), { ...local, source: 'relay' }, own)).toBe(false);
    expect(mayAuthor(actor(operator), { ...local, priority: 'emergency' }, own)).toBe(false);
  });

  it('an editor bound to district A schedules on A\'s stations, not on B\'s', () => {
    const editorA = user('editor', 'A');
    const ownA = ownStationsOf(reachOfUser(editorA), stations);
    expect(mayAuthor(actor(editorA), { ...relayOnB, stationIds: ['s-a1'] }, ownA)).toBe(true);
    expect(mayAuthor(actor(editorA), relayOnB, ownA)).toBe(false);
    expect(mayAuthor(actor(editorA), { ...relayOnB, stationIds: ['s-a1', 's-b1'] }, ownA)).toBe(false);
  });

  it('an approver bound to district A approves A\'s slots, not B\'s; one at the province approves both', () => {
    const approverA = user('approver', 'A');
    const ownA = ownStationsOf(reachOfUser(approverA), stations);
    expect(mayApprove(actor(approverA), { ...relayOnB, stationIds: ['s-a1'] }, ownA)).toBe(true);
    expect(mayApprove(actor(approverA), relayOnB, ownA)).toBe(false);
    const approverP = user('approver', 'P');
    expect(mayApprove(actor(approverP), { ...relayOnB, stationIds: ['s-a1', 's-b1'] }, ownStationsOf(reachOfUser(approverP), stations))).toBe(true);
  });

  it('an editor drafts but approves nothing; the system and unbound admins approve anything', () => {
    const editor = user('editor', null);
    expect(mayAuthor(actor(editor), relayOnB, ownStationsOf(reachOfUser(editor), stations))).toBe(true);
    expect(mayApprove(actor(editor), local, 'all')).toBe(false);
    expect(mayApprove(null, local, new Set())).toBe(true);
    expect(mayApprove(actor(user('admin', null)), relayOnB, 'all')).toBe(true);
    expect(mayAuthor(actor(user('inspector', null)), relayOnB, 'all')).toBe(false);
  });

  it('the commune declines or moves only normal items, only on its station; staff only inside their unit', () => {
    expect(mayEditAiring(actor(operator), 'normal', 's-a1', ['s-a1'], own)).toBe(true);
    expect(mayEditAiring(actor(operator), 'priority', 's-a1', ['s-a1'], own)).toBe(false);
    expect(mayEditAiring(actor(operator), 'normal', null, ['s-a1'], own)).toBe(false);
    expect(mayEditAiring(actor(operator), 'normal', 's-b1', ['s-b1'], own)).toBe(false);
    const editorA = user('editor', 'A');
    const ownA = ownStationsOf(reachOfUser(editorA), stations);
    expect(mayEditAiring(actor(editorA), 'priority', 's-a1', ['s-a1', 's-b1'], ownA)).toBe(true);
    expect(mayEditAiring(actor(editorA), 'priority', null, ['s-a1', 's-b1'], ownA)).toBe(false);
    expect(mayEditAiring(actor(editorA), 'priority', 's-b1', ['s-a1', 's-b1'], ownA)).toBe(false);
  });
});
