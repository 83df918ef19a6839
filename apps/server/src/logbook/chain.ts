import { hash, type KeyObject } from 'node:crypto';
import { sealMessage, sealRunSignatureValid, sealSignatureValid } from './seal-signature';
import { fromInstant } from '@loa/protocol';

/**
 * The logbook's hash chain, as plain functions: no database, no framework.
 *
 * Each station's lines are chained in the order they were written. A line's content hash is the sha256
 * of its canonical JSON (the fields below, in this order); its line hash is the sha256 of the previous
 * line's hash and its own content hash. Changing, removing or adding a line anywhere breaks a link.
 */

/** The first line of a chain points at this. */
export const GENESIS = '0'.repeat(64);

/** The fields a line's hash covers, in the order they are written. Never reorder: old hashes depend on it. */
export const CANONICAL_FIELDS = [
  'stationId',
  'stationName',
  'unitId',
  'chainPos',
  'year',
  'number',
  'occurrenceId',
  'revision',
  'amendsLineId',
  'correctionReason',
  'slotId',
  'programmeId',
  'programmeTitle',
  'chuyenMuc',
  'topic',
  'source',
  'priority',
  'speakerClusters',
  'plannedStart',
  'actualStart',
  'endedAt',
  'durationMs',
  'plannedDurationMs',
  'startErrorMs',
  'result',
  'reason',
  'detail',
  'recordedBy',
  'createdAt',
] as const;

export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/**
 * Fields added to lines after the chain began, hashed after the others and only when set: a line written
 * before they existed (or one without them, such as a miss) hashes exactly as it did, while clearing or
 * changing one on a line that has it breaks the line like any other edit.
 */
export const LATER_FIELDS = ['airVerdict', 'airConfirmedMs', 'airCoveragePct', 'airOffsetMs', 'deadAirMs', 'language'] as const;
export type LaterField = (typeof LATER_FIELDS)[number];

export type ChainContent = Record<CanonicalField, string | number | null> & Partial<Record<LaterField, string | number | null>>;

export interface ChainLink extends ChainContent {
  id: number;
  chainPos: number;
  contentHash: string;
  prevHash: string;
  lineHash: string;
}

export function sha256(text: string): string {
  // One-shot hashing: a line takes two hashes, and a Hash object per call costs more than the hashing.
  return hash('sha256', text, 'hex');
}

/** Quotes, backslashes, control characters and surrogates: what JSON.stringify may escape in a string. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function jsonValue(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return 'null';
  // Most logbook text has nothing to escape: quoting it by hand is the same text, far cheaper.
  if (typeof value === 'string' && !NEEDS_ESCAPE.test(value)) return `"${value}"`;
  return JSON.stringify(value);
}

/** What comes before each field's value: `{"stationId":`, then `,"stationName":`, and so on. */
const KEY_PREFIXES = CANONICAL_FIELDS.map((field, i) => `${i ? ',' : '{'}"${field}":`);

/** The line's content as JSON with a fixed key order; absent values are written as null. */
export function canonicalJson(content: ChainContent): string {
  // The same text JSON.stringify gives for an object with these keys in this order, without building it.
  let out = '';
  for (let i = 0; i < CANONICAL_FIELDS.length; i++) out += KEY_PREFIXES[i] + jsonValue(content[CANONICAL_FIELDS[i]]);
  for (const field of LATER_FIELDS) {
    const value = content[field];
    if (value !== null && value !== undefined) out += `,"${field}":${jsonValue(value)}`;
  }
  return out + '}';
}

export function contentHashOf(content: ChainContent): string {
  return sha256(canonicalJson(content));
}

export function linkHash(prevHash: string, contentHash: string): string {
  return sha256(`${prevHash}:${contentHash}`);
}

/** Hashes for a new line that follows `prevHash`. */
export function chainLine(content: ChainContent, prevHash: string): { contentHash: string; prevHash: string; lineHash: string } {
  const contentHash = contentHashOf(content);
  return { contentHash, prevHash, lineHash: linkHash(prevHash, contentHash) };
}

export interface SealFacts {
  stationId: string;
  day: string;
  lineCount: number;
  lastChainPos: number;
  lastLineHash: string;
}

/** A seal's digest: over the signed message for a signed seal, over its facts for an older unsigned one. */
export function sealDigest(seal: SealFacts & { keyId?: string | null; createdAt?: string }): string {
  if (seal.keyId) return sha256(sealMessage({ ...seal, keyId: seal.keyId, createdAt: seal.createdAt ?? '' }));
  return sha256(`loa-seal:${seal.stationId}:${seal.day}:${seal.lineCount}:${seal.lastChainPos}:${seal.lastLineHash}`);
}

/**
 * Lines are sealed at least hourly; one written longer than this before the chain's newest activity and
 * still not under a signed seal means the seals that covered it were removed.
 */
export const UNSEALED_SLACK_MS = 90 * 60_000;

/** `seal`: a seal's signature is wrong or by an unknown key; `unsealed`: old lines no signed seal covers. */
export type BreakKind = 'edited' | 'deleted' | 'inserted' | 'seal' | 'unsealed';

export interface ChainBreak {
  kind: BreakKind;
  /** The line at fault (for a deletion, the first line after the gap), or null when none is left. */
  lineId: number | null;
  chainPos: number | null;
  message: string;
}

export interface SealLink extends SealFacts {
  digest: string;
  keyId?: string | null;
  signature?: string | null;
  createdAt?: string;
}

export interface ChainReport {
  ok: boolean;
  /** Lines checked, up to the first break. */
  checked: number;
  sealsChecked: number;
  /** Hash of the last line checked: the chain's head when nothing is broken. */
  head: string;
  firstBreak: ChainBreak | null;
  /** The newest seal (signed or not) among those checked. */
  lastSeal: { createdAt: string | null; lastChainPos: number; keyId: string | null; signed: boolean } | null;
}

/**
 * Walks one station's lines in chain order and names the first broken link. Lines are pushed one at a
 * time, so a chain of any length is checked in constant memory. A suspicious line is held until the next
 * one arrives: whether the next line links over it tells an insertion from an edit.
 */
export class ChainVerifier {
  private prev: { id: number | null; chainPos: number; lineHash: string };
  private pending: ChainLink | null = null;
  private broken: ChainBreak | null = null;
  private checked = 0;
  private sealsChecked = 0;
  private readonly seals = new Map<number, SealLink>();
  /** Position of the newest seal whose signature is good; lines after it are not yet under a signature. */
  private signedPos = 0;
  /** When the first line after `signedPos` was written. */
  private firstUnsignedAt: string | null = null;
  private newestActivity = '';
  private lastSeal: SealLink | null = null;

  /**
   * `anchor` is the line before the first one pushed (genesis when checking from the start). With
   * `publicKeys`, every signed seal must carry a good signature by one of them, and every line but the
   * newest ones must be under a signed seal.
   */
  constructor(
    anchor: { id: number; chainPos: number; lineHash: string } | null = null,
    seals: readonly SealLink[] = [],
    private readonly publicKeys: ReadonlyMap<string, KeyObject> | null = null,
    /**
     * With a range checked, the seals beyond its last line (`upTo`) only complete the signed run of a seal
     * inside it: they pin no line of the range.
     */
    upTo: number | null = null,
  ) {
    this.prev = anchor ?? { id: null, chainPos: 0, lineHash: GENESIS };
    for (const seal of seals) {
      if (sealDigest(seal) !== seal.digest) {
        this.fail({ kind: 'edited', lineId: null, chainPos: seal.lastChainPos, message: `Niêm phong ${sealName(seal)} đã bị sửa.` });
      }
      if (upTo !== null && seal.lastChainPos > upTo) continue;
      if (seal.createdAt && seal.createdAt > this.newestActivity) this.newestActivity = seal.createdAt;
      if (!this.lastSeal || seal.lastChainPos > this.lastSeal.lastChainPos) this.lastSeal = seal;
      this.seals.set(seal.lastChainPos, seal);
    }
    if (publicKeys) this.checkSignatures(seals, publicKeys);
  }

  /**
   * Every signed seal must carry a good signature by a given key. Seals made in one go for a station share
   * one signature over all their digests: consecutive seals with the same signature are checked as one run,
   * so a seal taken out of a run, slipped into it or changed breaks the run's signature.
   */
  private checkSignatures(seals: readonly SealLink[], publicKeys: ReadonlyMap<string, KeyObject>): void {
    const signed = seals.filter((s) => s.keyId).sort((a, b) => a.lastChainPos - b.lastChainPos);
    for (let i = 0; i < signed.length; ) {
      let j = i + 1;
      while (j < signed.length && signed[i].signature && signed[j].signature === signed[i].signature) j++;
      const run = signed.slice(i, j);
      i = j;
      const last = run[run.length - 1];
      const keyId = last.keyId!;
      const key = publicKeys.get(keyId);
      let valid = false;
      if (!key) {
        this.fail({ kind: 'seal', lineId: null, chainPos: last.lastChainPos, message: `Niêm phong ${sealName(last)} được ký bằng khóa lạ (${keyId.slice(0, 16)}…), không phải khóa công khai đã cho.` });
        continue;
      }
      if (last.signature && run.every((s) => s.keyId === keyId)) {
        valid =
          run.length === 1
            ? sealSignatureValid({ ...last, keyId, createdAt: last.createdAt ?? '' }, last.signature, key)
            : sealRunSignatureValid(last.stationId, keyId, run.map((s) => s.digest), last.signature, key);
      }
      if (!valid) {
        this.fail({ kind: 'seal', lineId: null, chainPos: run[0].lastChainPos, message: `Chữ ký của niêm phong ${sealName(run[0])} không hợp lệ: niêm phong đã bị sửa hoặc giả mạo.` });
        continue;
      }
      this.signedPos = Math.max(this.signedPos, last.lastChainPos);
    }
  }

  push(line: ChainLink): void {
    if (this.broken) return;
    if (this.pending) {
      const held = this.pending;
      this.pending = null;
      // The line after a suspicious one links over it to the last good line: the suspicious one was slipped in.
      if (line.prevHash === this.prev.lineHash) {
        this.fail({ kind: 'inserted', lineId: held.id, chainPos: held.chainPos, message: insertedMessage(held) });
        return;
      }
      this.judgeHeld(held);
      return;
    }
    const selfOk = contentHashOf(line) === line.contentHash && linkHash(line.prevHash, line.contentHash) === line.lineHash;
    const linkOk = line.prevHash === this.prev.lineHash;
    const posOk = line.chainPos === this.prev.chainPos + 1;
    if (selfOk && linkOk && posOk) {
      this.accept(line);
      return;
    }
    if (selfOk && !linkOk && line.chainPos > this.prev.chainPos + 1) {
      const from = this.prev.chainPos + 1;
      const to = line.chainPos - 1;
      this.fail({
        kind: 'deleted',
        lineId: line.id,
        chainPos: line.chainPos,
        message: from === to ? `Dòng ở vị trí ${from} của chuỗi đã bị xóa.` : `Các dòng ở vị trí ${from}–${to} của chuỗi đã bị xóa.`,
      });
      return;
    }
    this.pending = line;
  }

  finish(): ChainReport {
    if (this.pending && !this.broken) {
      const held = this.pending;
      this.pending = null;
      // Nothing follows: a line that neither verifies nor links was added, not changed.
      if (held.prevHash !== this.prev.lineHash && contentHashOf(held) !== held.contentHash) {
        this.fail({ kind: 'inserted', lineId: held.id, chainPos: held.chainPos, message: insertedMessage(held) });
      } else {
        this.judgeHeld(held);
      }
    }
    if (!this.broken && this.publicKeys && this.firstUnsignedAt !== null && fromInstant(this.firstUnsignedAt) < fromInstant(this.newestActivity) - UNSEALED_SLACK_MS) {
      this.fail({
        kind: 'unsealed',
        lineId: null,
        chainPos: this.signedPos + 1,
        message: `Các dòng từ vị trí ${this.signedPos + 1} đã ghi quá ${UNSEALED_SLACK_MS / 60_000} phút mà không có niêm phong có chữ ký: niêm phong đã bị xóa.`,
      });
    }
    if (!this.broken) {
      // A seal beyond the last line means lines were cut off the end.
      for (const seal of this.seals.values()) {
        if (seal.lastChainPos > this.prev.chainPos) {
          this.fail({
            kind: 'deleted',
            lineId: null,
            chainPos: seal.lastChainPos,
            message: `Niêm phong ${sealName(seal)} ghi dòng cuối ở vị trí ${seal.lastChainPos}, nhưng dòng này không còn.`,
          });
          break;
        }
      }
    }
    const last = this.lastSeal;
    return {
      ok: !this.broken,
      checked: this.checked,
      sealsChecked: this.sealsChecked,
      head: this.prev.lineHash,
      firstBreak: this.broken,
      lastSeal: last ? { createdAt: last.createdAt ?? null, lastChainPos: last.lastChainPos, keyId: last.keyId ?? null, signed: Boolean(last.keyId && last.signature) } : null,
    };
  }

  private judgeHeld(held: ChainLink): void {
    const selfOk = contentHashOf(held) === held.contentHash && linkHash(held.prevHash, held.contentHash) === held.lineHash;
    if (selfOk && held.prevHash !== this.prev.lineHash) {
      // The line is intact but no longer points at its predecessor: the predecessor was changed and re-hashed.
      this.fail({ kind: 'edited', lineId: this.prev.id, chainPos: this.prev.chainPos, message: editedMessage(this.prev.chainPos) });
      return;
    }
    this.fail({ kind: 'edited', lineId: held.id, chainPos: held.chainPos, message: editedMessage(held.chainPos) });
  }

  private accept(line: ChainLink): void {
    const seal = this.seals.get(line.chainPos);
    if (seal) {
      this.sealsChecked++;
      if (seal.lastLineHash !== line.lineHash) {
        // The chain links, yet differs from what was sealed: every hash from some line on was recomputed.
        this.fail({ kind: 'edited', lineId: line.id, chainPos: line.chainPos, message: `Chuỗi khác với niêm phong ${sealName(seal)}: các dòng đến vị trí ${line.chainPos} đã bị sửa và tính lại mã.` });
        return;
      }
    }
    if (line.chainPos > this.signedPos && this.firstUnsignedAt === null) this.firstUnsignedAt = String(line.createdAt);
    if (String(line.createdAt) > this.newestActivity) this.newestActivity = String(line.createdAt);
    this.checked++;
    this.prev = { id: line.id, chainPos: line.chainPos, lineHash: line.lineHash };
  }

  private fail(b: ChainBreak): void {
    if (!this.broken) this.broken = b;
  }
}

function sealName(seal: SealLink): string {
  return seal.keyId ? `lúc ${seal.createdAt ?? '?'} (dòng ${seal.lastChainPos})` : `ngày ${seal.day}`;
}

function editedMessage(pos: number): string {
  return `Dòng ở vị trí ${pos} của chuỗi đã bị sửa sau khi ghi.`;
}

function insertedMessage(line: ChainLink): string {
  return `Dòng ở vị trí ${line.chainPos} không do hệ thống ghi: đã bị chèn trực tiếp vào cơ sở dữ liệu.`;
}
