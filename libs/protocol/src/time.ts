import { z } from 'zod';

/** Local time for authoring and showing schedules; storage and the wire are UTC. */
export const DEFAULT_TIMEZONE = 'Asia/Ho_Chi_Minh';

/*
 * One form for instants. Inside the server, on the wire and in the database an instant is the text
 * `toInstant` writes: ISO-8601 in UTC with milliseconds and `Z` ('2026-11-24T22:30:00.000Z'), which sorts as
 * the instants do. Text from outside (an HTTP field, a CAP message, a command-line flag) is read once at
 * that edge with `parseInstant`, which takes any offset and gives that form; arithmetic reads the form back
 * with `fromInstant` only, never with `Date.parse` or `new Date(text)`.
 */

/** An epoch-millisecond instant as the ISO-8601 UTC string the protocol and the database use. */
export function toInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/** An instant in the one form (`toInstant`'s) as epoch milliseconds, for arithmetic and comparison. */
export function fromInstant(iso: string): number {
  return Date.parse(iso);
}

/**
 * An instant in a frame. Only the one form passes (UTC, milliseconds, `Z`, a day that exists), so what a
 * frame carries is already what the server and the agent keep.
 */
export const WireInstant = z.iso.datetime({ offset: false, precision: 3 });

/** A calendar day ('2026-11-24') as the epoch milliseconds of its midnight on a UTC clock (NaN when it is not a day). */
export function fromDay(day: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00.000Z`) : NaN;
}

/** The calendar day ('2026-11-24') a UTC clock shows at epoch milliseconds `ms`. */
export function dayOf(ms: number): string {
  return toInstant(ms).slice(0, 10);
}

/**
 * An ISO-8601 date and time of day with an optional offset: year, month, day, hour, minute, then the
 * optional second, fraction of a second and zone (`Z` or `±HH:MM`).
 */
export const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/** What a `DATE_TIME` text says: its clock reading as if it were UTC, and its offset from UTC if it names one. */
export interface DateTimeReading {
  /** The wall-clock reading in epoch milliseconds, as though the clock were on UTC. */
  wall: number;
  /** Minutes east of UTC, or null when the text names no zone (a wall time). */
  offsetMinutes: number | null;
  /** Whether the text wrote its seconds. */
  hasSeconds: boolean;
}

/** Reads a `DATE_TIME` text, or null when it is not one or names a day or time that does not exist. */
export function readDateTime(text: string): DateTimeReading | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const wall = Date.UTC(+y, +mo - 1, +d, +h, +mi, s === undefined ? 0 : +s, Number(frac.slice(0, 3).padEnd(3, '0')));
  const back = new Date(wall);
  if (back.getUTCFullYear() !== +y || back.getUTCMonth() !== +mo - 1 || back.getUTCDate() !== +d || +h > 23 || +mi > 59 || (s !== undefined && +s > 59)) {
    return null;
  }
  let offsetMinutes: number | null = null;
  if (zone === 'Z') offsetMinutes = 0;
  else if (zone) {
    const [oh, om] = zone.slice(1).split(':').map(Number);
    if (oh > 14 || om > 59) return null;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return { wall, offsetMinutes, hasSeconds: s !== undefined };
}

/**
 * Text from outside naming an instant (ISO-8601 with `Z` or an offset, such as '2026-11-25T05:30:00+07:00')
 * in the one form ('2026-11-24T22:30:00.000Z'); null when it is not such a text. A time without a zone is
 * refused: which zone it meant is a question only the caller can answer.
 */
export function parseInstant(text: string): string | null {
  const r = readDateTime(text);
  return r === null || r.offsetMinutes === null ? null : toInstant(r.wall - r.offsetMinutes * 60_000);
}

/** Whether the text is an instant in the one form, exactly as `toInstant` writes it. */
export function isInstant(text: string): boolean {
  return parseInstant(text) === text;
}

/** A time of day, `HH:MM` from 00:00 to 23:59: quiet hours, download windows. */
export const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Two times of day, `HH:MM-HH:MM`; the end may be earlier than the start (the span crosses midnight). */
export const TIME_OF_DAY_RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** `HH:MM` → minutes after midnight, or null when it is not a time of day. */
export function minutesOfDay(text: string): number | null {
  const m = TIME_OF_DAY.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** `HH:MM-HH:MM` → its start and end in minutes after midnight, or null when it is not such a span. */
export function timeOfDayRange(text: string): { start: number; end: number } | null {
  const m = TIME_OF_DAY_RANGE.exec(text);
  return m ? { start: Number(m[1]) * 60 + Number(m[2]), end: Number(m[3]) * 60 + Number(m[4]) } : null;
}
