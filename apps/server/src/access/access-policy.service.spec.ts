import type { Principal, Role } from '../auth/principal';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';

const user = (role: Role, unitId: string | null, userId = `${role}-${unitId ?? 'all'}`): Principal => ({ kind: 'user', userId, username: userId, role, unitId });

describe('AccessPolicy over the unit tree it loads', () => {
  it('shows a district editor the stations of its communes only, and an unbound admin every station', async () => {
    const { access } = provinceAccess();
    expect(await access.visibleStations(user('editor', 'A'))).toEqual(new Set(['s-a1']));
    expect(await access.visibleStations(user('admin', null))).toBeUndefined();
    expect(await access.visibleStations(user('operator', null))).toEqual(new Set());
  });

  it('refuses a sibling district\'s station and unit, and lets a name that matches nothing through to its 404', async () => {
    const { access } = provinceAccess();
    await expect(access.requireStation(user('editor', 'A'), 's-b1')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(access.requireUnit(user('editor', 'A'), 'B1', 'write')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(access.requireStation(user('editor', 'A'), 's-a1', 'write')).resolves.toBeUndefined();
    await expect(access.requireStation(user('editor', 'A'), 'no-such-station')).resolves.toBeUndefined();
    await expect(access.requireUnit(user('editor', 'A'), 'no-such-unit')).resolves.toBeUndefined();
  });

  it('reads a shared broadcast when one target is reached, changes it only when all are', async () => {
    const { access } = provinceAccess();
    await expect(access.requireTargets(user('editor', 'A'), 'read', ['s-a1', 's-b1'])).resolves.toBeUndefined();
    await expect(access.requireTargets(user('editor', 'A'), 'write', ['s-a1', 's-b1'])).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('shares what a district made down to its communes, never to a sibling', async () => {
    const { access } = provinceAccess({ users: [{ id: 'ed-a', unitId: 'A' }, { id: 'ed-b', unitId: 'B' }, { id: 'root', unitId: null }] });
    const rows = [{ by: 'ed-a' }, { by: 'ed-b' }, { by: 'root' }, { by: null }];
    const seen = await access.filterOwned(user('operator', 'A1'), rows, (r) => r.by);
    expect(seen.map((r) => r.by)).toEqual(['ed-a', 'root', null]);
    await expect(access.requireOwned(user('operator', 'A1'), 'write', 'ed-a')).rejects.toMatchObject({ code: 'forbidden' });
  });
});
