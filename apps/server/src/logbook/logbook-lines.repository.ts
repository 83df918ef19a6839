import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, SelectQueryBuilder } from 'typeorm';
import type { Tx } from '../database/unit-of-work';
import { Station } from '../stations/station.entity';
import { EXPORT_FIELDS, ExportRow } from './logbook-columns';
import { LogbookExport } from './logbook-export.entity';
import { LogbookLine } from './logbook-line.entity';
import { LogbookSeal } from './logbook-seal.entity';

/** Which lines a read covers, as the database compares them: instants as ISO strings, a unit as its subtree. */
export interface LineQuery {
  stationId?: string;
  unitIds?: readonly string[];
  from?: string;
  to?: string;
  chuyenMuc?: string;
  source?: string;
  result?: string;
}

/** Which seals to look among: one station's, the stations of some units, or every station's. */
export type SealScope = { stationId: string } | { unitIds: readonly string[] } | 'all';

/** The logbook's reading side: lines by filter, page by page, seals, exports on record, corrections' sources. */
@Injectable()
export class LogbookLinesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Lines after `after` (an id), in the order they were written. */
  page(q: LineQuery, after: number, limit: number): Promise<LogbookLine[]> {
    return this.where(q).andWhere('line.id > :after', { after }).orderBy('line.id', 'ASC').take(limit).getMany();
  }

  /** The same, as plain export rows (no entity building), for speed. */
  rawPage(q: LineQuery, after: number, limit: number): Promise<ExportRow[]> {
    // Each column under its own name, so the raw rows are the export rows as they come.
    const qb = this.where(q).select('line.id', 'id');
    for (const f of EXPORT_FIELDS) if (f !== 'id') qb.addSelect(`line.${f}`, f);
    return qb.andWhere('line.id > :after', { after }).orderBy('line.id', 'ASC').limit(limit).getRawMany<ExportRow>();
  }

  /** The chain hashes of lines after `after`, in order. */
  async hashPage(q: LineQuery, after: number, limit: number): Promise<{ id: number; lineHash: string }[]> {
    const raw = await this.where(q)
      .select(['line.id', 'line.lineHash'])
      .andWhere('line.id > :after', { after })
      .orderBy('line.id', 'ASC')
      .limit(limit)
      .getRawMany<{ line_id: number; line_lineHash: string }>();
    return raw.map((r) => ({ id: r.line_id, lineHash: r.line_lineHash }));
  }

  /** The stations with lines, by name. */
  stationsWithLines(q: LineQuery): Promise<{ stationId: string; stationName: string }[]> {
    return this.where(q)
      .select('line.stationId', 'stationId')
      .addSelect('MAX(line.stationName)', 'stationName')
      .groupBy('line.stationId')
      .orderBy('stationName', 'ASC')
      .getRawMany<{ stationId: string; stationName: string }>();
  }

  /** The newest seal within the scope. */
  async latestSeal(scope: SealScope): Promise<LogbookSeal | null> {
    const qb = this.db.getRepository(LogbookSeal).createQueryBuilder('s').orderBy('s.createdAt', 'DESC').addOrderBy('s.id', 'DESC').take(1);
    if (scope !== 'all' && 'stationId' in scope) qb.where('s.stationId = :stationId', { stationId: scope.stationId });
    else if (scope !== 'all') {
      const stationIds = scope.unitIds.length ? (await this.stations(scope.unitIds)).map((s) => s.id) : [];
      if (!stationIds.length) return null;
      qb.where('s.stationId IN (:...stationIds)', { stationIds });
    }
    return qb.getOne();
  }

  station(id: string): Promise<Station | null> {
    return this.db.getRepository(Station).findOneBy({ id });
  }

  /** The stations of these units (every station when absent), by name. */
  stations(unitIds?: readonly string[]): Promise<Station[]> {
    return this.db.getRepository(Station).find({ where: unitIds ? { unitId: In([...unitIds]) } : {}, order: { name: 'ASC' } });
  }

  /** The line a correction names, the airing's latest revision and its original, inside the caller's transaction. */
  async correctionBase(tx: Tx, lineId: number): Promise<{ latest: LogbookLine; original: LogbookLine } | null> {
    const target = await tx.findOneBy(LogbookLine, { id: lineId });
    if (!target) return null;
    const latest = await tx.findOneOrFail(LogbookLine, { where: { stationId: target.stationId, occurrenceId: target.occurrenceId }, order: { revision: 'DESC' } });
    const original = target.revision === 0 ? target : await tx.findOneByOrFail(LogbookLine, { stationId: target.stationId, occurrenceId: target.occurrenceId, revision: 0 });
    return { latest, original };
  }

  /** The line at a place of a station's chain. */
  lineAt(tx: Tx, stationId: string, chainPos: number): Promise<LogbookLine> {
    return tx.findOneByOrFail(LogbookLine, { stationId, chainPos });
  }

  async recordExport(row: Omit<LogbookExport, 'id'>): Promise<void> {
    await this.db.getRepository(LogbookExport).insert(row);
  }

  /** The newest exports first. */
  exports(limit: number): Promise<LogbookExport[]> {
    return this.db.getRepository(LogbookExport).find({ order: { createdAt: 'DESC' }, take: limit });
  }

  private where(q: LineQuery): SelectQueryBuilder<LogbookLine> {
    const qb = this.db.getRepository(LogbookLine).createQueryBuilder('line').where('1 = 1');
    if (q.stationId) qb.andWhere('line.stationId = :stationId', { stationId: q.stationId });
    if (q.unitIds) qb.andWhere(q.unitIds.length ? 'line.unitId IN (:...unitIds)' : '1 = 0', { unitIds: q.unitIds });
    if (q.from) qb.andWhere('line.plannedStart >= :from', { from: q.from });
    if (q.to) qb.andWhere('line.plannedStart < :to', { to: q.to });
    if (q.chuyenMuc) qb.andWhere('line.chuyenMuc = :chuyenMuc', { chuyenMuc: q.chuyenMuc });
    if (q.source) qb.andWhere('line.source = :source', { source: q.source });
    if (q.result) qb.andWhere('line.result = :result', { result: q.result });
    return qb;
  }
}
