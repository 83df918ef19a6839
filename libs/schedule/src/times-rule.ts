import { WEEKDAY_CODES, type WeekdayCode } from './words';

/** "05:30" or "05:30:15" as [h, m, s]; null when it is not a time of day. */
function clock(text: string): [number, number, number] | null {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) return null;
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? '0')];
  return h < 24 && mi < 60 && s < 60 ? [h, mi, s] : null;
}

/**
 * The RFC 5545 rule for "every day (or on these weekdays) at these times": the times become BYHOUR,
 * BYMINUTE and BYSECOND, and when their combinations hold more than the chosen times, BYSETPOS keeps
 * the chosen ones ("05:30 and 17:00" is BYHOUR=5,17;BYMINUTE=0,30;BYSECOND=0;BYSETPOS=2,3). One time
 * leaves the time to the first airing, as a plain daily or weekly rule. `until` is the last whole day
 * ("YYYY-MM-DD"). Returns the rule and the first time of day, which the first airing must use.
 */
export function ruleForTimes(opts: { days: readonly WeekdayCode[] | null; times: readonly string[]; until?: string }): { rule: string; firstTime: string } | null {
  const parsed = [...new Set(opts.times)].map(clock);
  if (!parsed.length || parsed.some((t) => t === null)) return null;
  const times = (parsed as [number, number, number][]).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const days = opts.days === null ? null : WEEKDAY_CODES.filter((d) => opts.days!.includes(d));
  if (days !== null && !days.length) return null;
  const parts = [days === null ? 'FREQ=DAILY' : `FREQ=WEEKLY;BYDAY=${days.join(',')}`];
  if (times.length > 1) {
    const uniq = (i: number) => [...new Set(times.map((t) => t[i]))].sort((a, b) => a - b);
    const [hours, minutes, seconds] = [uniq(0), uniq(1), uniq(2)];
    parts.push(`BYHOUR=${hours.join(',')}`, `BYMINUTE=${minutes.join(',')}`, `BYSECOND=${seconds.join(',')}`);
    const combos = hours.flatMap((h) => minutes.flatMap((m) => seconds.map((s) => `${h}:${m}:${s}`)));
    if (combos.length > times.length) {
      const within = times.map((t) => combos.indexOf(`${t[0]}:${t[1]}:${t[2]}`) + 1);
      // Within a week rrule numbers the positions day by day, so each chosen day repeats them.
      const positions = days === null ? within : days.flatMap((_, j) => within.map((p) => p + j * combos.length));
      parts.push(`BYSETPOS=${positions.join(',')}`);
    }
  }
  if (opts.until) parts.push(`UNTIL=${opts.until.replace(/-/g, '')}T235959`);
  const [h, m, s] = times[0];
  const pad = (n: number) => String(n).padStart(2, '0');
  return { rule: parts.join(';'), firstTime: `${pad(h)}:${pad(m)}:${pad(s)}` };
}
