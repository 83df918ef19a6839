import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import { once } from 'node:events';
import { Between, DataSource, LessThan, LessThanOrEqual, MoreThan, MoreThanOrEqual, type EntityManager, type EntitySubscriberInterface, type QueryRunner } from 'typeorm';
import type { ChainLink, SealLink } from './chain';
import type { Tx } from '../database/unit-of-work';
import { binder, engineOf } from '../database/sql';
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

/** What the logbook keeps one line of: a station's airing, at one revision. */
export interface LineKey {
  stationId: string;
  occurrenceId: string;
  revision: number;
}

export function lineKey(stationId: string, occurrenceId: string, revision: number): string {
  return `${stationId}\u0000${occurrenceId}\u0000${revision}`;
}

/**
 * Bound parameters per INSERT on SQLite: half its limit. Each statement run has a fixed cost that a
 * hundred rows did not cover; a few hundred do.
 */
const SQLITE_PARAMS = 16_000;

/** (station, year) pairs per statement reading the heads on SQLite. */
const SQLITE_HEAD_PAIRS = 400;

/**
 * Bytes of COPY text per buffer handed to the socket: a few hundred rows. Each row is encoded straight into
 * the buffer; concatenating a piece's rows into one string first and encoding that cost four times as much.
 */
const COPY_CHUNK = 256 * 1024;

/**
 * How far the rows sent may run ahead of what the socket has taken before a sender waits: a few pieces,
 * so the server always has rows to load while the writer hashes the next ones, and memory stays bounded.
 */
const COPY_AHEAD = 4 * 1024 * 1024;

/** Backslashes, tabs and line breaks: what COPY's text format escapes. */
const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format: \N for null, the special characters escaped. */
function copyValue(v: Value): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v !== 'string') return String(v);
  if (!COPY_SPECIAL.test(v)) return v;
  return v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Rows `from` to `to` (exclusive) in COPY's text format, as buffers of about COPY_CHUNK bytes. */
function copyText<T>(rows: readonly T[], from: number, to: number, values: RowValues<T>): Buffer[] {
  const out: Buffer[] = [];
  const row: Value[] = [];
  let buf: Buffer | null = null;
  let at = 0;
  for (let k = from; k < to; k++) {
    row.length = 0;
    values(rows[k], row);
    let line = copyValue(row[0]);
    for (let f = 1; f < row.length; f++) line += '\t' + copyValue(row[f]);
    line += '\n';
    // UTF-8 takes at most three bytes for one UTF-16 unit: a row that might not fit starts the next buffer.
    const most = line.length * 3;
    if (!buf || at + most > buf.length) {
      if (buf && at) out.push(buf.subarray(0, at));
      // Room for the rows left at this one's size, up to a chunk: a single line does not take a chunk's memory.
      buf = Buffer.allocUnsafe(Math.max(most, Math.min(COPY_CHUNK, most * (to - k))));
      at = 0;
    }
    at += buf.write(line, at);
  }
  if (buf && at) out.push(buf.subarray(0, at));
  return out;
}

/**
 * Lines on their way into the table while the writer is still making the next ones. Everything sent is
 * part of the caller's transaction: nothing is visible, let alone acknowledged, before it commits.
 */
export interface LineStream {
  /** Sends rows `from` to `to` (exclusive); rejects with the insert's error once it has failed. */
  send(rows: readonly WrittenLine[], from: number, to: number): Promise<void>;
  /** Resolves once every row sent is in the table; rejects if any could not be stored. */
  end(): Promise<void>;
  /** Gives up what was sent (the transaction is going to roll back); leaves the connection usable. */
  abort(reason: Error): Promise<void>;
}

/**
 * One COPY … FROM STDIN on the transaction's connection, fed while its rows are still being made: the
 * server parses and indexes what has arrived while the writer hashes what comes next.
 */
class CopyIn<T> {
  private readonly stream: CopyStreamQuery;
  private readonly done: Promise<void>;
  private failure: Error | null = null;

  constructor(client: PoolClient, sql: string, private readonly values: RowValues<T>) {
    this.stream = client.query(copyFrom(sql, { highWaterMark: COPY_AHEAD }));
    this.done = new Promise<void>((resolve, reject) => {
      this.stream.on('finish', resolve);
      this.stream.on('error', (err: Error) => {
        this.failure ??= err;
        reject(err);
      });
    });
    // Rejections are thrown by send and end; until one is called a failing COPY must not surface as unhandled.
    this.done.catch(() => undefined);
  }

  async send(rows: readonly T[], from: number, to: number): Promise<void> {
    if (this.failure) throw this.failure;
    for (const chunk of copyText(rows, from, to, this.values)) {
      // After a failure the stream has let go of the connection: writing on would throw inside the driver.
      if (this.failure) throw this.failure;
      if (!this.stream.write(chunk)) await Promise.race([once(this.stream, 'drain'), this.done]);
    }
    // A turn of the event loop: the server's replies (the COPY under way, or an error) are read and the
    // socket writes what it holds, before the caller goes back to hashing.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failure) throw this.failure;
  }

  async end(): Promise<void> {
    if (this.failure) throw this.failure;
    this.stream.end();
    await this.done;
  }

  async abort(reason: Error): Promise<void> {
    // CopyFail: the server rejects the COPY and answers, so the ROLLBACK that follows finds the connection free.
    if (!this.failure && !this.stream.writableEnded) this.stream.destroy(reason);
    await this.done.catch(() => undefined);
  }
}

/** Lines sent to SQLite: kept, and inserted at the end by multi-row INSERTs (SQLite has one writer and no wire to overlap). */
class BufferedLines implements LineStream {
  private readonly sent: WrittenLine[] = [];

  constructor(private readonly insert: (rows: readonly WrittenLine[]) => Promise<void>) {}

  async send(rows: readonly WrittenLine[], from: number, to: number): Promise<void> {
    for (let k = from; k < to; k++) this.sent.push(rows[k]);
  }

  end(): Promise<void> {
    return this.insert(this.sent);
  }

  async abort(): Promise<void> {
    this.sent.length = 0;
  }
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
   * Of these lines' keys (station, occurrence, revision), those a line is stored under already, as
   * `station\u0000occurrence\u0000revision`. Read after lockChains, it sees every line committed before.
   */
  async storedKeys(tx: Tx, keys: readonly LineKey[]): Promise<Set<string>> {
    const out = new Set<string>();
    const engine = engineOf(tx);
    for (let i = 0; i < keys.length; i += SQLITE_HEAD_PAIRS) {
      const chunk = keys.slice(i, i + SQLITE_HEAD_PAIRS);
      const p = binder(engine);
      const rows = (await tx.query(
        `SELECT l."stationId", l."occurrenceId", l."revision"
           FROM (VALUES ${chunk.map(() => `(${p()}, ${p()}, CAST(${p()} AS integer))`).join(', ')}) AS k
           JOIN "logbook_line" l ON l."stationId" = k.column1 AND l."occurrenceId" = k.column2 AND l."revision" = k.column3`,
        chunk.flatMap((k) => [k.stationId, k.occurrenceId, k.revision]),
      )) as { stationId: string; occurrenceId: string; revision: number }[];
      for (const r of rows) out.add(lineKey(r.stationId, r.occurrenceId, Number(r.revision)));
    }
    return out;
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

  /**
   * Lines to be sent while the caller makes the next ones. On PostgreSQL the COPY starts at once, so its
   * round trip and the server's parsing and index upkeep overlap the hashing; on SQLite the lines are
   * inserted at the end, as insertLines does.
   */
  streamLines(tx: Tx): LineStream {
    if (engineOf(tx) !== 'postgres') return new BufferedLines((rows) => this.insertLines(tx, rows));
    return new CopyIn<WrittenLine>(connectionOf(tx), this.copySql(tx, LogbookLine, LINE_FIELDS), lineValues);
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
    const copy = new CopyIn<T>(connectionOf(tx), this.copySql(tx, entity, fields), values);
    try {
      await copy.send(rows, 0, rows.length);
    } catch (err) {
      await copy.abort(err as Error);
      throw err;
    }
    await copy.end();
  }

  private copySql(tx: Tx, entity: typeof LogbookLine | typeof LogbookSeal, fields: readonly string[]): string {
    const table = tx.connection.getMetadata(entity).tableName;
    return `COPY "${table}" (${fields.map((f) => `"${f}"`).join(', ')}) FROM STDIN`;
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
