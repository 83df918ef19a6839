/**
 * How the schedule calendar writes times: one 24-hour "HH:mm" everywhere (hour lines, event labels), and
 * each airing drawn with its true length. Pure, with no Vue or FullCalendar import, so it is unit-tested.
 */

/** The parts of a time FullCalendar hands a formatting function (its "verbose" argument). */
export interface ClockParts {
  hour: number;
  minute: number;
  second: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "05:30": every hour line and event label, in every language. */
export function hhmm(t: ClockParts): string {
  return `${pad(t.hour)}:${pad(t.minute)}`;
}

/** Hour lines of the day and week grids. */
export function slotLabel(arg: { date: ClockParts }): string {
  return hhmm(arg.date);
}

const secondsOf = (t: ClockParts) => t.hour * 3600 + t.minute * 60 + t.second;

/**
 * An airing's time on the calendar: "05:30 – 06:00", or for one shorter than a minute its start and true
 * length ("05:30 (20 giây)") instead of an end that would read like a start.
 */
export function eventTimeText(arg: { start: ClockParts; end?: ClockParts | null }, lang: 'vi' | 'en'): string {
  const { start, end } = arg;
  if (!end) return hhmm(start);
  const span = (secondsOf(end) - secondsOf(start) + 86_400) % 86_400;
  if (span < 60) return `${hhmm(start)} (${span} ${lang === 'vi' ? 'giây' : 's'})`;
  return `${hhmm(start)} – ${hhmm(end)}`;
}

/**
 * Where an airing sits on the calendar: its Vietnam wall-clock start and end, "YYYY-MM-DDTHH:mm:ss", end
 * at its true length. The calendar keeps a short one readable with its minimum event height.
 */
export function eventSpan(at: number, durationMs: number): { start: string; end: string } {
  const wall = (ms: number) => new Date(ms + 7 * 3600_000).toISOString().slice(0, 19);
  return { start: wall(at), end: wall(at + Math.max(durationMs, 1000)) };
}

/** One day off as the calendar draws it: a shaded whole day named by its holiday. */
export interface HolidayEvent {
  id: string;
  title: string;
  start: string;
  end: string;
  display: 'background';
  classNames: string[];
}

/**
 * Public holidays and declared days off as background events over whole days (wall-clock dates in the
 * calendar's "UTC", like the airings); a day with two names shows both.
 */
export function holidayEvents(days: readonly { date: string; name: string; kind: 'public' | 'declared' }[]): HolidayEvent[] {
  const byDate = new Map<string, { names: string[]; declared: boolean }>();
  for (const d of days) {
    const entry = byDate.get(d.date) ?? { names: [], declared: false };
    if (!entry.names.includes(d.name)) entry.names.push(d.name);
    entry.declared ||= d.kind === 'declared';
    byDate.set(d.date, entry);
  }
  return [...byDate].map(([date, e]) => {
    const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    return { id: `holiday-${date}`, title: e.names.join(' · '), start: `${date}T00:00:00`, end: `${next}T00:00:00`, display: 'background', classNames: e.declared ? ['holiday', 'holiday-declared'] : ['holiday'] };
  });
}
