import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SpeakerCluster, StationGroup, StationGroupMember } from './station-group.entity';

/** Station groups with their members, and the stations' speaker clusters. */
@Injectable()
export class StationGroupsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  groupNameTaken(name: string): Promise<boolean> {
    return this.db.getRepository(StationGroup).existsBy({ name });
  }

  /** The group and its members, in one transaction. */
  createGroup(row: Omit<StationGroup, 'id'>, stationIds: readonly string[]): Promise<StationGroup> {
    return this.db.transaction(async (m) => {
      const g = await m.save(m.create(StationGroup, row));
      if (stationIds.length) await m.insert(StationGroupMember, stationIds.map((stationId) => ({ groupId: g.id, stationId })));
      return g;
    });
  }

  /** Every group, by name. */
  groups(): Promise<StationGroup[]> {
    return this.db.getRepository(StationGroup).find({ order: { name: 'ASC' } });
  }

  members(): Promise<StationGroupMember[]> {
    return this.db.getRepository(StationGroupMember).find();
  }

  clusterNameTaken(stationId: string, name: string): Promise<boolean> {
    return this.db.getRepository(SpeakerCluster).existsBy({ stationId, name });
  }

  createCluster(row: Omit<SpeakerCluster, 'id'>): Promise<SpeakerCluster> {
    const repo = this.db.getRepository(SpeakerCluster);
    return repo.save(repo.create(row));
  }

  /** A station's clusters, by name. */
  clusters(stationId: string): Promise<SpeakerCluster[]> {
    return this.db.getRepository(SpeakerCluster).find({ where: { stationId }, order: { name: 'ASC' } });
  }
}
