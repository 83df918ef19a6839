import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, type EntitySubscriberInterface, type QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { binder, engineOf } from '../database/sql';
import { chainLine, GENESIS, sealDigest } from './chain';
import { LogbookLine } from './logbook-line.entity';
import { LogbookSeal } from './logbook-seal.entity';
import { LocalTime } from './local-time';
import { SealKeys } from './seal-keys';

/** What a caller says about a new line; numbering and hashes are the writer's. */
export type LineDraft = Omit<LogbookLine, 'id' | 'year' | 'number' | 'chainPos' | 'contentHash' | 'prevHash' | 'lineHash' | 'revision' | 'amendsLineId' | 'correctionReason' | AirField> &
  Partial<Pick<LogbookLine, 'revision' | 'amendsLineId' | 'correctionReason' | AirField>>;

type AirField = 'airVerdict' | 'airConfirmedMs' | 'airCoveragePct' | 'airOffsetMs' | 'deadAirMs';

interface StationHead {
  chainPos: number;
  lineHash: string;
  /** Local day the head line was written; null before the first line. */
  day: string | null;
  /** The UTC hour the head line was written (YYYY-MM-DDTHH); null before the first line. */
  hour: string | null;
  /** chainPos of the last sealed line. */
  sealedPos: number;
  /** Next running number per year. */
  numbers: Map<number, number>;
}

const WRITTEN_FIELDS = [
  'stationId', 'stationName', 'unitId', 'year', 'number', 'chainPos', 'occurrenceId', 'revision', 'amendsLineId', 'correctionReason',
  'slotId', 'programmeId', 'programmeTitle', 'chuyenMuc', 'topic', 'source', 'priority', 'speakerClusters', 'plannedStart', 'actualStart',
  'endedAt', 'durationMs', 'plannedDurationMs', 'startErrorMs', 'result', 'reason', 'detail', 'recordedBy', 'createdAt', 'contentHash',
  'prevHash', 'lineHash', 'airVerdict', 'airConfirmedMs', 'airCoveragePct', 'airOffsetMs', 'deadAirMs',
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
    r.prevHash, r.lineHash, r.airVerdict, r.airConfirmedMs, r.airCoveragePct, r.airOffsetMs, r.deadAirMs,
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
    airVerdict: d.airVerdict ?? null,
    airConfirmedMs: d.airConfirmedMs ?? null,
    airCoveragePct: d.airCoveragePct ?? null,
    airOffsetMs: d.airOffsetMs ?? null,
    deadAirMs: d.deadAirMs ?? null,
    contentHash: '',
    prevHash: '',
    lineHash: '',
  };
}

/** Advisory lock key space of the logbook chains (the second key is the station's hash). */
const CHAIN_LOCK_SPACE = 7305;

/** Rows per INSERT: well under SQLite's limit on bound parameters. */
const INSERT_CHUNK = 100;

/** What the writer itself last wrote at the head of a station's chain. */
interface KnownHead {
  chainPos: number;
  lineHash: string;
}

/**
 * Appends lines to stations' logbooks inside the caller's transaction: gives each its running number
 * for the year, links it into the station's hash chain, and seals the chain (signed) once a later hour's
 * first line arrives. The caller's transaction is what makes the numbering and the chain safe: SQLite
 * lets one writer in at a time; on PostgreSQL each station's chain is locked for the transaction
 * (lockChains).
 *
 * The writer also remembers each chain's head as it committed it. Lines cut off the end of a chain in
 * the database, before any seal covered them, are then still sealed as written: the next seal commits
 * to the count and head the writer knows, and verification names the lines that are gone.
 */
@Injectable()
export class LogbookWriter {
  private readonly log = new Logger('LogbookWriter');
  private readonly local: LocalTime;
  /** Per engine and chunk size: the INSERT statement. */
  private readonly templates = new Map<string, string>();
  private readonly committed = new Map<string, KnownHead>();
  private readonly pending = new WeakMap<QueryRunner, Map<string, KnownHead>>();

  constructor(
    config: AppConfig,
    private readonly keys: SealKeys,
    @InjectDataSource() db: DataSource,
  ) {
    this.local = new LocalTime(config.timezone);
    // Heads become known only once their transaction commits; a rolled-back append leaves nothing behind.
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event) => {
        if (event.queryRunner.isTransactionActive) return;
        const heads = this.pending.get(event.queryRunner);
        if (!heads) return;
        for (const [stationId, head] of heads) this.committed.set(stationId, head);
        this.pending.delete(event.queryRunner);
      },
      afterTransactionRollback: (event) => {
        this.pending.delete(event.queryRunner);
      },
    };
    db.subscribers.push(subscriber);
  }

  private remember(m: EntityManager, stationId: string, head: KnownHead): void {
    const runner = m.queryRunner;
    if (!runner?.isTransactionActive) {
      this.committed.set(stationId, head);
      return;
    }
    let heads = this.pending.get(runner);
    if (!heads) this.pending.set(runner, (heads = new Map()));
    heads.set(stationId, head);
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
      const hour = draft.createdAt.slice(0, 13);
      if (head.hour !== null && hour > head.hour && head.chainPos > head.sealedPos) {
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
      head.hour = hour;
      head.day = null;
    }
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) await this.insert(m, rows.slice(i, i + INSERT_CHUNK));
    await this.insertSeals(m, seals);
    for (const [stationId, head] of heads) this.remember(m, stationId, { chainPos: head.chainPos, lineHash: head.lineHash });
    return rows;
  }

  private async insertSeals(m: EntityManager, seals: Partial<LogbookSeal>[]): Promise<void> {
    for (let i = 0; i < seals.length; i += INSERT_CHUNK) {
      await m.createQueryBuilder().insert().into(LogbookSeal).values(seals.slice(i, i + INSERT_CHUNK)).updateEntity(false).execute();
    }
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
   * Seals every station's chain that has lines no seal covers yet: run hourly, so a quiet station's last
   * lines are anchored too. Returns how many seals were written.
   */
  async sealDue(m: EntityManager, now: string): Promise<number> {
    const stationIds = (await m.createQueryBuilder(LogbookLine, 'l').select('DISTINCT l.stationId', 'stationId').getRawMany<{ stationId: string }>()).map((r) => r.stationId);
    const seals: Partial<LogbookSeal>[] = [];
    await this.lockChains(m, stationIds);
    for (const stationId of stationIds) {
      const head = await this.headOf(m, stationId);
      if (head.chainPos > head.sealedPos) seals.push(this.seal(stationId, head, now));
    }
    await this.insertSeals(m, seals);
    return seals.length;
  }

  private seal(stationId: string, head: StationHead, now: string): Partial<LogbookSeal> {
    const day = head.day ?? (head.hour ? this.local.day(`${head.hour}:00:00.000Z`) : this.local.day(now));
    const facts = { stationId, day, lineCount: head.chainPos - head.sealedPos, lastChainPos: head.chainPos, lastLineHash: head.lineHash, createdAt: now };
    const { keyId, signature } = this.keys.sign(facts);
    return { ...facts, keyId, signature, digest: sealDigest({ ...facts, keyId }) };
  }

  private async headOf(m: EntityManager, stationId: string): Promise<StationHead> {
    const last = await m.findOne(LogbookLine, {
      where: { stationId },
      order: { chainPos: 'DESC' },
      select: { chainPos: true, lineHash: true, createdAt: true },
    });
    const seal = await m.findOne(LogbookSeal, { where: { stationId }, order: { lastChainPos: 'DESC' }, select: { lastChainPos: true } });
    const head: StationHead = {
      chainPos: last?.chainPos ?? 0,
      lineHash: last?.lineHash ?? GENESIS,
      day: last ? this.local.day(last.createdAt) : null,
      hour: last ? last.createdAt.slice(0, 13) : null,
      sealedPos: seal?.lastChainPos ?? 0,
      numbers: new Map(),
    };
    const known = this.committed.get(stationId);
    if (known && (known.chainPos > head.chainPos || (known.chainPos === head.chainPos && known.lineHash !== head.lineHash))) {
      // Lines this writer committed are gone from the database, or the head was rewritten: the chain goes on
      // from what was written, so the gap shows, and the next seal commits to it.
      this.log.error(`station ${stationId}: the logbook's head in the database (line ${head.chainPos}) is not the one written (line ${known.chainPos}); lines were removed or changed behind the server`);
      head.chainPos = known.chainPos;
      head.lineHash = known.lineHash;
    }
    return head;
  }

  private async lastNumber(m: EntityManager, stationId: string, year: number): Promise<number> {
    const row = await m.findOne(LogbookLine, { where: { stationId, year }, order: { number: 'DESC' }, select: { number: true } });
    return row?.number ?? 0;
  }
}
