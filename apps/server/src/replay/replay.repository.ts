import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, MoreThanOrEqual, Not } from 'typeorm';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { MediaAsset } from '../media/media-asset.entity';
import { Programme } from '../programmes/programme.entity';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';

/** Results of a line whose programme really went out, at least in part. */
const AIRED = ['complete', 'partial', 'interrupted'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ReplayUnit {
  id: string;
  name: string;
  kind: string;
  code: string | null;
  retiredAt: string | null;
  mergedIntoId: string | null;
}

export interface AiredLine {
  programmeId: string;
  actualStart: string;
}

export interface PublicProgramme {
  id: string;
  title: string;
  chuyenMuc: string;
  description: string;
  mediaAssetId: string;
}

export interface ReadyFile {
  id: string;
  sha256: string;
  size: number;
  durationMs: number;
}

/** What the public replay pages read: a unit by its public code, its stations, its aired lines, public programmes. */
export abstract class ReplayRepository {
  abstract unitByCode(code: string): Promise<ReplayUnit | null>;
  abstract unit(id: string): Promise<ReplayUnit | null>;
  abstract stationsOf(unitId: string): Promise<string[]>;
  /** First lines (not corrections) of these stations planned at or after `since` whose programme went out. */
  abstract airedLines(stationIds: readonly string[], since: string): Promise<AiredLine[]>;
  /** Of these ids, the programmes marked public. */
  abstract publicProgrammes(ids: readonly string[]): Promise<PublicProgramme[]>;
  /** Of these media assets, those converted to a broadcast file. */
  abstract readyFiles(assetIds: readonly string[]): Promise<ReadyFile[]>;
}

@Injectable()
export class TypeormReplayRepository extends ReplayRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  unitByCode(code: string) {
    return this.db.getRepository(Unit).findOne({ select: { id: true, name: true, kind: true, code: true, retiredAt: true, mergedIntoId: true }, where: { code } });
  }

  unit(id: string) {
    return UUID.test(id) ? this.db.getRepository(Unit).findOne({ select: { id: true, name: true, kind: true, code: true, retiredAt: true, mergedIntoId: true }, where: { id } }) : Promise.resolve(null);
  }

  async stationsOf(unitId: string) {
    return (await this.db.getRepository(Station).find({ select: { id: true }, where: { unitId } })).map((s) => s.id);
  }

  async airedLines(stationIds: readonly string[], since: string) {
    if (!stationIds.length) return [];
    const rows = await this.db.getRepository(LogbookLine).find({
      select: { id: true, programmeId: true, actualStart: true },
      where: { stationId: In([...stationIds]), plannedStart: MoreThanOrEqual(since), revision: 0, result: In([...AIRED]), actualStart: Not(IsNull()) },
    });
    return rows.map((r) => ({ programmeId: r.programmeId, actualStart: r.actualStart! }));
  }

  publicProgrammes(ids: readonly string[]) {
    // Live relays of a stream or a microphone name their relay, not a programme: never a uuid of this table.
    const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
    if (!wanted.length) return Promise.resolve([]);
    return this.db.getRepository(Programme).find({ select: { id: true, title: true, chuyenMuc: true, description: true, mediaAssetId: true }, where: { id: In(wanted), public: true } });
  }

  async readyFiles(assetIds: readonly string[]) {
    const wanted = [...new Set(assetIds)].filter((id) => UUID.test(id));
    if (!wanted.length) return [];
    const rows = await this.db.getRepository(MediaAsset).find({ select: { id: true, sha256: true, size: true, durationMs: true }, where: { id: In(wanted), status: 'ready' } });
    return rows.filter((r) => r.sha256 !== null && r.size !== null).map((r) => ({ id: r.id, sha256: r.sha256!, size: r.size!, durationMs: r.durationMs ?? 0 }));
  }
}
