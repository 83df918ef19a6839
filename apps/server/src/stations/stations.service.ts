import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { hashToken, newStationToken } from '../auth/password';
import { nowInstant } from '../common/columns';
import { LoaError } from '../common/errors';
import { DomainEvents } from '../common/events';
import { UnitsService } from '../units/units.service';
import { Station } from './station.entity';

export interface NewStation {
  unitId: string;
  name: string;
  code: string;
}

@Injectable()
export class StationsService {
  constructor(
    @InjectRepository(Station) private readonly stations: Repository<Station>,
    private readonly units: UnitsService,
    private readonly events: DomainEvents,
  ) {}

  /** Creates the station and its agent token; the token is in this answer and nowhere else, ever. */
  async create(input: NewStation) {
    await this.units.get(input.unitId);
    if (await this.stations.existsBy({ code: input.code })) {
      throw new LoaError('conflict', `Mã trạm "${input.code}" đã được dùng.`);
    }
    const token = newStationToken();
    const station = await this.stations.save(
      this.stations.create({
        unitId: input.unitId,
        name: input.name,
        code: input.code,
        tokenHash: hashToken(token),
        tokenHint: token.slice(0, 12),
        tokenIssuedAt: nowInstant(),
        scheduleVersion: 0,
        lastSeenAt: null,
        agentVersion: null,
        createdAt: nowInstant(),
      }),
    );
    this.events.emit({ type: 'station.created', stationId: station.id });
    return { station: toPublicStation(station), token };
  }

  /** A new token replaces the old one at once; an agent connected with the old one is dropped. */
  async rotateToken(id: string) {
    const station = await this.get(id);
    const token = newStationToken();
    await this.stations.update({ id }, { tokenHash: hashToken(token), tokenHint: token.slice(0, 12), tokenIssuedAt: nowInstant() });
    this.events.emit({ type: 'station.token-revoked', stationId: id });
    return { station: toPublicStation({ ...station, tokenHint: token.slice(0, 12) }), token };
  }

  async revokeToken(id: string) {
    await this.get(id);
    await this.stations.update({ id }, { tokenHash: null, tokenHint: null, tokenIssuedAt: null });
    this.events.emit({ type: 'station.token-revoked', stationId: id });
    return toPublicStation(await this.get(id));
  }

  findByToken(token: string): Promise<Station | null> {
    return this.stations.findOneBy({ tokenHash: hashToken(token) });
  }

  async get(id: string): Promise<Station> {
    const station = await this.stations.findOneBy({ id });
    if (!station) throw new LoaError('not_found', 'Không tìm thấy trạm này.');
    return station;
  }

  /** Every id must name a station; the error lists the ones that don't. */
  async requireAll(ids: string[]): Promise<Station[]> {
    const found = await this.stations.findBy({ id: In(ids) });
    const missing = ids.filter((id) => !found.some((s) => s.id === id));
    if (missing.length) throw new LoaError('not_found', 'Có trạm không tồn tại trong danh sách đã chọn.', { missing });
    return found;
  }

  async list(unitIds?: string[]) {
    const rows = await this.stations.find({ where: unitIds ? { unitId: In(unitIds) } : {}, order: { name: 'ASC' } });
    return rows.map(toPublicStation);
  }

  async markSeen(id: string, agentVersion: string | null): Promise<void> {
    await this.stations.update({ id }, { lastSeenAt: nowInstant(), ...(agentVersion ? { agentVersion } : {}) });
  }
}

export function toPublicStation(s: Station) {
  return {
    id: s.id,
    unitId: s.unitId,
    name: s.name,
    code: s.code,
    tokenHint: s.tokenHint,
    tokenIssuedAt: s.tokenIssuedAt,
    hasToken: s.tokenHash !== null,
    scheduleVersion: s.scheduleVersion,
    lastSeenAt: s.lastSeenAt,
    agentVersion: s.agentVersion,
    createdAt: s.createdAt,
  };
}
