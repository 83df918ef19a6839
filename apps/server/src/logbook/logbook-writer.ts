import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { chainLine, ChainContent, GENESIS, sealDigest } from './chain';
import { LogbookLine } from './logbook-line.entity';
import { LogbookSeal } from './logbook-seal.entity';
import { LocalTime } from './local-time';

/** What a caller says about a new line; numbering and hashes are the writer's. */
export type LineDraft = Omit<LogbookLine, 'id' | 'year' | 'number' | 'chainPos' | 'contentHash' | 'prevHash' | 'lineHash' | 'revision' | 'amendsLineId' | 'correctionReason'> &
  Partial<Pick<LogbookLine, 'revision' | 'amendsLineId' | 'correctionReason'>>;

interface StationHead {
  chainPos: number;
  lineHash: string;
  /** Local day the head line was written; null before the first line. */
  day: string | null;
  /** chainPos of the last sealed line. */
  sealedPos: number;
  /** Next running number per year. */
  numbers: Map<number, number>;
}

const WRITTEN_FIELDS = [
  'stationId', 'stationName', 'unitId', 'year', 'number', 'chainPos', 'occurrenceId', 'revision', 'amendsLineId', 'correctionReason',
  'slotId', 'programmeId', 'programmeTitle', 'chuyenMuc', 'topic', 'source', 'priority', 'speakerClusters', 'plannedStart', 'actualStart',
  'endedAt', 'durationMs', 'plannedDurationMs', 'startErrorMs', 'result', 'reason', 'detail', 'recordedBy', 'createdAt', 'contentHash',
  'prevHash', 'lineHash',
] as const satisfies readonly (keyof LogbookLine)[];

/** A row whose every value names its row and field, so the built statement shows where each goes. */
function markerRow(i: number): Partial<LogbookLine> {
  const row: Record<string, string> = {};
  for (const f of WRITTEN_FIELDS) row[f] = `\u0000${i}\u0000${f}`;
  return row as Partial<LogbookLine>;
}

/** Rows per INSERT: well under SQLite's limit on bound parameters. */
const INSERT_CHUNK = 100;

/**
 * Appends lines to stations' logbooks inside the caller's transaction: gives each its running number
 * for the year, links it into the station's hash chain, and seals a day once a later day's first line
 * arrives. The caller's transaction is what makes the numbering and the chain safe: SQLite lets one
 * writer in at a time.
 */
@Injectable()
export class LogbookWriter {
  private readonly local: LocalTime;
  private readonly templates = new Map<number, { sql: string; slots: { row: number; field: keyof LogbookLine }[] }>();

  constructor(config: AppConfig) {
    this.local = new LocalTime(config.timezone);
  }

  async append(m: EntityManager, drafts: readonly LineDraft[]): Promise<LogbookLine[]> {
    const heads = new Map<string, StationHead>();
    const rows: LogbookLine[] = [];
    const seals: Partial<LogbookSeal>[] = [];
    for (const draft of drafts) {
      let head = heads.get(draft.stationId);
      if (!head) {
        head = await this.headOf(m, draft.stationId);
        heads.set(draft.stationId, head);
      }
      const day = this.local.day(draft.createdAt);
      if (head.day !== null && day > head.day && head.chainPos > head.sealedPos) {
        seals.push(this.seal(draft.stationId, head, draft.createdAt));
        head.sealedPos = head.chainPos;
      }
      const year = this.local.year(draft.plannedStart);
      let number = head.numbers.get(year);
      if (number === undefined) number = (await this.lastNumber(m, draft.stationId, year)) + 1;
      head.numbers.set(year, number + 1);

      const row = {
        ...draft,
        revision: draft.revision ?? 0,
        amendsLineId: draft.amendsLineId ?? null,
        correctionReason: draft.correctionReason ?? null,
        year,
        number,
        chainPos: head.chainPos + 1,
      } as LogbookLine;
      Object.assign(row, chainLine(row as unknown as ChainContent, head.lineHash));
      rows.push(row);
      head.chainPos = row.chainPos;
      head.lineHash = row.lineHash;
      head.day = day;
    }
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await this.insert(m, rows.slice(i, i + INSERT_CHUNK));
    if (seals.length) await m.createQueryBuilder().insert().into(LogbookSeal).values(seals).updateEntity(false).execute();
    return rows;
  }

  /**
   * Inserts rows with a statement TypeORM built once per chunk size for this database. Building the
   * statement and binding every value through the query builder costs more than SQLite's own work on
   * a million lines; which column each parameter holds is learned from the builder, not assumed.
   */
  private async insert(m: EntityManager, rows: LogbookLine[]): Promise<void> {
    let template = this.templates.get(rows.length);
    if (!template) {
      const marked = rows.map((_, i) => markerRow(i));
      const [sql, params] = m.createQueryBuilder().insert().into(LogbookLine).values(marked).updateEntity(false).getQueryAndParameters();
      const slots = params.map((p) => {
        const match = typeof p === 'string' ? /^\u0000(\d+)\u0000(\w+)$/.exec(p) : null;
        if (!match) throw new Error(`unexpected insert parameter ${String(p)}`);
        return { row: Number(match[1]), field: match[2] as keyof LogbookLine };
      });
      template = { sql, slots };
      this.templates.set(rows.length, template);
    }
    await m.query(
      template.sql,
      template.slots.map((s) => rows[s.row][s.field] ?? null),
    );
  }

  /**
   * Seals every station's last unsealed day that has ended, so a quiet station's final lines are
   * anchored too. Returns how many seals were written.
   */
  async sealEndedDays(m: EntityManager, now: string): Promise<number> {
    const today = this.local.day(now);
    const stationIds = (await m.createQueryBuilder(LogbookLine, 'l').select('DISTINCT l.stationId', 'stationId').getRawMany<{ stationId: string }>()).map((r) => r.stationId);
    const seals: Partial<LogbookSeal>[] = [];
    for (const stationId of stationIds) {
      const head = await this.headOf(m, stationId);
      if (head.day !== null && head.day < today && head.chainPos > head.sealedPos) seals.push(this.seal(stationId, head, now));
    }
    if (seals.length) await m.createQueryBuilder().insert().into(LogbookSeal).values(seals).updateEntity(false).execute();
    return seals.length;
  }

  private seal(stationId: string, head: StationHead, now: string): Partial<LogbookSeal> {
    const facts = { stationId, day: head.day!, lineCount: head.chainPos - head.sealedPos, lastChainPos: head.chainPos, lastLineHash: head.lineHash };
    return { ...facts, digest: sealDigest(facts), createdAt: now };
  }

  private async headOf(m: EntityManager, stationId: string): Promise<StationHead> {
    const last = await m.findOne(LogbookLine, {
      where: { stationId },
      order: { chainPos: 'DESC' },
      select: { chainPos: true, lineHash: true, createdAt: true },
    });
    const seal = await m.findOne(LogbookSeal, { where: { stationId }, order: { lastChainPos: 'DESC' }, select: { lastChainPos: true } });
    return {
      chainPos: last?.chainPos ?? 0,
      lineHash: last?.lineHash ?? GENESIS,
      day: last ? this.local.day(last.createdAt) : null,
      sealedPos: seal?.lastChainPos ?? 0,
      numbers: new Map(),
    };
  }

  private async lastNumber(m: EntityManager, stationId: string, year: number): Promise<number> {
    const row = await m.findOne(LogbookLine, { where: { stationId, year }, order: { number: 'DESC' }, select: { number: true } });
    return row?.number ?? 0;
  }
}
