import type { KeyObject } from 'node:crypto';
import { EntityManager, MoreThan, Between, LessThan, MoreThanOrEqual } from 'typeorm';
import { ChainLink, ChainReport, ChainVerifier, SealLink } from './chain';
import { LogbookLine } from './logbook-line.entity';
import { LogbookSeal } from './logbook-seal.entity';

const PAGE = 5000;

export interface VerifyRange {
  /** Lines written from this instant (ISO-8601 UTC), inclusive. */
  from?: string;
  /** Lines written before this instant. */
  to?: string;
}

/**
 * Checks one station's chain over the lines written in a range, reading it in pages. The line just
 * before the range anchors the check; the seals inside it pin the chain's head as it was when each was
 * made, and with `publicKeys` their signatures are checked too.
 * Works on any TypeORM manager, so the server and the command line share it.
 */
export async function verifyStationChain(
  m: EntityManager,
  stationId: string,
  range: VerifyRange = {},
  publicKeys: ReadonlyMap<string, KeyObject> | null = null,
): Promise<ChainReport> {
  const qb = m.createQueryBuilder(LogbookLine, 'l').select('MIN(l.chainPos)', 'lo').addSelect('MAX(l.chainPos)', 'hi').where('l.stationId = :stationId', { stationId });
  if (range.from) qb.andWhere('l.createdAt >= :from', { from: range.from });
  if (range.to) qb.andWhere('l.createdAt < :to', { to: range.to });
  const bounds = await qb.getRawOne<{ lo: number | null; hi: number | null }>();
  const lo = bounds?.lo ?? null;
  const hi = bounds?.hi ?? null;
  const anchor = lo === null ? null : await m.findOne(LogbookLine, { where: { stationId, chainPos: LessThan(lo) }, order: { chainPos: 'DESC' } });
  let seals: LogbookSeal[] = [];
  if (!range.from && !range.to) seals = await m.find(LogbookSeal, { where: { stationId } });
  else if (lo !== null) seals = await m.find(LogbookSeal, { where: { stationId, lastChainPos: range.to ? Between(lo, hi ?? lo) : MoreThanOrEqual(lo) } });
  const verifier = new ChainVerifier(anchor ? { id: anchor.id, chainPos: anchor.chainPos, lineHash: anchor.lineHash } : null, seals as SealLink[], publicKeys);
  if (lo !== null && hi !== null) {
    let after = anchor?.chainPos ?? lo - 1;
    for (;;) {
      const page = await m.find(LogbookLine, {
        where: { stationId, chainPos: MoreThan(after) },
        order: { chainPos: 'ASC', id: 'ASC' },
        take: PAGE,
      });
      const inRange = page.filter((l) => l.chainPos <= hi);
      for (const line of inRange) verifier.push(line as unknown as ChainLink);
      if (inRange.length < page.length || page.length < PAGE) break;
      after = page[page.length - 1].chainPos;
    }
  }
  return verifier.finish();
}
