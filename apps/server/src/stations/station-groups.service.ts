import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { SpeakerCluster, StationGroup, StationGroupMember } from './station-group.entity';
import { StationsService } from './stations.service';

/** Named station groups and a station's speaker clusters: the other things a slot can target. */
@Injectable()
export class StationGroupsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly stations: StationsService,
    private readonly clock: Clock,
    private readonly access: AccessPolicy,
  ) {}

  async createGroup(name: string, stationIds: string[]) {
    await this.stations.requireAll(stationIds);
    const trimmed = name.trim();
    if (await this.db.getRepository(StationGroup).existsBy({ name: trimmed })) throw new LoaError('conflict', `Nhóm trạm "${trimmed}" đã có.`);
    const group = await this.db.transaction(async (m) => {
      const g = await m.save(m.create(StationGroup, { name: trimmed, createdAt: this.clock.nowInstant() }));
      if (stationIds.length) await m.insert(StationGroupMember, stationIds.map((stationId) => ({ groupId: g.id, stationId })));
      return g;
    });
    return { ...group, stationIds };
  }

  /** The groups with at least one station `who` may see, each listing only those stations. */
  async listGroups(who: Principal) {
    const [groups, members, visible] = await Promise.all([
      this.db.getRepository(StationGroup).find({ order: { name: 'ASC' } }),
      this.db.getRepository(StationGroupMember).find(),
      this.access.visibleStations(who),
    ]);
    return groups
      .map((g) => ({ ...g, stationIds: members.filter((m) => m.groupId === g.id && (!visible || visible.has(m.stationId))).map((m) => m.stationId) }))
      .filter((g) => !visible || g.stationIds.length > 0);
  }

  async createCluster(stationId: string, name: string) {
    await this.stations.get(stationId);
    const trimmed = name.trim();
    const repo = this.db.getRepository(SpeakerCluster);
    if (await repo.existsBy({ stationId, name: trimmed })) throw new LoaError('conflict', `Trạm đã có cụm loa "${trimmed}".`);
    const cluster = await repo.save(repo.create({ stationId, name: trimmed, createdAt: this.clock.nowInstant() }));
    return cluster;
  }

  async listClusters(stationId: string) {
    await this.stations.get(stationId);
    return this.db.getRepository(SpeakerCluster).find({ where: { stationId }, order: { name: 'ASC' } });
  }
}
