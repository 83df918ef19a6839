import type { KeyObject } from 'node:crypto';
import { EntityManager, MoreThan, Between, LessThan, LessThanOrEqual, MoreThanOrEqual } from 'typeorm';
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
/**
 * Where the signed run reaching position `pos` starts (`first`: the first seal at or after `pos`) or
 * ends (`last`: the last seal at or before it); `pos` itself when no seal is there.
 */
async function runEdge(m: EntityManager, stationId: string, pos: number, edge: 'first' | 'last'): Promise<number> {
  const near = await m.findOne(LogbookSeal, {
    where: { stationId, lastChainPos: edge === 'first' ? MoreThanOrEqual(pos) : LessThanOrEqual(pos) },
    order: { lastChainPos: edge === 'first' ? 'ASC' : 'DESC' },
    select: { lastChainPos: true, signature: true },
  });
  if (!near?.signature) return pos;
  const qb = m
    .createQueryBuilder(LogbookSeal, 's')
    .select(edge === 'first' ? 'MIN(s.lastChainPos)' : 'MAX(s.lastChainPos)', 'pos')
    .where('s.stationId = :stationId AND s.signature = :signature', { stationId, signature: near.signature });
  const found = await qb.getRawOne<{ pos: number | null }>();
  if (found?.pos === null || found?.pos === undefined) return pos;
  return edge === 'first' ? Math.min(pos, Number(found.pos)) : Math.max(pos, Number(found.pos));
}

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
  else if (lo !== null) {
    // A seal signed in a run with others is checked with the whole run, which may reach past the range.
    const first = await runEdge(m, stationId, lo, 'first');
    const last = range.to ? await runEdge(m, stationId, hi ?? lo, 'last') : null;
    seals = await m.find(LogbookSeal, { where: { stationId, lastChainPos: last === null ? MoreThanOrEqual(first) : Between(first, last) } });
  }
  const upTo = range.to ? hi : null;
  const verifier = new ChainVerifier(anchor ? { id: anchor.id, chainPos: anchor.chainPos, lineHash: anchor.lineHash } : null, seals as SealLink[], publicKeys, upTo);
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
