import { offsetMs, wallToInstant } from '@loa/schedule';
import { fromInstant, readDateTime } from '@loa/protocol';

export { offsetMs };

/**
 * Turns an author's time into a UTC instant. A time with an offset ("…+07:00", "…Z") is taken as it is;
 * a wall-clock time without one ("2026-11-24T05:30") is read in the given IANA zone.
 * Returns null when the text is not a time.
 */
export function parseAuthoredInstant(text: string, timeZone: string): number | null {
  const read = readDateTime(text);
  if (!read) return null;
  return read.offsetMinutes === null ? wallToInstant(read.wall, timeZone) : read.wall - read.offsetMinutes * 60_000;
}

/** "24/11/2026 05:30:00" in the zone: how Vietnamese screens and exports show an instant. */
export function formatLocal(instant: string | number, timeZone: string, withMs = false): string {
  const ms = typeof instant === 'number' ? instant : fromInstant(instant);
  const local = new Date(ms + offsetMs(ms, timeZone));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${pad(local.getUTCDate())}/${pad(local.getUTCMonth() + 1)}/${local.getUTCFullYear()} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return withMs ? `${base}.${pad(local.getUTCMilliseconds(), 3)}` : base;
}
