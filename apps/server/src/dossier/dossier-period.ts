import { REPORT_PERIODS, type ReportPeriod, type WindowConvention } from '@loa/api-types';
import { isoDay, reportWindow } from '../reports/report-math';
import { dayOf, fromDay } from '@loa/protocol';

export interface NamedPeriod {
  period: ReportPeriod;
  year: number;
  convention: WindowConvention;
}

/**
 * The reporting period (quý, 6 tháng, 9 tháng, năm, under the CCHC rule or the calendar) whose window is
 * exactly the dossier's days, or else the shortest one that covers them; null when none does (a span
 * across two reporting years). Days are local dates "YYYY-MM-DD"; `lastDay` is inclusive.
 */
export function periodFor(firstDay: string, lastDay: string): NamedPeriod | null {
  const year = Number(firstDay.slice(0, 4));
  let best: { named: NamedPeriod; days: number } | null = null;
  for (const y of [year, year + 1]) {
    for (const convention of ['calendar', 'cchc'] as const) {
      for (const period of REPORT_PERIODS) {
        const w = reportWindow(period, y, convention);
        const start = isoDay(w.start);
        const endExclusive = isoDay(w.end);
        if (start > firstDay || endExclusive <= lastDay) continue;
        const days = (fromDay(endExclusive) - fromDay(start)) / 86_400_000;
        if (start === firstDay && nextDay(lastDay) === endExclusive) return { period, year: y, convention };
        if (!best || days < best.days) best = { named: { period, year: y, convention }, days };
      }
    }
  }
  return best?.named ?? null;
}

function nextDay(day: string): string {
  return dayOf(fromDay(day) + 86_400_000);
}
