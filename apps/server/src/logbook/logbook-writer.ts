import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, type EntitySubscriberInterface, type QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { engineOf } from '../database/sql';
import { chainLine, GENESIS, sealDigest } from './chain';
import { LogbookLine } from './logbook-line.entity';
import { LogbookSeal } from './logbook-seal.entity';
import { LocalTime } from './local-time';
import { SealKeys } from './seal-keys';

/** What a caller says about a new line; numbering and hashes are the writer's. */
export type LineDraft = Omit<LogbookLine, 'id' | 'year' | 'number' | 'chainPos' | 'contentHash' | 'prevHash' | 'lineHash' | 'revision' | 'amendsLineId' | 'correctionReason' | AirField> &
  Partial<Pick<LogbookLine, 'revision' | 'amendsLineId' | 'correctionReason' | AirField>>;

type AirField = 'airVerdict' | 'airConfirmedMs' | 'airCoveragePct' | 'airOffsetMs' | 'deadAirMs' | 'language';

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

/** A seal as the writer builds it; the database gives it its id. */
type WrittenSeal = Omit<LogbookSeal, 'id'>;

const SEAL_FIELDS = ['stationId', 'day', 'lastChainPos', 'lastLineHash', 'lineCount', 'digest', 'createdAt', 'keyId', 'signature'] as const satisfies readonly (keyof LogbookSeal)[];

function sealValuesOf(s: WrittenSeal, out: Value[]): void {
  out.push(s.stationId, s.day, s.lastChainPos, s.lastLineHash, s.lineCount, s.digest, s.createdAt, s.keyId, s.signature);
}

const WRITTEN_FIELDS = [
  'stationId', 'stationName', 'unitId', 'year', 'number', 'chainPos', 'occurrenceId', 'revision', 'amendsLineId', 'correctionReason',
  'slotId', 'programmeId', 'programmeTitle', 'chuyenMuc', 'topic', 'source', 'priority', 'speakerClusters', 'plannedStart', 'actualStart',
  'endedAt', 'durationMs', 'plannedDurationMs', 'startErrorMs', 'result', 'reason', 'detail', 'recordedBy', 'createdAt', 'contentHash',
  'prevHash', 'lineHash', 'airVerdict', 'airConfirmedMs', 'airCoveragePct', 'airOffsetMs', 'deadAirMs', 'language',
] as const satisfies readonly (keyof LogbookLine)[];

/** A line as the writer builds it; the database gives it its id. */
export type WrittenLine = Omit<LogbookLine, 'id'>;

type Value = string | number | null;

/**
 * Adds a line's values to `out` in WRITTEN_FIELDS order, read field by field: cheap, where reading by
 * computed key is not, and no array per line.
 */
function valuesOf(r: WrittenLine, out: Value[]): void {
  out.push(
    r.stationId, r.stationName, r.unitId, r.year, r.number, r.chainPos, r.occurrenceId, r.revision, r.amendsLineId, r.correctionReason,
    r.slotId, r.programmeId, r.programmeTitle, r.chuyenMuc, r.topic, r.source, r.priority, r.speakerClusters, r.plannedStart, r.actualStart,
    r.endedAt, r.durationMs, r.plannedDurationMs, r.startErrorMs, r.result, r.reason, r.detail, r.recordedBy, r.createdAt, r.contentHash,
    r.prevHash, r.lineHash, r.airVerdict, r.airConfirmedMs, r.airCoveragePct, r.airOffsetMs, r.deadAirMs, r.language,
  );
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
    language: d.language ?? null,
    contentHash: '',
    prevHash: '',
    lineHash: '',
  };
}

/** Advisory lock key space of the logbook chains (the second key is the station's hash). */
const CHAIN_LOCK_SPACE = 7305;

/**
 * Bound parameters per INSERT on SQLite: half its limit. Each statement run has a fixed cost that a
 * hundred rows did not cover; a few hundred do.
 */
const SQLITE_PARAMS = 16_000;
/** Rows per INSERT on PostgreSQL, where each column is one array parameter. */
const PG_CHUNK = 5000;

/** Adds a row's values to a parameter list, in its table's field order. */
type RowValues<T> = (row: T, out: Value[]) => void;

/** Every row's values, row after row, as one parameter list. */
function valuesOfAll<T>(rows: readonly T[], values: RowValues<T>): Value[] {
  const params: Value[] = [];
  for (const row of rows) values(row, params);
  // A field a caller left undefined is stored as null.
  for (let i = 0; i < params.length; i++) if (params[i] === undefined) params[i] = null;
  return params;
}

/** What the writer itself last wrote at the head of a station's chain. */
interface KnownHead {
  chainPos: number;
  lineHash: string;
}

/**
 * Appends lines to stations' logbooks inside the caller's transaction: gives each its running number
 * for the year, links it into the station's hash chain, and seals the chain once a later hour's first
 * line arrives. The seals one append makes for a station (one per hour of a backlog written at once) are
 * signed together, with one signature over all their digests, which every seal of the run carries. The
 * caller's transaction is what makes the numbering and the chain safe: SQLite lets one writer in at a
 * time; on PostgreSQL each station's chain is locked for the transaction (lockChains).
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
    const seals: WrittenSeal[] = [];
    await this.lockChains(m, drafts.map((d) => d.stationId));
    const years = drafts.map((d) => this.local.year(d.plannedStart));
    // On PostgreSQL every station's head and last numbers come in one round trip, not three per station.
    if (engineOf(m) === 'postgres') for (const [stationId, head] of await this.headsOnPostgres(m, drafts, years)) heads.set(stationId, head);
    for (let i = 0; i < drafts.length; i++) {
      const draft = drafts[i];
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
      const year = years[i];
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
    await this.insert(m, LogbookLine, WRITTEN_FIELDS, rows, valuesOf);
    await this.insertSeals(m, seals);
    for (const [stationId, head] of heads) this.remember(m, stationId, { chainPos: head.chainPos, lineHash: head.lineHash });
    return rows;
  }

  /**
   * Signs the seals made in one go and stores them. An Ed25519 signature costs more than hashing and
   * storing a line, and a backlog of a year's lines has a seal for nearly every hour: one signature per
   * station and append keeps the signing cost out of the ingest. A run of one is signed on its own message,
   * as before.
   */
  private async insertSeals(m: EntityManager, seals: WrittenSeal[]): Promise<void> {
    if (!seals.length) return;
    const runs = new Map<string, WrittenSeal[]>();
    for (const seal of seals) {
      const run = runs.get(seal.stationId);
      if (run) run.push(seal);
      else runs.set(seal.stationId, [seal]);
    }
    for (const [stationId, run] of runs) {
      const { signature } = run.length === 1 ? this.keys.sign(run[0]) : this.keys.signRun(stationId, run.map((s) => s.digest));
      for (const seal of run) seal.signature = signature;
    }
    await this.insert(m, LogbookSeal, SEAL_FIELDS, seals, sealValuesOf);
  }

  /**
   * Inserts rows with statements built once per table, engine and chunk size. Binding every value through
   * the query builder costs more than the database's own work on a million lines. On SQLite a multi-row
   * VALUES of up to SQLITE_PARAMS values; on PostgreSQL one array per column, unnested: up to PG_CHUNK rows in one
   * round trip, with 32 parameters however many rows there are.
   */
  private async insert<T>(m: EntityManager, entity: typeof LogbookLine | typeof LogbookSeal, fields: readonly string[], rows: T[], values: RowValues<T>): Promise<void> {
    if (engineOf(m) === 'postgres') {
      // One JSON document of the rows: JSON.stringify is native, where the driver would escape every value
      // of every column array in JavaScript; the rows' keys are the columns' names.
      for (let i = 0; i < rows.length; i += PG_CHUNK) await m.query(this.statement(m, entity, fields, 0), [JSON.stringify(rows.slice(i, i + PG_CHUNK))]);
      return;
    }
    const chunk = Math.floor(SQLITE_PARAMS / fields.length);
    for (let i = 0; i < rows.length; ) {
      // What is left under a full chunk goes in powers of two: a few statements to prepare and keep, not one per size.
      const left = rows.length - i;
      const n = left >= chunk ? chunk : 2 ** Math.floor(Math.log2(left));
      await m.query(this.statement(m, entity, fields, n), valuesOfAll(rows.slice(i, i + n), values));
      i += n;
    }
  }

  /** The INSERT for `rows` rows on SQLite, or (rows = 0) the unnesting one on PostgreSQL. */
  private statement(m: EntityManager, entity: typeof LogbookLine | typeof LogbookSeal, fields: readonly string[], rows: number): string {
    const meta = m.connection.getMetadata(entity);
    const key = `${meta.tableName}:${rows}`;
    let sql = this.templates.get(key);
    if (sql) return sql;
    const into = `INSERT INTO "${meta.tableName}" (${fields.map((f) => `"${f}"`).join(', ')})`;
    if (rows === 0) {
      sql = `${into} SELECT ${fields.map((f) => `r."${f}"`).join(', ')} FROM json_populate_recordset(NULL::"${meta.tableName}", $1::json) AS r`;
    } else {
      const tuple = `(${fields.map(() => '?').join(', ')})`;
      sql = `${into} VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
    }
    this.templates.set(key, sql);
    return sql;
  }

  /**
   * Serialises writers per station chain: with several server instances on PostgreSQL, two transactions
   * appending to one station would otherwise read the same head and fork the chain or repeat a number.
   * Stations are locked in one order so two batches never wait on each other. SQLite has one writer anyway.
   */
  private async lockChains(m: EntityManager, stationIds: Iterable<string>): Promise<void> {
    if (engineOf(m) !== 'postgres') return;
    const ids = [...new Set(stationIds)].sort();
    if (!ids.length) return;
    // One round trip: the array is unnested in its (sorted) order, and the locks are taken row by row in it.
    await m.query('SELECT pg_advisory_xact_lock($1, hashtext(t.id)) FROM unnest($2::text[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n', [CHAIN_LOCK_SPACE, ids]);
  }

  /**
   * Seals every station's chain that has lines no seal covers yet: run hourly, so a quiet station's last
   * lines are anchored too. Returns how many seals were written.
   */
  async sealDue(m: EntityManager, now: string): Promise<number> {
    const stationIds = (await m.createQueryBuilder(LogbookLine, 'l').select('DISTINCT l.stationId', 'stationId').getRawMany<{ stationId: string }>()).map((r) => r.stationId);
    const seals: WrittenSeal[] = [];
    await this.lockChains(m, stationIds);
    for (const stationId of stationIds) {
      const head = await this.headOf(m, stationId);
      if (head.chainPos > head.sealedPos) seals.push(this.seal(stationId, head, now));
    }
    await this.insertSeals(m, seals);
    return seals.length;
  }

  /** A seal of the chain's head as it stands, not yet signed (insertSeals signs it). */
  private seal(stationId: string, head: StationHead, now: string): WrittenSeal {
    const day = head.day ?? (head.hour ? this.local.day(`${head.hour}:00:00.000Z`) : this.local.day(now));
    const seal: WrittenSeal = {
      stationId,
      day,
      lineCount: head.chainPos - head.sealedPos,
      lastChainPos: head.chainPos,
      lastLineHash: head.lineHash,
      createdAt: now,
      keyId: this.keys.fingerprint,
      digest: '',
      signature: null,
    };
    seal.digest = sealDigest(seal);
    return seal;
  }

  private async headOf(m: EntityManager, stationId: string): Promise<StationHead> {
    const last = await m.findOne(LogbookLine, {
      where: { stationId },
      order: { chainPos: 'DESC' },
      select: { chainPos: true, lineHash: true, createdAt: true },
    });
    const seal = await m.findOne(LogbookSeal, { where: { stationId }, order: { lastChainPos: 'DESC' }, select: { lastChainPos: true } });
    return this.headFrom(stationId, last, seal?.lastChainPos ?? 0);
  }

  /**
   * The heads of the drafts' stations on PostgreSQL in one query: for every (station, year) pair of the
   * batch, the station's last line, its last sealed position and the year's last running number, each
   * read from its own index (LATERAL … LIMIT 1), so the cost does not grow with the chain.
   */
  private async headsOnPostgres(m: EntityManager, drafts: readonly LineDraft[], years: readonly number[]): Promise<Map<string, StationHead>> {
    const pairs = new Set<string>();
    const stationIds: string[] = [];
    const pairYears: number[] = [];
    for (let i = 0; i < drafts.length; i++) {
      const key = `${drafts[i].stationId}\u0000${years[i]}`;
      if (pairs.has(key)) continue;
      pairs.add(key);
      stationIds.push(drafts[i].stationId);
      pairYears.push(years[i]);
    }
    const rows = (await m.query(
      `SELECT p.station AS "stationId", p.year AS "year", l."chainPos", l."lineHash", l."createdAt", s."lastChainPos", n."number"
         FROM unnest($1::varchar[], $2::integer[]) AS p(station, year)
         LEFT JOIN LATERAL (SELECT "chainPos", "lineHash", "createdAt" FROM "logbook_line" WHERE "stationId" = p.station ORDER BY "chainPos" DESC LIMIT 1) l ON true
         LEFT JOIN LATERAL (SELECT "lastChainPos" FROM "logbook_seal" WHERE "stationId" = p.station ORDER BY "lastChainPos" DESC LIMIT 1) s ON true
         LEFT JOIN LATERAL (SELECT "number" FROM "logbook_line" WHERE "stationId" = p.station AND "year" = p.year ORDER BY "number" DESC LIMIT 1) n ON true`,
      [stationIds, pairYears],
    )) as { stationId: string; year: number; chainPos: number | null; lineHash: string | null; createdAt: string | null; lastChainPos: number | null; number: number | null }[];
    const heads = new Map<string, StationHead>();
    for (const r of rows) {
      let head = heads.get(r.stationId);
      if (!head) {
        const last = r.chainPos === null ? null : { chainPos: r.chainPos, lineHash: r.lineHash!, createdAt: r.createdAt! };
        head = this.headFrom(r.stationId, last, r.lastChainPos ?? 0);
        heads.set(r.stationId, head);
      }
      head.numbers.set(r.year, (r.number ?? 0) + 1);
    }
    return heads;
  }

  /** A station's head from its last stored line and seal, checked against what this writer committed. */
  private headFrom(stationId: string, last: Pick<LogbookLine, 'chainPos' | 'lineHash' | 'createdAt'> | null, sealedPos: number): StationHead {
    const head: StationHead = {
      chainPos: last?.chainPos ?? 0,
      lineHash: last?.lineHash ?? GENESIS,
      day: last ? this.local.day(last.createdAt) : null,
      hour: last ? last.createdAt.slice(0, 13) : null,
      sealedPos,
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
