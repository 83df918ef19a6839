import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Between, DataSource, LessThan, LessThanOrEqual, MoreThan, MoreThanOrEqual, type EntityManager, type EntitySubscriberInterface, type QueryRunner } from 'typeorm';
import type { ChainLink, SealLink } from './chain';
import type { Tx } from '../database/unit-of-work';
import { engineOf } from '../database/sql';
import { LogbookLine } from './logbook-line.entity';
import { LogbookSeal } from './logbook-seal.entity';

/** A line as the writer builds it; the database gives it its id. */
export type WrittenLine = Omit<LogbookLine, 'id'>;

/** A seal as the writer builds it; the database gives it its id. */
export type WrittenSeal = Omit<LogbookSeal, 'id'>;

/** A station's chain as stored, for one year of its running numbers. */
export interface StoredHead {
  stationId: string;
  year: number;
  /** The station's newest line, or null before its first. */
  last: { chainPos: number; lineHash: string; createdAt: string } | null;
  /** chainPos of the station's newest seal; 0 before its first. */
  sealedPos: number;
  /** The year's highest running number on the station; 0 before its first line of the year. */
  lastNumber: number;
}

type Value = string | number | null | undefined;

const LINE_FIELDS = [
  'stationId', 'stationName', 'unitId', 'year', 'number', 'chainPos', 'occurrenceId', 'revision', 'amendsLineId', 'correctionReason',
  'slotId', 'programmeId', 'programmeTitle', 'chuyenMuc', 'topic', 'source', 'priority', 'speakerClusters', 'plannedStart', 'actualStart',
  'endedAt', 'durationMs', 'plannedDurationMs', 'startErrorMs', 'result', 'reason', 'detail', 'recordedBy', 'createdAt', 'contentHash',
  'prevHash', 'lineHash', 'airVerdict', 'airConfirmedMs', 'airCoveragePct', 'airOffsetMs', 'deadAirMs', 'language',
] as const satisfies readonly (keyof LogbookLine)[];

/**
 * Adds a line's values to `out` in LINE_FIELDS order, read field by field: cheap, where reading by
 * computed key is not, and no array per line.
 */
function lineValues(r: WrittenLine, out: Value[]): void {
  out.push(
    r.stationId, r.stationName, r.unitId, r.year, r.number, r.chainPos, r.occurrenceId, r.revision, r.amendsLineId, r.correctionReason,
    r.slotId, r.programmeId, r.programmeTitle, r.chuyenMuc, r.topic, r.source, r.priority, r.speakerClusters, r.plannedStart, r.actualStart,
    r.endedAt, r.durationMs, r.plannedDurationMs, r.startErrorMs, r.result, r.reason, r.detail, r.recordedBy, r.createdAt, r.contentHash,
    r.prevHash, r.lineHash, r.airVerdict, r.airConfirmedMs, r.airCoveragePct, r.airOffsetMs, r.deadAirMs, r.language,
  );
}

const SEAL_FIELDS = ['stationId', 'day', 'lastChainPos', 'lastLineHash', 'lineCount', 'digest', 'createdAt', 'keyId', 'signature'] as const satisfies readonly (keyof LogbookSeal)[];

function sealValues(s: WrittenSeal, out: Value[]): void {
  out.push(s.stationId, s.day, s.lastChainPos, s.lastLineHash, s.lineCount, s.digest, s.createdAt, s.keyId, s.signature);
}

type RowValues<T> = (row: T, out: Value[]) => void;

/** Advisory lock key space of the logbook chains (the second key is the station's hash). */
const CHAIN_LOCK_SPACE = 7305;

/**
 * Bound parameters per INSERT on SQLite: half its limit. Each statement run has a fixed cost that a
 * hundred rows did not cover; a few hundred do.
 */
const SQLITE_PARAMS = 16_000;

/** (station, year) pairs per statement reading the heads on SQLite. */
const SQLITE_HEAD_PAIRS = 400;

/** Rows per piece of a COPY sent to PostgreSQL: large enough to cost little per piece, small enough to stream. */
const COPY_PIECE = 1000;

/** Backslashes, tabs and line breaks: what COPY's text format escapes. */
const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format: \N for null, the special characters escaped. */
function copyValue(v: Value): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v !== 'string') return String(v);
  if (!COPY_SPECIAL.test(v)) return v;
  return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * The writing side of the logbook's hash chains: the locks that serialise writers per station, the
 * stored heads, and the bulk inserts of lines and seals. Everything runs inside the caller's transaction.
 */
@Injectable()
export class LogbookChainRepository {
  /** Per engine and chunk size: the INSERT statement. */
  private readonly templates = new Map<string, string>();
  private readonly onCommit = new WeakMap<QueryRunner, (() => void)[]>();

  constructor(@InjectDataSource() db: DataSource) {
    // Work kept for a transaction's commit runs once it has committed; a rolled-back one drops it.
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event) => {
        if (event.queryRunner.isTransactionActive) return;
        const work = this.onCommit.get(event.queryRunner);
        this.onCommit.delete(event.queryRunner);
        for (const fn of work ?? []) fn();
      },
      afterTransactionRollback: (event) => {
        this.onCommit.delete(event.queryRunner);
      },
    };
    db.subscribers.push(subscriber);
  }

  /** Runs `fn` once the transaction commits (now, outside one); never if it rolls back. */
  afterCommit(tx: Tx, fn: () => void): void {
    const runner = tx.queryRunner;
    if (!runner?.isTransactionActive) return fn();
    const work = this.onCommit.get(runner);
    if (work) work.push(fn);
    else this.onCommit.set(runner, [fn]);
  }

  /**
   * Serialises writers per station chain: with several server instances on PostgreSQL, two transactions
   * appending to one station would otherwise read the same head and fork the chain or repeat a number.
   * Stations are locked in one order so two batches never wait on each other. SQLite has one writer anyway.
   */
  async lockChains(tx: Tx, stationIds: Iterable<string>): Promise<void> {
    if (engineOf(tx) !== 'postgres') return;
    const ids = [...new Set(stationIds)].sort();
    if (!ids.length) return;
    // One round trip: the array is unnested in its (sorted) order, and the locks are taken row by row in it.
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext(t.id)) FROM unnest($2::text[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n', [CHAIN_LOCK_SPACE, ids]);
  }

  /**
   * For every (station, year) pair: the station's last line, its last sealed position and the year's last
   * running number. On PostgreSQL in one round trip, each read from its own index (LATERAL … LIMIT 1), so
   * the cost does not grow with the chain.
   */
  async heads(tx: Tx, pairs: readonly { stationId: string; year: number }[]): Promise<StoredHead[]> {
    if (!pairs.length) return [];
    if (engineOf(tx) === 'postgres') {
      const rows = (await tx.query(
        `SELECT p.station AS "stationId", p.year AS "year", l."chainPos", l."lineHash", l."createdAt", s."lastChainPos", n."number"
           FROM unnest($1::varchar[], $2::integer[]) AS p(station, year)
           LEFT JOIN LATERAL (SELECT "chainPos", "lineHash", "createdAt" FROM "logbook_line" WHERE "stationId" = p.station ORDER BY "chainPos" DESC LIMIT 1) l ON true
           LEFT JOIN LATERAL (SELECT "lastChainPos" FROM "logbook_seal" WHERE "stationId" = p.station ORDER BY "lastChainPos" DESC LIMIT 1) s ON true
           LEFT JOIN LATERAL (SELECT "number" FROM "logbook_line" WHERE "stationId" = p.station AND "year" = p.year ORDER BY "number" DESC LIMIT 1) n ON true`,
        [pairs.map((p) => p.stationId), pairs.map((p) => p.year)],
      )) as { stationId: string; year: number; chainPos: number | null; lineHash: string | null; createdAt: string | Date | null; lastChainPos: number | null; number: number | null }[];
      return rows.map((r) => ({
        stationId: r.stationId,
        year: Number(r.year),
        last: r.chainPos === null ? null : { chainPos: Number(r.chainPos), lineHash: r.lineHash!, createdAt: instantText(r.createdAt!) },
        sealedPos: r.lastChainPos === null ? 0 : Number(r.lastChainPos),
        lastNumber: r.number === null ? 0 : Number(r.number),
      }));
    }
    // SQLite: one statement per few hundred pairs, each value read from its index by a subquery.
    const out: StoredHead[] = [];
    for (let i = 0; i < pairs.length; i += SQLITE_HEAD_PAIRS) {
      const chunk = pairs.slice(i, i + SQLITE_HEAD_PAIRS);
      const rows = (await tx.query(
        `SELECT k.column1 AS "stationId", k.column2 AS "year",
                (SELECT "chainPos" FROM "logbook_line" WHERE "stationId" = k.column1 ORDER BY "chainPos" DESC LIMIT 1) AS "chainPos",
                (SELECT "lineHash" FROM "logbook_line" WHERE "stationId" = k.column1 ORDER BY "chainPos" DESC LIMIT 1) AS "lineHash",
                (SELECT "createdAt" FROM "logbook_line" WHERE "stationId" = k.column1 ORDER BY "chainPos" DESC LIMIT 1) AS "createdAt",
                (SELECT "lastChainPos" FROM "logbook_seal" WHERE "stationId" = k.column1 ORDER BY "lastChainPos" DESC LIMIT 1) AS "lastChainPos",
                (SELECT "number" FROM "logbook_line" WHERE "stationId" = k.column1 AND "year" = k.column2 ORDER BY "number" DESC LIMIT 1) AS "number"
           FROM (VALUES ${chunk.map(() => '(?, ?)').join(', ')}) AS k`,
        chunk.flatMap((p) => [p.stationId, p.year]),
      )) as { stationId: string; year: number; chainPos: number | null; lineHash: string | null; createdAt: string | null; lastChainPos: number | null; number: number | null }[];
      for (const r of rows) {
        out.push({
          stationId: r.stationId,
          year: Number(r.year),
          last: r.chainPos === null ? null : { chainPos: r.chainPos, lineHash: r.lineHash!, createdAt: r.createdAt! },
          sealedPos: r.lastChainPos ?? 0,
          lastNumber: r.number ?? 0,
        });
      }
    }
    return out;
  }

  /** The stations that have lines. */
  async stationsWithLines(tx: Tx): Promise<string[]> {
    const rows = await tx.createQueryBuilder(LogbookLine, 'l').select('DISTINCT l.stationId', 'stationId').getRawMany<{ stationId: string }>();
    return rows.map((r) => r.stationId);
  }

  insertLines(tx: Tx, rows: readonly WrittenLine[]): Promise<void> {
    return this.insert(tx, LogbookLine, LINE_FIELDS, rows, lineValues);
  }

  insertSeals(tx: Tx, seals: readonly WrittenSeal[]): Promise<void> {
    return this.insert(tx, LogbookSeal, SEAL_FIELDS, seals, sealValues);
  }

  /**
   * Inserts rows with statements built once per table, engine and chunk size. On SQLite a multi-row
   * VALUES of up to SQLITE_PARAMS values; on PostgreSQL one COPY, streamed in pieces: PostgreSQL loads
   * COPY rows in bulk, where an INSERT … SELECT goes through the executor row by row, and nothing in
   * the driver has to escape a parameter of megabytes.
   */
  private async insert<T>(tx: Tx, entity: typeof LogbookLine | typeof LogbookSeal, fields: readonly string[], rows: readonly T[], values: RowValues<T>): Promise<void> {
    if (!rows.length) return;
    if (engineOf(tx) === 'postgres') return this.copy(tx, entity, fields, rows, values);
    const chunk = Math.floor(SQLITE_PARAMS / fields.length);
    for (let i = 0; i < rows.length; ) {
      // What is left under a full chunk goes in powers of two: a few statements to prepare and keep, not one per size.
      const left = rows.length - i;
      const n = left >= chunk ? chunk : 2 ** Math.floor(Math.log2(left));
      const params: Value[] = [];
      for (let k = i; k < i + n; k++) values(rows[k], params);
      // A field a caller left undefined is stored as null.
      for (let k = 0; k < params.length; k++) if (params[k] === undefined) params[k] = null;
      await tx.query(this.statement(tx, entity, fields, n), params);
      i += n;
    }
  }

  private async copy<T>(tx: Tx, entity: typeof LogbookLine | typeof LogbookSeal, fields: readonly string[], rows: readonly T[], values: RowValues<T>): Promise<void> {
    const client = connectionOf(tx);
    const table = tx.connection.getMetadata(entity).tableName;
    const stream = client.query(copyFrom(`COPY "${table}" (${fields.map((f) => `"${f}"`).join(', ')}) FROM STDIN`));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    // Rejections are awaited below; until then a failing COPY must not surface as unhandled.
    done.catch(() => undefined);
    const row: Value[] = [];
    for (let i = 0; i < rows.length; i += COPY_PIECE) {
      let text = '';
      for (let k = i; k < Math.min(rows.length, i + COPY_PIECE); k++) {
        row.length = 0;
        values(rows[k], row);
        let line = copyValue(row[0]);
        for (let f = 1; f < row.length; f++) line += '\t' + copyValue(row[f]);
        text += line + '\n';
      }
      if (!stream.write(text)) await Promise.race([new Promise((resolve) => stream.once('drain', resolve)), done]);
    }
    stream.end();
    await done;
  }

  /** The INSERT for `rows` rows on SQLite. */
  private statement(m: EntityManager, entity: typeof LogbookLine | typeof LogbookSeal, fields: readonly string[], rows: number): string {
    const meta = m.connection.getMetadata(entity);
    const key = `${meta.tableName}:${rows}`;
    let sql = this.templates.get(key);
    if (sql) return sql;
    const tuple = `(${fields.map(() => '?').join(', ')})`;
    sql = `INSERT INTO "${meta.tableName}" (${fields.map((f) => `"${f}"`).join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
    this.templates.set(key, sql);
    return sql;
  }
}

/** What verifying a station's chain reads: its bounds in a range, its lines in order, its seals. */
export interface ChainReads {
  /** The lowest and highest chain positions of the station's lines written in the range. */
  bounds(stationId: string, range: { from?: string; to?: string }): Promise<{ lo: number | null; hi: number | null }>;
  /** The newest line before position `pos`. */
  lineBefore(stationId: string, pos: number): Promise<ChainLink | null>;
  /** The station's seals from position `from` to `to` (inclusive; null: no bound). */
  seals(stationId: string, from: number | null, to: number | null): Promise<SealLink[]>;
  /** The first seal at or after `pos` (`first`), or the last at or before it (`last`). */
  sealNear(stationId: string, pos: number, edge: 'first' | 'last'): Promise<{ lastChainPos: number; signature: string | null } | null>;
  /** The first (or last) position among the station's seals that carry this signature. */
  runEnd(stationId: string, signature: string, edge: 'first' | 'last'): Promise<number | null>;
  /** Up to `limit` lines after position `after`, in chain order. */
  linesAfter(stationId: string, after: number, limit: number): Promise<ChainLink[]>;
}

/** The chain reads inside a transaction (or on any TypeORM manager, as the command line has). */
export function chainReads(tx: Tx): ChainReads {
  return {
    async bounds(stationId, range) {
      const qb = tx.createQueryBuilder(LogbookLine, 'l').select('MIN(l.chainPos)', 'lo').addSelect('MAX(l.chainPos)', 'hi').where('l.stationId = :stationId', { stationId });
      if (range.from) qb.andWhere('l.createdAt >= :from', { from: range.from });
      if (range.to) qb.andWhere('l.createdAt < :to', { to: range.to });
      const b = await qb.getRawOne<{ lo: number | string | null; hi: number | string | null }>();
      return { lo: b?.lo === null || b?.lo === undefined ? null : Number(b.lo), hi: b?.hi === null || b?.hi === undefined ? null : Number(b.hi) };
    },
    async lineBefore(stationId, pos) {
      const line = await tx.findOne(LogbookLine, { where: { stationId, chainPos: LessThan(pos) }, order: { chainPos: 'DESC' } });
      return line as unknown as ChainLink | null;
    },
    async seals(stationId, from, to) {
      const lastChainPos = from === null ? undefined : to === null ? MoreThanOrEqual(from) : Between(from, to);
      return (await tx.find(LogbookSeal, { where: lastChainPos ? { stationId, lastChainPos } : { stationId } })) as SealLink[];
    },
    sealNear(stationId, pos, edge) {
      return tx.findOne(LogbookSeal, {
        where: { stationId, lastChainPos: edge === 'first' ? MoreThanOrEqual(pos) : LessThanOrEqual(pos) },
        order: { lastChainPos: edge === 'first' ? 'ASC' : 'DESC' },
        select: { lastChainPos: true, signature: true },
      });
    },
    async runEnd(stationId, signature, edge) {
      const found = await tx
        .createQueryBuilder(LogbookSeal, 's')
        .select(edge === 'first' ? 'MIN(s.lastChainPos)' : 'MAX(s.lastChainPos)', 'pos')
        .where('s.stationId = :stationId AND s.signature = :signature', { stationId, signature })
        .getRawOne<{ pos: number | string | null }>();
      return found?.pos === null || found?.pos === undefined ? null : Number(found.pos);
    },
    async linesAfter(stationId, after, limit) {
      const page = await tx.find(LogbookLine, { where: { stationId, chainPos: MoreThan(after) }, order: { chainPos: 'ASC', id: 'ASC' }, take: limit });
      return page as unknown as ChainLink[];
    },
  };
}

/** The driver's connection under a PostgreSQL transaction, for COPY, which TypeORM does not speak. */
function connectionOf(tx: Tx): PoolClient {
  const client = (tx.queryRunner as unknown as { databaseConnection?: PoolClient } | undefined)?.databaseConnection;
  if (!client) throw new Error('a COPY into the logbook needs a transaction on PostgreSQL');
  return client;
}

function instantText(v: string | Date): string {
  return v instanceof Date ? v.toISOString() : v;
}
