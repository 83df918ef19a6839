import { randomUUID } from 'node:crypto';
import type { EnrolmentRepository, RedeemMiss, StationCredentials } from '../../../apps/server/src/stations/enrolment.repository';
import type { SpeakerCluster, StationGroup, StationGroupMember } from '../../../apps/server/src/stations/station-group.entity';
import type { StationGroupsRepository } from '../../../apps/server/src/stations/station-groups.repository';
import type { StationEnrolment } from '../../../apps/server/src/stations/station-enrolment.entity';
import type { Station } from '../../../apps/server/src/stations/station.entity';
import type { PublicPart } from './fakes';

/** Station groups, their members and speaker clusters, in memory. */
export class InMemoryStationGroupsRepository implements PublicPart<StationGroupsRepository> {
  readonly groupRows: StationGroup[] = [];
  readonly memberRows: StationGroupMember[] = [];
  readonly clusterRows: SpeakerCluster[] = [];

  async groupNameTaken(name: string): Promise<boolean> {
    return this.groupRows.some((g) => g.name === name);
  }

  async createGroup(row: Omit<StationGroup, 'id'>, stationIds: readonly string[]): Promise<StationGroup> {
    const group = { ...row, id: randomUUID() };
    this.groupRows.push(group);
    this.memberRows.push(...stationIds.map((stationId) => ({ groupId: group.id, stationId })));
    return { ...group };
  }

  async groups(): Promise<StationGroup[]> {
    return [...this.groupRows].sort((a, b) => a.name.localeCompare(b.name));
  }

  async members(): Promise<StationGroupMember[]> {
    return [...this.memberRows];
  }

  async clusterNameTaken(stationId: string, name: string): Promise<boolean> {
    return this.clusterRows.some((c) => c.stationId === stationId && c.name === name);
  }

  async createCluster(row: Omit<SpeakerCluster, 'id'>): Promise<SpeakerCluster> {
    const cluster = { ...row, id: randomUUID() };
    this.clusterRows.push(cluster);
    return { ...cluster };
  }

  async clusters(stationId: string): Promise<SpeakerCluster[]> {
    return this.clusterRows.filter((c) => c.stationId === stationId).sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** Enrolment codes and the stations they enrol, in memory. */
export class InMemoryEnrolmentRepository implements PublicPart<EnrolmentRepository> {
  readonly codes: StationEnrolment[] = [];
  /** Set to make the next claim lose a race to another exchange. */
  loseNextClaim = false;

  constructor(readonly stations: Station[] = []) {}

  async replaceOpenCode(row: Omit<StationEnrolment, 'id' | 'usedAt'>): Promise<void> {
    for (let i = this.codes.length - 1; i >= 0; i--) if (this.codes[i]!.stationId === row.stationId && this.codes[i]!.usedAt === null) this.codes.splice(i, 1);
    this.codes.push({ ...row, id: randomUUID(), usedAt: null });
  }

  async redeem(codeHash: string, now: string, credentials: StationCredentials, vet: (enrolment: StationEnrolment | null) => void): Promise<Station | RedeemMiss> {
    const enrolment = this.codes.find((c) => c.codeHash === codeHash) ?? null;
    vet(enrolment ? { ...enrolment } : null);
    if (!enrolment) return 'station-gone';
    if (this.loseNextClaim) {
      this.loseNextClaim = false;
      return 'claimed-meanwhile';
    }
    const station = this.stations.find((s) => s.id === enrolment.stationId);
    if (!station) return 'station-gone';
    enrolment.usedAt = now;
    Object.assign(station, credentials, { tokenIssuedAt: now, enrolledAt: now });
    return { ...station };
  }
}
