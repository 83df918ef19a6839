import { offsetMs, wallToInstant } from '@loa/schedule';

export { offsetMs };

/**
 * Turns an author's time into a UTC instant. A time with an offset ("…+07:00", "…Z") is taken as it is;
 * a wall-clock time without one ("2026-11-24T05:30") is read in the given IANA zone.
 * Returns null when the text is not a time.
 */
export function parseAuthoredInstant(text: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '0', zone] = m;
  const wall = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Number(frac.padEnd(3, '0')));
  const check = new Date(wall);
  if (check.getUTCFullYear() !== +y || check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) {
    return null;
  }
  if (zone === 'Z') return wall;
  if (zone) {
    const sign = zone[0] === '-' ? -1 : 1;
    const [oh, om] = zone.slice(1).split(':').map(Number);
    if (oh > 14 || om > 59) return null;
    return wall - sign * (oh * 60 + om) * 60_000;
  }
  return wallToInstant(wall, timeZone);
}

/** "24/11/2026 05:30:00" in the zone: how Vietnamese screens and exports show an instant. */
export function formatLocal(instant: string | number, timeZone: string, withMs = false): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  const local = new Date(ms + offsetMs(ms, timeZone));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${pad(local.getUTCDate())}/${pad(local.getUTCMonth() + 1)}/${local.getUTCFullYear()} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return withMs ? `${base}.${pad(local.getUTCMilliseconds(), 3)}` : base;
}
