import { parseWall } from './zoned';
import type { Recurrence } from './recurrence';

/** RFC 5545 day codes, Monday first as Vietnamese calendars are. */
export const WEEKDAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type WeekdayCode = (typeof WEEKDAY_CODES)[number];
const BY_JS_DAY: WeekdayCode[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

export type RuleLanguage = 'vi' | 'en';

const WORDS = {
  vi: {
    day: { MO: 'Thứ Hai', TU: 'Thứ Ba', WE: 'Thứ Tư', TH: 'Thứ Năm', FR: 'Thứ Sáu', SA: 'Thứ Bảy', SU: 'Chủ Nhật' },
    and: 'và',
    once: (time: string, date: string) => `Một lần, lúc ${time} ngày ${date}`,
    at: (when: string, times: string) => `${when} lúc ${times}`,
    everyDay: 'Hằng ngày',
    everyNDays: (n: number) => `Cứ ${n} ngày một lần`,
    everyNWeeks: (n: number, days: string) => `Cứ ${n} tuần một lần vào ${days}`,
    monthly: (n: number, what: string) => `${n === 1 ? 'Hằng tháng' : `Cứ ${n} tháng một lần`} vào ${what}`,
    yearly: (n: number, what: string) => `${n === 1 ? 'Hằng năm' : `Cứ ${n} năm một lần`} vào ${what}`,
    monthDay: (d: number) => (d === -1 ? 'ngày cuối tháng' : d < 0 ? `ngày thứ ${-d} tính từ cuối tháng` : `ngày ${d}`),
    nth: (n: number, day: string) => (n === -1 ? `${day} cuối cùng` : n < 0 ? `${day} thứ ${-n} tính từ cuối` : n === 1 ? `${day} đầu tiên` : `${day} thứ ${n}`),
    setPos: (n: number, days: string) => (n === -1 ? `ngày cuối cùng trong các ngày ${days}` : n === 1 ? `ngày đầu tiên trong các ngày ${days}` : `ngày thứ ${n < 0 ? `${-n} tính từ cuối` : n} trong các ngày ${days}`),
    inMonths: (months: string) => `của tháng ${months}`,
    dateOfYear: (d: string) => `ngày ${d}`,
    from: (date: string) => `từ ngày ${date}`,
    until: (date: string) => `đến hết ngày ${date}`,
    count: (n: number) => `${n} lần`,
    except: (n: number) => `bỏ ${n} buổi`,
    raw: (rule: string) => `Theo quy tắc ${rule}`,
  },
  en: {
    day: { MO: 'Monday', TU: 'Tuesday', WE: 'Wednesday', TH: 'Thursday', FR: 'Friday', SA: 'Saturday', SU: 'Sunday' },
    and: 'and',
    once: (time: string, date: string) => `Once, at ${time} on ${date}`,
    at: (when: string, times: string) => `${when} at ${times}`,
    everyDay: 'Every day',
    everyNDays: (n: number) => `Every ${n} days`,
    everyNWeeks: (n: number, days: string) => `Every ${n} weeks on ${days}`,
    monthly: (n: number, what: string) => `${n === 1 ? 'Every month' : `Every ${n} months`} on ${what}`,
    yearly: (n: number, what: string) => `${n === 1 ? 'Every year' : `Every ${n} years`} on ${what}`,
    monthDay: (d: number) => (d === -1 ? 'the last day' : d < 0 ? `day ${-d} from the end` : `day ${d}`),
    nth: (n: number, day: string) => (n === -1 ? `the last ${day}` : n < 0 ? `the ${-n}th-to-last ${day}` : `${day} no. ${n}`),
    setPos: (n: number, days: string) => (n === -1 ? `the last of ${days}` : `day no. ${n} of ${days}`),
    inMonths: (months: string) => `of month ${months}`,
    dateOfYear: (d: string) => d,
    from: (date: string) => `from ${date}`,
    until: (date: string) => `until ${date}`,
    count: (n: number) => `${n} times`,
    except: (n: number) => `${n} airings left out`,
    raw: (rule: string) => `By the rule ${rule}`,
  },
} as const;

const pad = (n: number) => String(n).padStart(2, '0');
/** "05:30", or "05:30:15" when the seconds matter. */
export function clockText(h: number, m: number, s = 0): string {
  return s ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(h)}:${pad(m)}`;
}
const dateText = (wall: number) => {
  const d = new Date(wall);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
};
/** "a, b và c" */
function listText(items: readonly string[], and: string): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${and} ${items[items.length - 1]}`;
}
const nums = (v: string | undefined) => (v ? v.split(',').map(Number) : null);

/**
 * The times of day a rule airs at, in order: every combination of BYHOUR, BYMINUTE and BYSECOND (the
 * start's own where a list is absent), narrowed by BYSETPOS when that picks among them.
 */
export function timesOfDay(start: string, rule: string | null): { h: number; m: number; s: number }[] {
  const wall = parseWall(start);
  if (wall === null) return [];
  const d = new Date(wall);
  const parts = partsOf(rule ?? '');
  const sorted = (v: string | undefined, own: number) => [...new Set(nums(v) ?? [own])].sort((a, b) => a - b);
  const hours = sorted(parts.get('BYHOUR'), d.getUTCHours());
  const minutes = sorted(parts.get('BYMINUTE'), d.getUTCMinutes());
  const seconds = sorted(parts.get('BYSECOND'), d.getUTCSeconds());
  const all = hours.flatMap((h) => minutes.flatMap((m) => seconds.map((s) => ({ h, m, s }))));
  const setpos = nums(parts.get('BYSETPOS'));
  const picksTimes = setpos && (parts.has('BYHOUR') || parts.has('BYMINUTE') || parts.has('BYSECOND')) && (parts.get('FREQ') === 'DAILY' || parts.get('FREQ') === 'WEEKLY');
  if (!picksTimes) return all;
  // Within a week the positions run day by day: the time is the position within its day.
  const picked = new Set(setpos.map((p) => (p > 0 ? (p - 1) % all.length : ((p % all.length) + all.length) % all.length)));
  return all.filter((_, i) => picked.has(i));
}

function partsOf(rule: string): Map<string, string> {
  return new Map(
    rule
      .replace(/^RRULE:/i, '')
      .toUpperCase()
      .split(';')
      .filter((p) => p.includes('='))
      .map((p) => p.split('=') as [string, string]),
  );
}

/**
 * A slot's recurrence in plain words with its airing times: "Thứ Hai, Thứ Tư, Thứ Sáu lúc 05:30, từ ngày
 * 30/11/2026", "Hằng ngày lúc 05:30 và 17:00, từ ngày 01/12/2026, 7 lần". Shared by the console, the
 * iCalendar feed and the exports, so a rule reads the same everywhere.
 */
export function describeRecurrence(rec: Pick<Recurrence, 'start' | 'rule' | 'exdates'>, lang: RuleLanguage = 'vi'): string {
  const w = WORDS[lang];
  const wall = parseWall(rec.start);
  if (wall === null) return rec.rule ?? rec.start;
  const times = listText(
    timesOfDay(rec.start, rec.rule).map((t) => clockText(t.h, t.m, t.s)),
    w.and,
  );
  if (!rec.rule) return w.once(times, dateText(wall));
  const parts = partsOf(rec.rule);
  const interval = Number(parts.get('INTERVAL') ?? '1');
  const freq = parts.get('FREQ');
  const byDay = parts.get('BYDAY')?.split(',') ?? [];
  const plainDays = byDay.every((d) => (WEEKDAY_CODES as readonly string[]).includes(d));
  const dayNames = (codes: readonly string[]) =>
    WEEKDAY_CODES.filter((c) => codes.includes(c))
      .map((c) => w.day[c])
      .join(', ');
  const monthDays = nums(parts.get('BYMONTHDAY'));
  const months = parts.get('BYMONTH');
  const setpos = nums(parts.get('BYSETPOS'));
  const startDay = new Date(wall);

  let when: string | null = null;
  if (freq === 'DAILY' && !byDay.length && !monthDays && !months) {
    when = interval === 1 ? w.everyDay : w.everyNDays(interval);
  } else if ((freq === 'WEEKLY' || (freq === 'DAILY' && !monthDays && !months)) && plainDays) {
    const days = byDay.length ? byDay : [BY_JS_DAY[startDay.getUTCDay()]];
    if (freq === 'DAILY' || interval === 1) when = days.length === 7 ? w.everyDay : dayNames(days);
    else when = w.everyNWeeks(interval, dayNames(days));
  } else if (freq === 'MONTHLY' || freq === 'YEARLY') {
    let what: string | null = null;
    if (monthDays && !byDay.length) what = listText(monthDays.map(w.monthDay), w.and);
    else if (byDay.length && !monthDays && !setpos) {
      const nth = byDay.map((d) => /^([+-]?\d+)?([A-Z]{2})$/.exec(d));
      if (nth.every((x) => x && x[1] && (WEEKDAY_CODES as readonly string[]).includes(x[2]))) {
        what = listText(
          nth.map((x) => w.nth(Number(x![1]), w.day[x![2] as WeekdayCode])),
          w.and,
        );
      }
    } else if (byDay.length && setpos && plainDays && freq === 'MONTHLY' && !parts.has('BYHOUR') && !parts.has('BYMINUTE')) {
      what = listText(
        setpos.map((p) => w.setPos(p, dayNames(byDay))),
        w.and,
      );
    } else if (!byDay.length && !monthDays && !setpos) {
      what = freq === 'MONTHLY' ? w.monthDay(startDay.getUTCDate()) : w.dateOfYear(`${pad(startDay.getUTCDate())}/${pad(startDay.getUTCMonth() + 1)}`);
    }
    if (what !== null) {
      if (months && freq === 'YEARLY' && !monthDays && !byDay.length) what = null;
      else if (months) what = `${what} ${w.inMonths(months.split(',').join(', '))}`;
    }
    if (what !== null) when = freq === 'MONTHLY' ? w.monthly(interval, what) : w.yearly(interval, what);
  }

  const out = [w.at(when ?? w.raw(rec.rule), times), w.from(dateText(wall))];
  const until = parts.get('UNTIL');
  if (until) out.push(w.until(`${until.slice(6, 8)}/${until.slice(4, 6)}/${until.slice(0, 4)}`));
  const count = parts.get('COUNT');
  if (count) out.push(w.count(Number(count)));
  if (rec.exdates?.length) out.push(w.except(rec.exdates.length));
  return out.join(', ');
}
