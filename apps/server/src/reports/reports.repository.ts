import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { Programme } from '../programmes/programme.entity';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';

/** The latest revision of one airing's logbook line, as the report reads it. */
export interface LatestLine {
  id: number;
  stationId: string;
  occurrenceId: string;
  programmeId: string;
  chuyenMuc: string;
  topic: string | null;
  source: LogbookLine['source'];
  priority: LogbookLine['priority'];
  plannedStart: string;
  result: LogbookLine['result'];
  durationMs: number | null;
  airVerdict: string | null;
}

/** What the periodic report reads: stations, units, the logbook's latest lines, programme filings. */
export abstract class ReportsRepository {
  /** Stations in the units (all when null), or the one station, by name. */
  abstract stations(unitIds: readonly string[] | null, stationId?: string): Promise<{ id: string; name: string; unitId: string }[]>;
  abstract units(): Promise<{ id: string; name: string; parentId: string | null }[]>;
  /** Visits the latest revision of every airing's line planned in [from, to) on the stations, station by station in planned order. */
  abstract eachLatestLine(stationIds: readonly string[], from: string, to: string, visit: (line: LatestLine) => void): Promise<void>;
  abstract programmes(ids: readonly string[]): Promise<{ id: string; chuyenMuc: string; chuyenMucId: string | null }[]>;
}

const PAGE = 5000;
const CHUNK = 500;

type Raw = Omit<LatestLine, 'plannedStart'> & { plannedStart: string | Date };

@Injectable()
export class TypeormReportsRepository extends ReportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  stations(unitIds: readonly string[] | null, stationId?: string) {
    const inUnit = unitIds ? { unitId: In([...unitIds]) } : {};
    return this.db.getRepository(Station).find({ select: { id: true, name: true, unitId: true }, where: stationId ? { ...inUnit, id: stationId } : inUnit, order: { name: 'ASC' } });
  }

  units() {
    return this.db.getRepository(Unit).find({ select: { id: true, name: true, parentId: true } });
  }

  /** Read in pages as plain rows along the (station, planned start) index, so each page is a range read, not a sort. */
  async eachLatestLine(stationIds: readonly string[], from: string, to: string, visit: (line: LatestLine) => void): Promise<void> {
    for (const stationId of stationIds) {
      let after: { at: string; id: number } | null = null;
      for (;;) {
        const qb = this.db
          .getRepository(LogbookLine)
          .createQueryBuilder('l')
          .select('l.id', 'id')
          .addSelect('l.stationId', 'stationId')
          .addSelect('l.occurrenceId', 'occurrenceId')
          .addSelect('l.programmeId', 'programmeId')
          .addSelect('l.chuyenMuc', 'chuyenMuc')
          .addSelect('l.topic', 'topic')
          .addSelect('l.source', 'source')
          .addSelect('l.priority', 'priority')
          .addSelect('l.plannedStart', 'plannedStart')
          .addSelect('l.result', 'result')
          .addSelect('l.durationMs', 'durationMs')
          .addSelect('l.airVerdict', 'airVerdict')
          .where('l.stationId = :stationId', { stationId })
          .andWhere('l.plannedStart >= :from AND l.plannedStart < :to', { from, to })
          // Quoted by hand: a raw subquery, the same on both engines; the unique (station, airing, revision) index answers it.
          .andWhere('NOT EXISTS (SELECT 1 FROM "logbook_line" "n" WHERE "n"."stationId" = "l"."stationId" AND "n"."occurrenceId" = "l"."occurrenceId" AND "n"."revision" > "l"."revision")');
        if (after) qb.andWhere('(l.plannedStart > :at OR (l.plannedStart = :at AND l.id > :afterId))', { at: after.at, afterId: after.id });
        const rows = await qb.orderBy('l.plannedStart', 'ASC').addOrderBy('l.id', 'ASC').limit(PAGE).getRawMany<Raw>();
        for (const r of rows) visit({ ...r, id: Number(r.id), plannedStart: instantText(r.plannedStart), durationMs: r.durationMs === null ? null : Number(r.durationMs) });
        if (rows.length < PAGE) break;
        const last = rows[rows.length - 1];
        after = { at: instantText(last.plannedStart), id: Number(last.id) };
      }
    }
  }

  async programmes(ids: readonly string[]) {
    const unique = [...new Set(ids)];
    const out: { id: string; chuyenMuc: string; chuyenMucId: string | null }[] = [];
    for (let i = 0; i < unique.length; i += CHUNK) {
      out.push(...(await this.db.getRepository(Programme).find({ select: { id: true, chuyenMuc: true, chuyenMucId: true }, where: { id: In(unique.slice(i, i + CHUNK)) } })));
    }
    return out;
  }
}

function instantText(v: string | Date): string {
  return v instanceof Date ? v.toISOString() : v;
}
