import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { UnitLink } from '../access/access-policy';
import { LogbookLine } from '../logbook/logbook-line.entity';
import { Programme } from '../programmes/programme.entity';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
import { PlanTarget } from './plan-target.entity';
import { AIRED_RESULTS } from './target-count';

export type NewPlanTargetRow = Omit<PlanTarget, 'id'>;

/** A logbook line that aired, as a target counts it: the latest revision of its airing. */
export interface AiredLine {
  stationId: string;
  occurrenceId: string;
  plannedStart: string;
  result: string;
  chuyenMuc: string;
  /** The chuyên mục its programme is filed under now. */
  chuyenMucId: string | null;
}

/** What a programme is filed under. */
export interface ProgrammeFiling {
  id: string;
  chuyenMuc: string;
  chuyenMucId: string | null;
}

/** Plan targets, and what compliance reads of stations, units and the logbook. */
export abstract class PlanTargetsRepository {
  abstract insert(row: NewPlanTargetRow): Promise<PlanTarget>;
  abstract get(id: string): Promise<PlanTarget | null>;
  abstract update(id: string, change: Partial<Pick<PlanTarget, 'name' | 'minPerMonth'>>): Promise<void>;
  /** Every target, oldest first. */
  abstract all(): Promise<PlanTarget[]>;
  abstract stations(): Promise<{ id: string; name: string; unitId: string }[]>;
  abstract units(): Promise<UnitLink[]>;
  /** The aired lines (latest revision of each airing) of the stations planned in [from, to). */
  abstract airedLines(stationIds: readonly string[], from: string, to: string): Promise<AiredLine[]>;
  abstract filings(programmeIds: readonly string[]): Promise<ProgrammeFiling[]>;
}

/** Ids per IN list: well within both engines' limits on bound values. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

@Injectable()
export class TypeormPlanTargetsRepository extends PlanTargetsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  insert(row: NewPlanTargetRow) {
    const repo = this.db.getRepository(PlanTarget);
    return repo.save(repo.create(row));
  }

  get(id: string) {
    return this.db.getRepository(PlanTarget).findOneBy({ id });
  }

  async update(id: string, change: Partial<Pick<PlanTarget, 'name' | 'minPerMonth'>>) {
    await this.db.getRepository(PlanTarget).update({ id }, change);
  }

  all() {
    return this.db.getRepository(PlanTarget).find({ order: { createdAt: 'ASC' } });
  }

  stations() {
    return this.db.getRepository(Station).find({ select: { id: true, name: true, unitId: true } });
  }

  units() {
    return this.db.getRepository(Unit).find({ select: { id: true, parentId: true } });
  }

  async airedLines(stationIds: readonly string[], from: string, to: string): Promise<AiredLine[]> {
    const lines: LogbookLine[] = [];
    for (const ids of chunks([...new Set(stationIds)])) {
      lines.push(
        ...(await this.db
          .getRepository(LogbookLine)
          .createQueryBuilder('l')
          .select(['l.id', 'l.stationId', 'l.occurrenceId', 'l.plannedStart', 'l.programmeId', 'l.chuyenMuc', 'l.result'])
          .where('l.stationId IN (:...ids)', { ids })
          .andWhere('l.result IN (:...aired)', { aired: [...AIRED_RESULTS] })
          .andWhere('l.plannedStart >= :from AND l.plannedStart < :to', { from, to })
          // A correction replaces what it amends: only the latest revision of an airing counts. Quoted by hand, the same on both engines.
          .andWhere('NOT EXISTS (SELECT 1 FROM "logbook_line" "n" WHERE "n"."stationId" = "l"."stationId" AND "n"."occurrenceId" = "l"."occurrenceId" AND "n"."revision" > "l"."revision")')
          .getMany()),
      );
    }
    const filed = new Map((await this.filings(lines.map((l) => l.programmeId))).map((p) => [p.id, p.chuyenMucId]));
    return lines.map((l) => ({
      stationId: l.stationId,
      occurrenceId: l.occurrenceId,
      plannedStart: l.plannedStart,
      result: l.result,
      chuyenMuc: l.chuyenMuc,
      chuyenMucId: filed.get(l.programmeId) ?? null,
    }));
  }

  async filings(programmeIds: readonly string[]): Promise<ProgrammeFiling[]> {
    const out: ProgrammeFiling[] = [];
    for (const ids of chunks([...new Set(programmeIds)])) {
      out.push(...(await this.db.getRepository(Programme).find({ select: { id: true, chuyenMuc: true, chuyenMucId: true }, where: { id: In(ids) } })));
    }
    return out;
  }
}
