import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { asRepository, partial } from '../../../../test/support/fakes/fakes';
import { InMemoryStationGroupsRepository } from '../../../../test/support/fakes/stations.fake';
import type { StationGroupsRepository } from './station-groups.repository';
import { StationGroupsService } from './station-groups.service';
import type { Station } from './station.entity';
import type { StationsService } from './stations.service';

class FixedClock extends Clock {
  override now(): number {
    return Date.parse('2026-03-01T00:00:00Z');
  }
}

function setup() {
  const repo = new InMemoryStationGroupsRepository();
  const known = ['s-a1', 's-b1'];
  const get = async (id: string) => {
    if (!known.includes(id)) throw new LoaError('not_found', 'Không tìm thấy trạm này.');
    return { id } as Station;
  };
  const stations = partial<StationsService>('stations', { get, requireAll: (ids: string[]) => Promise.all(ids.map(get)) });
  const groups = new StationGroupsService(asRepository<StationGroupsRepository>(repo), stations, new FixedClock(), provinceAccess().access);
  return { groups, repo };
}

const editorOf = (unitId: string | null): Principal => ({ kind: 'user', userId: 'e', username: 'e', role: 'editor', unitId });

describe('StationGroupsService on in-memory groups', () => {
  it('creates a group under its trimmed name, once, and only of stations that exist', async () => {
    const { groups, repo } = setup();
    const made = await groups.createGroup('  Các xã ven biển ', ['s-a1', 's-b1']);
    expect(made).toMatchObject({ name: 'Các xã ven biển', stationIds: ['s-a1', 's-b1'], createdAt: '2026-03-01T00:00:00.000Z' });
    await expect(groups.createGroup('Các xã ven biển', ['s-a1'])).rejects.toMatchObject({ code: 'conflict' });
    await expect(groups.createGroup('Khác', ['s-a1', 'nowhere'])).rejects.toMatchObject({ code: 'not_found' });
    expect(repo.groupRows).toHaveLength(1);
  });

  it('lists to someone bound to a unit only the groups with its stations, each narrowed to them', async () => {
    const { groups } = setup();
    await groups.createGroup('Ven biển', ['s-a1', 's-b1']);
    await groups.createGroup('Miền núi', ['s-b1']);
    expect(await groups.listGroups(editorOf('A'))).toEqual([expect.objectContaining({ name: 'Ven biển', stationIds: ['s-a1'] })]);
    expect((await groups.listGroups(editorOf(null))).map((g) => g.name)).toEqual(['Miền núi', 'Ven biển']);
  });

  it('names a station\'s speaker clusters uniquely within the station', async () => {
    const { groups } = setup();
    await groups.createCluster('s-a1', ' Thôn 2 ');
    await groups.createCluster('s-a1', 'Thôn 1');
    await groups.createCluster('s-b1', 'Thôn 1');
    await expect(groups.createCluster('s-a1', 'Thôn 1')).rejects.toMatchObject({ code: 'conflict' });
    await expect(groups.listClusters('nowhere')).rejects.toMatchObject({ code: 'not_found' });
    expect((await groups.listClusters('s-a1')).map((c) => c.name)).toEqual(['Thôn 1', 'Thôn 2']);
  });
});
