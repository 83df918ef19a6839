import { RRule, type Options } from 'rrule';
import { formatWall, instantToWall, parseWall, wallToInstant } from './zoned';

/**
 * When a slot airs: a first wall-clock time in a zone and, for a recurring slot, an RFC 5545 RRULE.
 *
 * rrule is run in "floating" time: wall-clock times are encoded as UTC, expanded there (where no
 * daylight saving exists), and each result is then turned into an instant with the zone. So the answer
 * never depends on the time zone of the machine that computes it.
 */
export interface Recurrence {
  /** Wall-clock time of the first airing in `timeZone`, "YYYY-MM-DDTHH:mm[:ss]". */
  start: string;
  timeZone: string;
  /** The RRULE's parts without DTSTART, e.g. "FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20261231T235959"; null: once. */
  rule: string | null;
  /** Wall-clock times (same form as `start`) of airings left out of the rule. */
  exdates?: readonly string[];
}

export class RecurrenceError extends Error {
  constructor(
    readonly field: 'start' | 'rule' | 'exdates' | 'timeZone',
    message: string,
  ) {
    super(message);
    this.name = 'RecurrenceError';
  }
}

/** Rules are limited to what a broadcast schedule needs; finer ones would flood the station with items. */
const ALLOWED_FREQ = new Set([RRule.YEARLY, RRule.MONTHLY, RRule.WEEKLY, RRule.DAILY]);
const MAX_EXPANSION = 20_000;
const DAY = 24 * 3600_000;
/** Far enough to hold every offset a zone can have (UTC−12 … UTC+14). */
const ZONE_MARGIN = DAY + 2 * 3600_000;
/** Where an endless series is said to end, for indexes and overlap pre-filters. */
export const END_OF_TIME = Date.parse('9999-12-31T23:59:59.999Z');

function ruleOf(rec: Recurrence): RRule | null {
  const start = parseWall(rec.start);
  if (start === null) throw new RecurrenceError('start', 'Giờ phát đầu tiên không hợp lệ.');
  if (rec.rule === null) return null;
  let options: Partial<Options>;
  try {
    options = RRule.parseString(rec.rule.replace(/^RRULE:/i, ''));
  } catch {
    throw new RecurrenceError('rule', 'Quy tắc lặp lại không đúng chuẩn RFC 5545.');
  }
  if (options.dtstart || options.tzid) throw new RecurrenceError('rule', 'Quy tắc lặp lại không được chứa DTSTART hay TZID; giờ bắt đầu và múi giờ nhập riêng.');
  if (options.freq === undefined || !ALLOWED_FREQ.has(options.freq)) {
    throw new RecurrenceError('rule', 'Chỉ hỗ trợ lặp theo ngày, tuần, tháng hoặc năm.');
  }
  if (options.byhour || options.byminute || options.bysecond) {
    throw new RecurrenceError('rule', 'Giờ phát lấy từ giờ bắt đầu; không dùng BYHOUR, BYMINUTE, BYSECOND.');
  }
  // UNTIL is read as the zone's wall-clock time too, like everything else the author writes.
  // rrule works in whole seconds; the milliseconds of the start are added back to each airing.
  return new RRule({ ...options, dtstart: new Date(start - (start % 1000)) });
}

/** Checks a recurrence and throws RecurrenceError with a Vietnamese message when it cannot be used. */
export function validateRecurrence(rec: Recurrence): void {
  ruleOf(rec);
  for (const ex of rec.exdates ?? []) if (parseWall(ex) === null) throw new RecurrenceError('exdates', `Ngày bỏ qua "${ex}" không hợp lệ.`);
}

function exdateSet(rec: Recurrence): Set<number> {
  return new Set((rec.exdates ?? []).map((e) => parseWall(e)).filter((w): w is number => w !== null));
}

/** Instants (epoch ms, ascending) of every airing that starts in [from, to). */
export function occurrencesBetween(rec: Recurrence, from: number, to: number): number[] {
  const rule = ruleOf(rec);
  const ex = exdateSet(rec);
  let walls: number[];
  if (rule === null) walls = [parseWall(rec.start)!];
  else {
    walls = [];
    const lo = new Date(from - ZONE_MARGIN);
    const hi = new Date(to + ZONE_MARGIN);
    const ms = parseWall(rec.start)! % 1000;
    rule.between(lo, hi, true, (d) => {
      walls.push(d.getTime() + ms);
      return walls.length < MAX_EXPANSION;
    });
  }
  return walls
    .filter((w) => !ex.has(w))
    .map((w) => wallToInstant(w, rec.timeZone))
    .filter((t) => t >= from && t < to)
    .sort((a, b) => a - b);
}

/** The first and last airing of the series; `last` is END_OF_TIME for a series without end. */
export function seriesBounds(rec: Recurrence): { first: number | null; last: number | null } {
  const rule = ruleOf(rec);
  const ex = exdateSet(rec);
  if (rule === null) {
    const t = wallToInstant(parseWall(rec.start)!, rec.timeZone);
    return ex.has(parseWall(rec.start)!) ? { first: null, last: null } : { first: t, last: t };
  }
  let first: number | null = null;
  let last: number | null = null;
  const endless = !rule.options.count && !rule.options.until;
  let n = 0;
  const ms = parseWall(rec.start)! % 1000;
  rule.all((d) => {
    const w = d.getTime() + ms;
    if (!ex.has(w)) {
      first ??= w;
      last = w;
    }
    return endless ? first === null && ++n < MAX_EXPANSION : ++n < MAX_EXPANSION;
  });
  return {
    first: first === null ? null : wallToInstant(first, rec.timeZone),
    last: endless ? END_OF_TIME : last === null ? null : wallToInstant(last, rec.timeZone),
  };
}

/** Is `instant` one of the series' airings? */
export function isOccurrence(rec: Recurrence, instant: number): boolean {
  return occurrencesBetween(rec, instant, instant + 1).includes(instant);
}

/** The wall-clock form of an instant in the zone, as an author would write an exdate. */
export function wallOf(instant: number, timeZone: string): string {
  return formatWall(instantToWall(instant, timeZone));
}
