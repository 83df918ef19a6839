import { Injectable } from '@nestjs/common';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { StationGroupsRepository } from './station-groups.repository';
import { StationsService } from './stations.service';

/** Named station groups and a station's speaker clusters: the other things a slot can target. */
@Injectable()
export class StationGroupsService {
  constructor(
    private readonly db: StationGroupsRepository,
    private readonly stations: StationsService,
    private readonly clock: Clock,
    private readonly access: AccessPolicy,
  ) {}

  async createGroup(name: string, stationIds: string[]) {
    await this.stations.requireAll(stationIds);
    const trimmed = name.trim();
    if (await this.db.groupNameTaken(trimmed)) throw new LoaError('conflict', `Nhóm trạm "${trimmed}" đã có.`);
    const group = await this.db.createGroup({ name: trimmed, createdAt: this.clock.nowInstant() }, stationIds);
    return { ...group, stationIds };
  }

  /** The groups with at least one station `who` may see, each listing only those stations. */
  async listGroups(who: Principal) {
    const [groups, members, visible] = await Promise.all([
      this.db.groups(),
      this.db.members(),
      this.access.visibleStations(who),
    ]);
    return groups
      .map((g) => ({ ...g, stationIds: members.filter((m) => m.groupId === g.id && (!visible || visible.has(m.stationId))).map((m) => m.stationId) }))
      .filter((g) => !visible || g.stationIds.length > 0);
  }

  async createCluster(stationId: string, name: string) {
    await this.stations.get(stationId);
    const trimmed = name.trim();
    if (await this.db.clusterNameTaken(stationId, trimmed)) throw new LoaError('conflict', `Trạm đã có cụm loa "${trimmed}".`);
    return this.db.createCluster({ stationId, name: trimmed, createdAt: this.clock.nowInstant() });
  }

  async listClusters(stationId: string) {
    await this.stations.get(stationId);
    return this.db.clusters(stationId);
  }
}
