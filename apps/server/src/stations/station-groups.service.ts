import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
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

  async listGroups() {
    const [groups, members] = await Promise.all([this.db.getRepository(StationGroup).find({ order: { name: 'ASC' } }), this.db.getRepository(StationGroupMember).find()]);
    return groups.map((g) => ({ ...g, stationIds: members.filter((m) => m.groupId === g.id).map((m) => m.stationId) }));
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
