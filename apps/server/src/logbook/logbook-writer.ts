import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { binder, engineOf } from '../database/sql';
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

/** Advisory lock key space of the logbook chains (the second key is the station's hash). */
const CHAIN_LOCK_SPACE = 7305;

/** Rows per INSERT: well under SQLite's limit on bound parameters. */
const INSERT_CHUNK = 100;

/**
 * Appends lines to stations' logbooks inside the caller's transaction: gives each its running number
 * for the year, links it into the station's hash chain, and seals a day once a later day's first line
 * arrives. The caller's transaction is what makes the numbering and the chain safe: SQLite lets one
 * writer in at a time; on PostgreSQL each station's chain is locked for the transaction (lockChains).
 */
@Injectable()
export class LogbookWriter {
  private readonly local: LocalTime;
  /** Per engine and chunk size: the INSERT statement. */
  private readonly templates = new Map<string, string>();

  constructor(config: AppConfig) {
    this.local = new LocalTime(config.timezone);
  }

  async append(m: EntityManager, drafts: readonly LineDraft[]): Promise<WrittenLine[]> {
    const heads = new Map<string, StationHead>();
    const rows: WrittenLine[] = [];
    const seals: Partial<LogbookSeal>[] = [];
    await this.lockChains(m, drafts.map((d) => d.stationId));
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
   * Inserts rows with a statement built once per chunk size and engine. Binding every value through the
   * query builder costs more than the database's own work on a million lines.
   */
  private async insert(m: EntityManager, rows: WrittenLine[]): Promise<void> {
    const engine = engineOf(m);
    const key = `${engine}:${rows.length}`;
    let sql = this.templates.get(key);
    if (!sql) {
      const p = binder(engine);
      const tuple = () => `(${WRITTEN_FIELDS.map(() => p()).join(', ')})`;
      sql = `INSERT INTO "logbook_line" (${WRITTEN_FIELDS.map((f) => `"${f}"`).join(', ')}) VALUES ${rows.map(tuple).join(', ')}`;
      this.templates.set(key, sql);
    }
    const params: Value[] = [];
    for (const row of rows) for (const v of valuesOf(row)) params.push(v ?? null);
    await m.query(sql, params);
  }

  /**
   * Serialises writers per station chain: with several server instances on PostgreSQL, two transactions
   * appending to one station would otherwise read the same head and fork the chain or repeat a number.
   * Stations are locked in one order so two batches never wait on each other. SQLite has one writer anyway.
   */
  private async lockChains(m: EntityManager, stationIds: Iterable<string>): Promise<void> {
    if (engineOf(m) !== 'postgres') return;
    for (const id of [...new Set(stationIds)].sort()) await m.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CHAIN_LOCK_SPACE, id]);
  }

  /**
   * Seals every station's last unsealed day that has ended, so a quiet station's final lines are
   * anchored too. Returns how many seals were written.
   */
  async sealEndedDays(m: EntityManager, now: string): Promise<number> {
    const today = this.local.day(now);
    const stationIds = (await m.createQueryBuilder(LogbookLine, 'l').select('DISTINCT l.stationId', 'stationId').getRawMany<{ stationId: string }>()).map((r) => r.stationId);
    const seals: Partial<LogbookSeal>[] = [];
    await this.lockChains(m, stationIds);
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
