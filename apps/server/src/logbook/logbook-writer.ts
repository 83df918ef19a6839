import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { Tx } from '../database/unit-of-work';
import { chainLine, GENESIS, sealDigest } from './chain';
import { LogbookChainRepository, lineKey, type StoredHead, type WrittenLine, type WrittenSeal } from './logbook-chain.repository';
import type { AirProofColumns } from '../playback/air-proof-columns';
import type { LogbookLine } from './logbook-line.entity';
import { LocalTime } from './local-time';
import { SealKeys } from './seal-keys';

export type { WrittenLine };

/** What a caller says about a new line; numbering and hashes are the writer's. */
export type LineDraft = Omit<LogbookLine, 'id' | 'year' | 'number' | 'chainPos' | 'contentHash' | 'prevHash' | 'lineHash' | 'revision' | 'amendsLineId' | 'correctionReason' | AirField> &
  Partial<Pick<LogbookLine, 'revision' | 'amendsLineId' | 'correctionReason' | AirField>>;

type AirField = keyof AirProofColumns | 'language';

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

/**
 * Lines hashed before they are handed to the database: small enough that the server starts loading soon
 * and has little left once the last is hashed, large enough that handing over costs little per line.
 */
const STREAM_PIECE = 500;

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
  private readonly committed = new Map<string, KnownHead>();

  constructor(
    config: AppConfig,
    private readonly keys: SealKeys,
    private readonly chains: LogbookChainRepository,
  ) {
    this.local = new LocalTime(config.timezone);
  }

  async append(tx: Tx, drafts: readonly LineDraft[]): Promise<WrittenLine[]> {
    await this.chains.lockChains(tx, drafts.map((d) => d.stationId));
    return this.appendLocked(tx, drafts);
  }

  /**
   * Appends the drafts whose airing has no line of their revision yet, and returns the others, left out.
   * The caller read the airing's lines before its stations' chains were locked; another instance may have
   * written a line for it since (the agent sent a different final event there before its link dropped).
   * The logbook is append-only with one line per airing: the first line written stays, and nothing of the
   * left-out draft takes a number or a place in the chain.
   */
  async appendUnwritten(tx: Tx, drafts: readonly LineDraft[]): Promise<LineDraft[]> {
    if (!drafts.length) return [];
    await this.chains.lockChains(tx, drafts.map((d) => d.stationId));
    const stored = await this.chains.storedKeys(
      tx,
      drafts.map((d) => ({ stationId: d.stationId, occurrenceId: d.occurrenceId, revision: d.revision ?? 0 })),
    );
    const fresh: LineDraft[] = [];
    const left: LineDraft[] = [];
    for (const d of drafts) (stored.has(lineKey(d.stationId, d.occurrenceId, d.revision ?? 0)) ? left : fresh).push(d);
    if (fresh.length) await this.appendLocked(tx, fresh);
    return left;
  }

  private async appendLocked(tx: Tx, drafts: readonly LineDraft[]): Promise<WrittenLine[]> {
    const rows: WrittenLine[] = [];
    const seals: WrittenSeal[] = [];
    const years = drafts.map((d) => this.local.year(d.plannedStart));
    // Every station's head and the last number of each of its years in this batch, read at once.
    const pairs = new Map<string, { stationId: string; year: number }>();
    for (let i = 0; i < drafts.length; i++) {
      const key = `${drafts[i].stationId}\u0000${years[i]}`;
      if (!pairs.has(key)) pairs.set(key, { stationId: drafts[i].stationId, year: years[i] });
    }
    const heads = this.headsFrom(await this.chains.heads(tx, [...pairs.values()]));
    // Lines go to the database a piece at a time while the next piece is hashed.
    const stream = this.chains.streamLines(tx);
    let sent = 0;
    try {
      for (let i = 0; i < drafts.length; i++) {
        const draft = drafts[i];
        const head = heads.get(draft.stationId)!;
        const hour = draft.createdAt.slice(0, 13);
        if (head.hour !== null && hour > head.hour && head.chainPos > head.sealedPos) {
          seals.push(this.seal(draft.stationId, head, draft.createdAt));
          head.sealedPos = head.chainPos;
        }
        const year = years[i];
        const number = head.numbers.get(year)!;
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
        if (rows.length - sent === STREAM_PIECE) {
          await stream.send(rows, sent, rows.length);
          sent = rows.length;
        }
      }
      await stream.send(rows, sent, rows.length);
      await stream.end();
    } catch (err) {
      // The COPY is left open otherwise, and the rollback would wait behind it.
      await stream.abort(err as Error);
      throw err;
    }
    await this.insertSeals(tx, seals);
    // Heads become known only once their transaction commits; a rolled-back append leaves nothing behind.
    const written = [...heads].map(([stationId, head]) => [stationId, { chainPos: head.chainPos, lineHash: head.lineHash }] as const);
    this.chains.afterCommit(tx, () => {
      for (const [stationId, head] of written) this.committed.set(stationId, head);
    });
    return rows;
  }

  /**
   * Signs the seals made in one go and stores them. An Ed25519 signature costs more than hashing and
   * storing a line, and a backlog of a year's lines has a seal for nearly every hour: one signature per
   * station and append keeps the signing cost out of the ingest. A run of one is signed on its own message,
   * as before.
   */
  private async insertSeals(tx: Tx, seals: WrittenSeal[]): Promise<void> {
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
    await this.chains.insertSeals(tx, seals);
  }

  /**
   * Seals every station's chain that has lines no seal covers yet: run hourly, so a quiet station's last
   * lines are anchored too. Returns how many seals were written.
   */
  async sealDue(tx: Tx, now: string): Promise<number> {
    const stationIds = await this.chains.stationsWithLines(tx);
    const seals: WrittenSeal[] = [];
    await this.chains.lockChains(tx, stationIds);
    const year = this.local.year(now);
    const heads = this.headsFrom(await this.chains.heads(tx, stationIds.map((stationId) => ({ stationId, year }))));
    for (const stationId of stationIds) {
      const head = heads.get(stationId)!;
      if (head.chainPos > head.sealedPos) seals.push(this.seal(stationId, head, now));
    }
    await this.insertSeals(tx, seals);
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

  /** The stations' heads from what is stored, each checked against what this writer committed. */
  private headsFrom(stored: readonly StoredHead[]): Map<string, StationHead> {
    const heads = new Map<string, StationHead>();
    for (const s of stored) {
      let head = heads.get(s.stationId);
      if (!head) {
        head = this.headFrom(s.stationId, s.last, s.sealedPos);
        heads.set(s.stationId, head);
      }
      head.numbers.set(s.year, s.lastNumber + 1);
    }
    return heads;
  }

  /** A station's head from its last stored line and seal, checked against what this writer committed. */
  private headFrom(stationId: string, last: StoredHead['last'], sealedPos: number): StationHead {
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
}
