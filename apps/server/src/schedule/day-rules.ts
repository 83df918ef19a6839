import type Holidays from 'date-holidays';
import type { HolidayRule } from '@loa/api-types';
import { dayOf, fromDay, minutesOfDay, type Priority } from '@loa/protocol';
import { instantToWall, wallToInstant } from '@loa/schedule';

/**
 * Which airings a calendar of days off and a station's quiet hours leave on the air. Pure functions: the
 * schedule hands them a slot's instants and gets back the ones that air.
 */

const DAY_MS = 86_400_000;
/** A "move" airing is looked for this far back: longer than any run of days off (Tết is at most about nine). */
export const MOVE_REACH_MS = 21 * DAY_MS;

/** A day off: local date (YYYY-MM-DD) and what it is. */
export interface DayOffEntry {
  date: string;
  name: string;
}

/** Quiet hours in local time ("HH:MM"); an end at or before the start runs past midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

/** Everything the rules need to decide, for one operation. */
export interface AiringRules {
  /** Local date → name, public holidays and declared days off together. */
  holidays: ReadonlyMap<string, string>;
  /** Station → its quiet hours (stations without any are absent). */
  quiet: ReadonlyMap<string, QuietHours>;
  /** The zone quiet hours are read in. */
  timeZone: string;
  /** Stations taken off the air: nothing airs on them. */
  disabled: ReadonlySet<string>;
}

let vietnam: Holidays | null = null;
const byYear = new Map<number, DayOffEntry[]>();

/**
 * Loads date-holidays' calendar for Vietnam. Done on first need rather than at start: the library and its
 * lunar arithmetic take a second or so, which a server with no slot set to skip or move never pays.
 */
export async function loadHolidayCalendar(): Promise<void> {
  if (vietnam) return;
  const { default: Calendar } = await import('date-holidays');
  vietnam ??= new Calendar('VN');
}

/**
 * Vietnam's public holidays (ngày nghỉ lễ, Tết) in a year, one entry per day off, from date-holidays' VN
 * set, which places Tết and the Hùng Kings' day by the Vietnamese lunar calendar. A holiday spanning days
 * (the Tết break) gives each of its days; a day that also has a one-day holiday of its own takes that name.
 */
export function publicHolidays(year: number): DayOffEntry[] {
  const cached = byYear.get(year);
  if (cached) return cached;
  if (!vietnam) throw new Error('loadHolidayCalendar() must run before publicHolidays()');
  const found = vietnam.getHolidays(year).filter((h) => h.type === 'public');
  const days = new Map<string, string>();
  const spans = (h: (typeof found)[number]) => Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / DAY_MS));
  for (const h of [...found].sort((a, b) => spans(b) - spans(a))) {
    const first = fromDay(h.date.slice(0, 10));
    for (let i = 0; i < spans(h); i++) days.set(dayOf(first + i * DAY_MS), h.name);
  }
  const out = [...days].map(([date, name]) => ({ date, name })).sort((a, b) => a.date.localeCompare(b.date));
  byYear.set(year, out);
  return out;
}

/** Public holidays of `years` and the declared days off, as one lookup; a declared day names itself. */
export function holidayCalendar(years: Iterable<number>, declared: readonly DayOffEntry[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const y of years) for (const h of publicHolidays(y)) out.set(h.date, h.name);
  for (const d of declared) out.set(d.date, d.name);
  return out;
}

/** The calendar years an operation over [from, to) may meet, moved airings (from up to three weeks before) included. */
export function yearsAround(from: number, to: number): number[] {
  const first = new Date(from - MOVE_REACH_MS - 2 * DAY_MS).getUTCFullYear();
  const last = new Date(to + 2 * DAY_MS).getUTCFullYear();
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** The local date of an instant in `timeZone`. */
export function localDateOf(at: number, timeZone: string): string {
  return dayOf(instantToWall(at, timeZone));
}

/** Monday to Friday and not a day off. */
export function isWorkingDay(date: string, holidays: ReadonlyMap<string, string>): boolean {
  const weekday = new Date(fromDay(date)).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !holidays.has(date);
}

/**
 * The instants a slot airs at after its holiday rule: "play" keeps every airing; "skip" drops the ones on a
 * day off; "move" puts each of those at the same wall-clock time on the next working day.
 */
export function applyHolidayRule(instants: readonly number[], rule: HolidayRule, timeZone: string, holidays: ReadonlyMap<string, string>): number[] {
  if (rule === 'play' || !holidays.size) return [...instants];
  const out = new Set<number>();
  for (const at of instants) {
    const wall = instantToWall(at, timeZone);
    if (!holidays.has(dayOf(wall))) {
      out.add(at);
      continue;
    }
    if (rule === 'skip') continue;
    for (let d = 1; d <= 31; d++) {
      if (isWorkingDay(dayOf(wall + d * DAY_MS), holidays)) {
        out.add(wallToInstant(wall + d * DAY_MS, timeZone));
        break;
      }
    }
  }
  return [...out].sort((a, b) => a - b);
}

/** "HH:MM" → minutes after midnight, or null when it is not a time of day. */
export function minutesOf(text: string): number | null {
  return minutesOfDay(text);
}

/** Whether an airing of `durationMs` from `at` overlaps the quiet hours on any day. */
export function inQuietHours(at: number, durationMs: number, quiet: QuietHours, timeZone: string): boolean {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === null || end === null || start === end) return false;
  const wall = instantToWall(at, timeZone);
  const until = wall + Math.max(1, durationMs);
  const midnight = Math.floor(wall / DAY_MS) * DAY_MS;
  const length = ((end - start + 24 * 60) % (24 * 60)) * 60_000;
  // The quiet stretches that began the day before, that day, or (for a long airing) the days after.
  for (let d = -1; d * DAY_MS <= until - midnight; d++) {
    const from = midnight + d * DAY_MS + start * 60_000;
    if (from < until && wall < from + length) return true;
  }
  return false;
}

/** Instants that may air on a station with these quiet hours: everything khẩn cấp, the rest outside them. */
export function outsideQuietHours(instants: readonly number[], durationMs: number, priority: Priority, quiet: QuietHours | undefined, timeZone: string): number[] {
  if (!quiet || priority === 'emergency') return [...instants];
  return instants.filter((at) => !inQuietHours(at, durationMs, quiet, timeZone));
}

/** The first airing of a normal or priority slot that falls in a station's quiet hours, if any. */
export function firstQuietBreach(
  instants: readonly number[],
  durationMs: number,
  priority: Priority,
  stations: readonly { id: string; quiet: QuietHours }[],
  timeZone: string,
): { stationId: string; at: number; quiet: QuietHours } | null {
  if (priority === 'emergency') return null;
  for (const at of instants) {
    for (const s of stations) if (inQuietHours(at, durationMs, s.quiet, timeZone)) return { stationId: s.id, at, quiet: s.quiet };
  }
  return null;
}
