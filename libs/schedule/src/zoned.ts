/** Wall-clock time in an IANA zone, without relying on the process's own time zone. */

/** One formatter per zone: making one costs far more than using it, and expanding a schedule asks thousands of times. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Offset of `timeZone` from UTC at `instant`, in ms (Asia/Ho_Chi_Minh: +7 h). */
export function offsetMs(instant: number, timeZone: string): number {
  const parts = formatterOf(timeZone).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which the zone's clocks show `wall`, where `wall` is a wall-clock time encoded as if it
 * were UTC ("floating" time). The offset is taken at the guess and once more at the corrected guess,
 * which settles across daylight-saving edges.
 */
export function wallToInstant(wall: number, timeZone: string): number {
  let guess = wall - offsetMs(wall, timeZone);
  guess = wall - offsetMs(guess, timeZone);
  return guess;
}

/** The zone's wall-clock time at `instant`, as floating UTC. */
export function instantToWall(instant: number, timeZone: string): number {
  return instant + offsetMs(instant, timeZone);
}

/** True when the runtime knows the zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** "2026-11-24T05:30", "…T05:30:15" or "…T05:30:15.250" as floating UTC ms; null when it is not such a time. */
export function parseWall(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '0'] = m;
  const wall = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, Number(frac.padEnd(3, '0')));
  const check = new Date(wall);
  if (check.getUTCFullYear() !== +y || check.getUTCMonth() !== +mo - 1 || check.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) return null;
  return wall;
}

/** Floating UTC ms back to "YYYY-MM-DDTHH:mm:ss", with ".sss" only when there are milliseconds. */
export function formatWall(wall: number): string {
  const text = new Date(wall).toISOString();
  return wall % 1000 === 0 ? text.slice(0, 19) : text.slice(0, 23);
}
