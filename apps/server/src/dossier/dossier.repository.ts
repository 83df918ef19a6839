import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { LiveRelay } from '../live/live-relay.entity';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { MediaAsset } from '../media/media-asset.entity';
import { Programme } from '../programmes/programme.entity';
import { ProgrammeVersion } from '../programmes/programme-version.entity';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
import { DossierClosure } from './dossier-closure.entity';

/** A station as a dossier names it. */
export type DossierStation = Pick<Station, 'id' | 'code' | 'name' | 'unitId'>;

/** Which stations: one, those of some units, or all. */
export type StationScope = { stationId: string } | { unitIds: readonly string[] } | 'all';

/** How many lines of a programme, in one language (null on lines from before versions), reached air. */
export interface AiringCount {
  programmeId: string;
  language: string | null;
  airings: number;
}

/** Ids per query: no statement carries more bound parameters than SQLite allows. */
const CHUNK = 500;

/** What the dossier reads: stations, units, airings per programme, programmes, relays and their audio, and the closings. */
@Injectable()
export class DossierRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The stations in scope, by name. */
  stations(scope: StationScope): Promise<DossierStation[]> {
    const select = { id: true, code: true, name: true, unitId: true } as const;
    const where = scope === 'all' ? {} : 'stationId' in scope ? { id: scope.stationId } : { unitId: In([...scope.unitIds]) };
    return this.db.getRepository(Station).find({ select, where, order: { name: 'ASC' } });
  }

  unitExists(id: string): Promise<boolean> {
    return this.db.getRepository(Unit).existsBy({ id });
  }

  /** How many times each programme reached air (one of `results`) on the stations, planned in [from, to), per language aired. */
  async airings(stationIds: readonly string[], from: string, to: string, results: readonly string[]): Promise<AiringCount[]> {
    const out: AiringCount[] = [];
    for (let i = 0; i < stationIds.length; i += CHUNK) {
      const rows = await this.db
        .getRepository(LogbookLine)
        .createQueryBuilder('l')
        .select('l.programmeId', 'programmeId')
        .addSelect('l.language', 'language')
        .addSelect('COUNT(*)', 'airings')
        .where('l.stationId IN (:...ids)', { ids: stationIds.slice(i, i + CHUNK) })
        .andWhere('l.plannedStart >= :from AND l.plannedStart < :to', { from, to })
        .andWhere('l.result IN (:...aired)', { aired: results })
        .groupBy('l.programmeId')
        .addGroupBy('l.language')
        .getRawMany<{ programmeId: string; language: string | null; airings: number | string }>();
      for (const r of rows) out.push({ programmeId: r.programmeId, language: r.language, airings: Number(r.airings) });
    }
    return out;
  }

  programmes(ids: readonly string[]): Promise<Programme[]> {
    return this.chunked(ids, (chunk) => this.db.getRepository(Programme).findBy({ id: In(chunk) }));
  }

  /** The language versions of these programmes. */
  versions(programmeIds: readonly string[]): Promise<ProgrammeVersion[]> {
    return this.chunked(programmeIds, (chunk) => this.db.getRepository(ProgrammeVersion).findBy({ programmeId: In(chunk) }));
  }

  relays(ids: readonly string[]): Promise<LiveRelay[]> {
    return this.chunked(ids, (chunk) => this.db.getRepository(LiveRelay).findBy({ id: In(chunk) }));
  }

  assets(ids: readonly string[]): Promise<MediaAsset[]> {
    return this.chunked(ids, (chunk) => this.db.getRepository(MediaAsset).findBy({ id: In(chunk) }));
  }

  /** Stores the closings of a period, all or none. */
  closeAll(rows: readonly Omit<DossierClosure, 'id'>[]): Promise<DossierClosure[]> {
    return this.db.transaction((m) => m.save(rows.map((r) => m.create(DossierClosure, r))));
  }

  /** The newest closings first, of one station or of all. */
  closures(stationId: string | undefined, limit: number): Promise<DossierClosure[]> {
    return this.db.getRepository(DossierClosure).find({ where: stationId ? { stationId } : {}, order: { closedAt: 'DESC' }, take: limit });
  }

  private async chunked<T>(ids: readonly string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
    const out: T[] = [];
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += CHUNK) out.push(...(await read(unique.slice(i, i + CHUNK))));
    return out;
  }
}
