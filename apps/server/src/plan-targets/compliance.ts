import { instantToWall, wallToInstant } from '@loa/schedule';

import type { ComplianceStatus } from '@loa/api-types';

/** met: aired enough · on_track: enough scheduled, not aired yet · at_risk: not enough even scheduled · missed: month over, not aired enough. */
export type { ComplianceStatus };

export interface Month {
  /** "2026-09" */
  month: string;
  from: number;
  to: number;
}

/** The calendar months of `timeZone` that meet [from, to). */
export function monthsBetween(from: number, to: number, timeZone: string): Month[] {
  const out: Month[] = [];
  const wall = new Date(instantToWall(from, timeZone));
  let y = wall.getUTCFullYear();
  let m = wall.getUTCMonth();
  for (;;) {
    const start = wallToInstant(Date.UTC(y, m, 1), timeZone);
    if (start >= to) break;
    const end = wallToInstant(Date.UTC(y, m + 1, 1), timeZone);
    out.push({ month: `${y}-${String(m + 1).padStart(2, '0')}`, from: start, to: end });
    m += 1;
    if (m === 12) {
      m = 0;
      y += 1;
    }
    if (out.length > 120) break;
  }
  return out;
}

/** One station's standing for one month. Aired is what the logbook shows went on air. */
export function judge(aired: number, scheduledAhead: number, min: number, monthEnd: number, now: number): ComplianceStatus {
  if (aired >= min) return 'met';
  if (now >= monthEnd) return 'missed';
  return aired + scheduledAhead >= min ? 'on_track' : 'at_risk';
}

const SEVERITY: Record<ComplianceStatus, number> = { met: 0, on_track: 1, at_risk: 2, missed: 3 };

/** A target over many stations stands as its worst station. */
export function worst(statuses: readonly ComplianceStatus[]): ComplianceStatus {
  return statuses.reduce<ComplianceStatus>((w, s) => (SEVERITY[s] > SEVERITY[w] ? s : w), 'met');
}

export const STATUS_LABELS: Record<ComplianceStatus, string> = {
  met: 'Đạt',
  on_track: 'Đã xếp lịch, chưa phát',
  at_risk: 'Có nguy cơ không đạt (chưa xếp lịch)',
  missed: 'Không đạt',
};
