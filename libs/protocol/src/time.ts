/** Local time for authoring and showing schedules; storage and the wire are UTC. */
export const DEFAULT_TIMEZONE = 'Asia/Ho_Chi_Minh';

/** An epoch-millisecond instant as the ISO-8601 UTC string the protocol and the database use. */
export function toInstant(ms: number): string {
  return new Date(ms).toISOString();
}

export function fromInstant(iso: string): number {
  return Date.parse(iso);
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
