import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { chainLine, GENESIS, sealDigest } from './chain';
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

/** A line as the writer builds it; the database gives it its id. */
export type WrittenLine = Omit<LogbookLine, 'id'>;

type Value = string | number | null;

/** A line's values in WRITTEN_FIELDS order, read field by field: cheap, where reading by computed key is not. */
function valuesOf(r: WrittenLine): Value[] {
  return [
    r.stationId, r.stationName, r.unitId, r.year, r.number, r.chainPos, r.occurrenceId, r.revision, r.amendsLineId, r.correctionReason,
    r.slotId, r.programmeId, r.programmeTitle, r.chuyenMuc, r.topic, r.source, r.priority, r.speakerClusters, r.plannedStart, r.actualStart,
    r.endedAt, r.durationMs, r.plannedDurationMs, r.startErrorMs, r.result, r.reason, r.detail, r.recordedBy, r.createdAt, r.contentHash,
    r.prevHash, r.lineHash,
  ];
}

/** A row whose every value names its row and field, so the built statement shows where each goes. */
function markerRow(i: number): WrittenLine {
  const row: Record<string, string> = {};
  for (const f of WRITTEN_FIELDS) row[f] = `\u0000${i}\u0000${f}`;
  return row as unknown as WrittenLine;
}

/**
 * The stored line for a draft, built field by field: an object spread from the draft and then extended
 * falls into V8's slow dictionary mode, and reading such rows cost more than hashing and storing them.
 */
function lineOf(d: LineDraft, year: number, number: number, chainPos: number): WrittenLine {
  return {
    stationId: d.stationId,
    stationName: d.stationName,
    unitId: d.unitId,
    year,
    number,
    chainPos,
    occurrenceId: d.occurrenceId,
    revision: d.revision ?? 0,
    amendsLineId: d.amendsLineId ?? null,
    correctionReason: d.correctionReason ?? null,
    slotId: d.slotId,
    programmeId: d.programmeId,
    programmeTitle: d.programmeTitle,
    chuyenMuc: d.chuyenMuc,
    topic: d.topic,
    source: d.source,
    priority: d.priority,
    speakerClusters: d.speakerClusters,
    plannedStart: d.plannedStart,
    actualStart: d.actualStart,
    endedAt: d.endedAt,
    durationMs: d.durationMs,
    plannedDurationMs: d.plannedDurationMs,
    startErrorMs: d.startErrorMs,
    result: d.result,
    reason: d.reason,
    detail: d.detail,
    recordedBy: d.recordedBy,
    createdAt: d.createdAt,
    contentHash: '',
    prevHash: '',
    lineHash: '',
  };
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
  /** Per chunk size: the INSERT statement, and for each of its parameters the row and the place in `valuesOf`. */
  private readonly templates = new Map<number, { sql: string; rowOf: Uint32Array; colOf: Uint32Array }>();

  constructor(config: AppConfig) {
    this.local = new LocalTime(config.timezone);
  }

  async append(m: EntityManager, drafts: readonly LineDraft[]): Promise<WrittenLine[]> {
    const heads = new Map<string, StationHead>();
    const rows: WrittenLine[] = [];
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

      const row = lineOf(draft, year, number, head.chainPos + 1);
      const hashes = chainLine(row, head.lineHash);
      row.contentHash = hashes.contentHash;
      row.prevHash = hashes.prevHash;
      row.lineHash = hashes.lineHash;
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
  private async insert(m: EntityManager, rows: WrittenLine[]): Promise<void> {
    let template = this.templates.get(rows.length);
    if (!template) {
      const marked = rows.map((_, i) => markerRow(i));
      const markedValues = marked.map(valuesOf);
      const [sql, params] = m.createQueryBuilder().insert().into(LogbookLine).values(marked).updateEntity(false).getQueryAndParameters();
      const rowOf = new Uint32Array(params.length);
      const colOf = new Uint32Array(params.length);
      params.forEach((p, k) => {
        const match = typeof p === 'string' ? /^\u0000(\d+)\u0000\w+$/.exec(p) : null;
        const row = match ? Number(match[1]) : -1;
        const col = row >= 0 ? markedValues[row].indexOf(p as string) : -1;
        if (col < 0) throw new Error(`unexpected insert parameter ${String(p)}`);
        rowOf[k] = row;
        colOf[k] = col;
      });
      template = { sql, rowOf, colOf };
      this.templates.set(rows.length, template);
    }
    const values = rows.map(valuesOf);
    const params = new Array<Value>(template.rowOf.length);
    for (let k = 0; k < params.length; k++) params[k] = values[template.rowOf[k]][template.colOf[k]] ?? null;
    await m.query(template.sql, params);
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
