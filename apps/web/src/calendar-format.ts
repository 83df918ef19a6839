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
