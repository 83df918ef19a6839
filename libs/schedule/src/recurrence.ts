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

const DAY_CODE = '(MO|TU|WE|TH|FR|SA|SU)';
const TIME_LIST = (hi: number) => (v: string) => v.split(',').every((x) => /^\d{1,2}$/.test(x) && Number(x) <= hi);
const INT_LIST = (lo: number, hi: number, signed: boolean) => (v: string) =>
  v.split(',').every((x) => {
    if (!/^[+-]?\d{1,3}$/.test(x)) return false;
    const n = Number(x);
    return (signed || n > 0) && n !== 0 && Math.abs(n) >= lo && Math.abs(n) <= hi;
  });
/** The parts of RFC 5545 a broadcast schedule uses, each with the range rrule can expand safely. */
const PARTS: Record<string, (v: string) => boolean> = {
  FREQ: (v) => /^(DAILY|WEEKLY|MONTHLY|YEARLY)$/.test(v),
  INTERVAL: (v) => /^\d{1,3}$/.test(v) && Number(v) >= 1 && Number(v) <= 366,
  COUNT: (v) => /^\d{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= 5000,
  UNTIL: (v) => /^\d{8}(T\d{6}Z?)?$/.test(v),
  BYDAY: (v) => v.split(',').every((x) => new RegExp(`^([+-]?([1-9]|[1-4]\\d|5[0-3]))?${DAY_CODE}$`).test(x)),
  BYMONTHDAY: INT_LIST(1, 31, true),
  BYMONTH: INT_LIST(1, 12, false),
  BYSETPOS: INT_LIST(1, 366, true),
  BYHOUR: TIME_LIST(23),
  BYMINUTE: TIME_LIST(59),
  BYSECOND: TIME_LIST(59),
  WKST: (v) => new RegExp(`^${DAY_CODE}$`).test(v),
};
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** More airings a day than this is a stream, not a schedule: one every half hour at most. */
export const MAX_TIMES_PER_DAY = 48;
/** A cross product of BYHOUR × BYMINUTE × BYSECOND larger than a day's minutes is never what an author means. */
const MAX_TIMESET = 24 * 60;

/** How many times of day the BYHOUR, BYMINUTE and BYSECOND lists make (RFC 5545: every combination). */
function timesetSize(parts: Record<string, string>): number {
  const n = (key: string) => (parts[key] ? parts[key].split(',').length : 1);
  return n('BYHOUR') * n('BYMINUTE') * n('BYSECOND');
}

/**
 * rrule only stops at the end of a window when some date passes its filters, so filters that can never
 * all match ("31 April", "the 6th Monday") would keep it searching to the year 9999. Such combinations are
 * refused here, before rrule sees them.
 */
function refuseEmptyFilters(parts: Record<string, string>): void {
  const refuse = (why: string) => {
    throw new RecurrenceError('rule', why);
  };
  const days = parts.BYDAY?.split(',') ?? [];
  const ordinals = days.filter((d) => /\d/.test(d));
  if (ordinals.length) {
    if (parts.FREQ !== 'MONTHLY' && parts.FREQ !== 'YEARLY') refuse('Thứ tự ngày trong tuần (như 1MO, -1FR) chỉ dùng với FREQ=MONTHLY hoặc YEARLY.');
    // Within a month there are at most five of a weekday; within a year, 53.
    const limit = parts.FREQ === 'YEARLY' && !parts.BYMONTH ? 53 : 5;
    if (ordinals.some((d) => Math.abs(parseInt(d, 10)) > limit)) refuse(`Thứ tự ngày trong tuần vượt quá ${limit}.`);
    if (parts.BYMONTHDAY || parts.BYSETPOS) refuse('Không dùng thứ tự ngày trong tuần cùng BYMONTHDAY hay BYSETPOS.');
  }
  if (parts.BYMONTHDAY && parts.BYMONTH) {
    const months = parts.BYMONTH.split(',').map(Number);
    const monthDays = parts.BYMONTHDAY.split(',').map(Number);
    if (!months.some((m) => monthDays.some((d) => Math.abs(d) <= DAYS_IN_MONTH[m - 1]))) refuse('Ngày trong tháng không có trong các tháng đã chọn.');
  }
  const times = timesetSize(parts);
  if (times > MAX_TIMESET) refuse('BYHOUR, BYMINUTE và BYSECOND cho quá nhiều giờ phát trong một ngày.');
  const withTimes = Boolean(parts.BYHOUR || parts.BYMINUTE || parts.BYSECOND);
  if (parts.BYSETPOS) {
    const positions = parts.BYSETPOS.split(',').map(Number);
    if (parts.FREQ === 'MONTHLY' && days.length && !parts.BYMONTHDAY) {
      // At least four of each weekday in any month, each at every time of day.
      const size = 4 * days.length * times;
      if (positions.some((p) => Math.abs(p) > size)) refuse(`BYSETPOS vượt quá số buổi có thể chọn trong tháng (${size}).`);
    } else if ((parts.FREQ === 'DAILY' || parts.FREQ === 'WEEKLY') && withTimes && !parts.BYMONTHDAY && !parts.BYMONTH) {
      // Picks some of the day's (or the week's) combinations of hour and minute: "05:30 and 17:00" is
      // BYHOUR=5,17;BYMINUTE=0,30;BYSETPOS=2,3.
      const size = parts.FREQ === 'DAILY' ? times : Math.max(1, days.length) * times;
      if (positions.some((p) => Math.abs(p) > size)) refuse(`BYSETPOS vượt quá số buổi có thể chọn (${size}).`);
    } else {
      refuse('BYSETPOS chỉ dùng với FREQ=MONTHLY và BYDAY (ví dụ ngày làm việc cuối tháng), hoặc để chọn giờ trong BYHOUR/BYMINUTE.');
    }
  }
  const perDay = parts.BYSETPOS && parts.FREQ === 'DAILY' ? parts.BYSETPOS.split(',').length : times;
  if (perDay > MAX_TIMES_PER_DAY) refuse(`Một ngày chỉ phát tối đa ${MAX_TIMES_PER_DAY} lần.`);
}

/** A finite series must end within this span; rules are checked by expanding this far at most. */
const MAX_SPAN_MS = 10 * 366 * DAY;

function ruleOf(rec: Recurrence): RRule | null {
  const start = parseWall(rec.start);
  if (start === null) throw new RecurrenceError('start', 'Giờ phát đầu tiên không hợp lệ.');
  if (rec.rule === null) return null;
  const text = rec.rule.replace(/^RRULE:/i, '').toUpperCase();
  const seen = new Set<string>();
  for (const part of text.split(';')) {
    const [key, value, extra] = part.split('=');
    if (extra !== undefined || value === undefined || !(key in PARTS)) {
      throw new RecurrenceError('rule', `Quy tắc lặp lại không hợp lệ hoặc không được hỗ trợ ở "${part}" (chỉ dùng FREQ, INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, BYHOUR, BYMINUTE, BYSECOND, WKST).`);
    }
    if (seen.has(key) || !PARTS[key](value)) throw new RecurrenceError('rule', `Giá trị "${part}" trong quy tắc lặp lại không hợp lệ.`);
    seen.add(key);
  }
  if (!seen.has('FREQ')) throw new RecurrenceError('rule', 'Quy tắc lặp lại cần FREQ (DAILY, WEEKLY, MONTHLY hoặc YEARLY).');
  refuseEmptyFilters(Object.fromEntries(text.split(';').map((p) => p.split('=') as [string, string])));
  if (seen.has('COUNT') && seen.has('UNTIL')) throw new RecurrenceError('rule', 'Không dùng cùng lúc COUNT và UNTIL.');
  let options: Partial<Options>;
  try {
    options = RRule.parseString(text);
  } catch {
    throw new RecurrenceError('rule', 'Quy tắc lặp lại không đúng chuẩn RFC 5545.');
  }
  if (options.freq === undefined || !ALLOWED_FREQ.has(options.freq)) throw new RecurrenceError('rule', 'Chỉ hỗ trợ lặp theo ngày, tuần, tháng hoặc năm.');
  // BYSETPOS counts the times of day in order, and rrule combines the lists in the order written.
  for (const key of ['byhour', 'byminute', 'bysecond'] as const) {
    const v = options[key];
    if (Array.isArray(v)) options[key] = [...new Set(v)].sort((a, b) => a - b);
  }
  // UNTIL is read as the zone's wall-clock time too, like everything else the author writes.
  // rrule works in whole seconds; the milliseconds of the start are added back to each airing.
  return new RRule({ ...options, dtstart: new Date(start - (start % 1000)) });
}

/** Checks a recurrence and throws RecurrenceError with a Vietnamese message when it cannot be used. */
export function validateRecurrence(rec: Recurrence): void {
  for (const ex of rec.exdates ?? []) if (parseWall(ex) === null) throw new RecurrenceError('exdates', `Ngày bỏ qua "${ex}" không hợp lệ.`);
  seriesBounds(rec);
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

/**
 * The first and last airing of the series; `last` is END_OF_TIME for a series without end. Expands at most
 * ten years from the start, so an impossible rule ("31 February") answers at once; a finite series that
 * would run past that span is refused.
 */
export function seriesBounds(rec: Recurrence): { first: number | null; last: number | null } {
  const rule = ruleOf(rec);
  const ex = exdateSet(rec);
  const startWall = parseWall(rec.start)!;
  if (rule === null) {
    return ex.has(startWall) ? { first: null, last: null } : { first: wallToInstant(startWall, rec.timeZone), last: wallToInstant(startWall, rec.timeZone) };
  }
  const { count, until } = rule.options;
  const endless = !count && !until;
  const horizon = startWall + MAX_SPAN_MS;
  if (until && until.getTime() > horizon) throw new RecurrenceError('rule', 'Một lịch lặp chỉ kéo dài tối đa 10 năm (UNTIL quá xa).');
  const ms = startWall % 1000;
  let first: number | null = null;
  let last: number | null = null;
  let n = 0;
  rule.between(new Date(startWall - ms), new Date(horizon), true, (d) => {
    n += 1;
    const w = d.getTime() + ms;
    if (!ex.has(w)) {
      first ??= w;
      last = w;
    }
    return endless ? first === null && n < MAX_EXPANSION : n < MAX_EXPANSION;
  });
  if (count && n < count && n < MAX_EXPANSION) throw new RecurrenceError('rule', 'Một lịch lặp chỉ kéo dài tối đa 10 năm (COUNT quá lớn so với tần suất).');
  // A finite series cut short by the expansion limit would report the wrong last airing.
  if (!endless && n >= MAX_EXPANSION) throw new RecurrenceError('rule', `Một lịch lặp có tối đa ${MAX_EXPANSION} buổi phát; hãy đặt ngày kết thúc gần hơn.`);
  return {
    first: first === null ? null : wallToInstant(first, rec.timeZone),
    last: endless ? (first === null ? null : END_OF_TIME) : last === null ? null : wallToInstant(last, rec.timeZone),
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
