import type { KeyObject } from 'node:crypto';
import type { Tx } from '../database/unit-of-work';
import { ChainReport, ChainVerifier, SealLink } from './chain';
import { chainReads, type ChainReads } from './logbook-chain.repository';

const PAGE = 5000;

export interface VerifyRange {
  /** Lines written from this instant (ISO-8601 UTC), inclusive. */
  from?: string;
  /** Lines written before this instant. */
  to?: string;
}

/**
 * Where the signed run reaching position `pos` starts (`first`: the first seal at or after `pos`) or
 * ends (`last`: the last seal at or before it); `pos` itself when no seal is there.
 */
async function runEdge(reads: ChainReads, stationId: string, pos: number, edge: 'first' | 'last'): Promise<number> {
  const near = await reads.sealNear(stationId, pos, edge);
  if (!near?.signature) return pos;
  const found = await reads.runEnd(stationId, near.signature, edge);
  if (found === null) return pos;
  return edge === 'first' ? Math.min(pos, found) : Math.max(pos, found);
}

/**
 * Checks one station's chain over the lines written in a range, reading it in pages. The line just
 * before the range anchors the check; the seals inside it pin the chain's head as it was when each was
 * made, and with `publicKeys` their signatures are checked too. Reads inside the transaction `tx` (or
 * through any `ChainReads`), so the server and the command line share it.
 */
export async function verifyStationChain(
  tx: Tx | ChainReads,
  stationId: string,
  range: VerifyRange = {},
  publicKeys: ReadonlyMap<string, KeyObject> | null = null,
): Promise<ChainReport> {
  const reads = 'linesAfter' in tx ? tx : chainReads(tx);
  const { lo, hi } = await reads.bounds(stationId, range);
  const anchor = lo === null ? null : await reads.lineBefore(stationId, lo);
  let seals: SealLink[] = [];
  if (!range.from && !range.to) seals = await reads.seals(stationId, null, null);
  else if (lo !== null) {
    // A seal signed in a run with others is checked with the whole run, which may reach past the range.
    const first = await runEdge(reads, stationId, lo, 'first');
    const last = range.to ? await runEdge(reads, stationId, hi ?? lo, 'last') : null;
    seals = await reads.seals(stationId, first, last);
  }
  const upTo = range.to ? hi : null;
  const verifier = new ChainVerifier(anchor ? { id: anchor.id, chainPos: anchor.chainPos, lineHash: anchor.lineHash } : null, seals, publicKeys, upTo);
  if (lo !== null && hi !== null) {
    let after = anchor?.chainPos ?? lo - 1;
    for (;;) {
      const page = await reads.linesAfter(stationId, after, PAGE);
      const inRange = page.filter((l) => l.chainPos <= hi);
      for (const line of inRange) verifier.push(line);
      if (inRange.length < page.length || page.length < PAGE) break;
      after = page[page.length - 1].chainPos;
    }
  }
  return verifier.finish();
}
