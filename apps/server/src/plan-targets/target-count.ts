/** What a plan target counts: airings of programmes in one chuyên mục. */
export interface TargetRule {
  id: string;
  chuyenMucId: string;
  /** The chuyên mục's name. */
  chuyenMuc: string;
  /** The stations the target is counted on. */
  stationIds: readonly string[];
}

/** An airing as a target sees it: where, which one, and what its programme is filed under. */
export interface CountedAiring {
  stationId: string;
  occurrenceId: string;
  /** The chuyên mục the programme is filed under, where it is filed under one. */
  chuyenMucId?: string | null;
  /** The chuyên mục the programme names. */
  chuyenMuc?: string | null;
}

/** A logbook line: an airing and how it went. */
export interface CountedLine extends CountedAiring {
  result: string;
}

/** Per station, per month: aired (the logbook) and still scheduled (the schedule, not yet logged). */
export type TargetCounts = Map<string, { aired: number[]; scheduled: number[] }>;

/** Logbook results that count as aired: the programme went on air to its end or in part. */
export const AIRED_RESULTS: ReadonlySet<string> = new Set(['complete', 'partial']);

/** A programme counts when it is filed under the target's chuyên mục, or carries its name. */
export function countsTowards(target: Pick<TargetRule, 'chuyenMucId' | 'chuyenMuc'>, item: Pick<CountedAiring, 'chuyenMucId' | 'chuyenMuc'>): boolean {
  if (item.chuyenMucId === target.chuyenMucId) return true;
  return typeof item.chuyenMuc === 'string' && item.chuyenMuc.toLocaleLowerCase('vi') === target.chuyenMuc.toLocaleLowerCase('vi');
}

/**
 * Counts, for each target on each of its stations, month by month, the lines that aired and the airings
 * still to come. `monthOf` gives an item's month index (negative or past the end: not counted). An airing
 * to come that the logbook already has is not counted twice. Plan-target compliance and the periodic
 * report both count with this, so they cannot disagree on what a target saw.
 */
export function countTargets<L extends CountedLine, A extends CountedAiring>(
  targets: readonly TargetRule[],
  months: number,
  lines: readonly L[],
  lineMonth: (line: L) => number,
  ahead: readonly A[],
  aheadMonth: (airing: A) => number,
): Map<string, TargetCounts> {
  const linesAt = groupByStation(lines.filter((l) => AIRED_RESULTS.has(l.result)));
  const aheadAt = groupByStation(ahead);
  const logged = new Set(lines.map((l) => `${l.stationId}|${l.occurrenceId}`));
  const out = new Map<string, TargetCounts>();
  for (const target of targets) {
    const counts: TargetCounts = new Map();
    for (const stationId of target.stationIds) {
      const aired = new Array<number>(months).fill(0);
      const scheduled = new Array<number>(months).fill(0);
      for (const l of linesAt.get(stationId) ?? []) {
        const i = lineMonth(l);
        if (i >= 0 && i < months && countsTowards(target, l)) aired[i]++;
      }
      for (const a of aheadAt.get(stationId) ?? []) {
        const i = aheadMonth(a);
        if (i >= 0 && i < months && !logged.has(`${a.stationId}|${a.occurrenceId}`) && countsTowards(target, a)) scheduled[i]++;
      }
      counts.set(stationId, { aired, scheduled });
    }
    out.set(target.id, counts);
  }
  return out;
}

function groupByStation<T extends { stationId: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.stationId);
    if (list) list.push(r);
    else out.set(r.stationId, [r]);
  }
  return out;
}
