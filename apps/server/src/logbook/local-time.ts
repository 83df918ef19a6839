import { fromDay, fromInstant, toInstant } from '@loa/protocol';
const HOUR = 3_600_000;

/**
 * Local dates and times of instants in one zone, fast enough for a million-line export: the zone's
 * offset is looked up once per hour of time (zones change offset on whole hours) and cached.
 */
export class LocalTime {
  private readonly offsets = new Map<number, number>();
  // A line asks for the date and then the time of the same instant: keep the last one.
  private lastInstant: string | number | null = null;
  private lastIso = '';
  // Local "YYYY-MM-DDTHH" for each UTC hour, where the zone's offset is whole hours (null where not).
  private readonly hours = new Map<string, string | null>();

  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    // Building a formatter costs far more than using one: build it once.
    this.format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  }

  offset(ms: number): number {
    const hour = Math.floor(ms / HOUR);
    let off = this.offsets.get(hour);
    if (off === undefined) {
      if (this.offsets.size > 50_000) this.offsets.clear();
      off = this.offsetAt(hour * HOUR);
      this.offsets.set(hour, off);
    }
    return off;
  }

  private offsetAt(ms: number): number {
    const p: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - ms;
  }

  /** The local wall clock of an instant, as a Date whose UTC fields read as local time. */
  wall(instant: string | number): Date {
    const ms = typeof instant === 'number' ? instant : fromInstant(instant);
    return new Date(ms + this.offset(ms));
  }

  /** The local wall clock as "2026-03-14T05:30:00.000Z" (the Z is not true: it is local time). */
  private iso(instant: string | number): string {
    if (instant !== this.lastInstant) {
      this.lastIso = this.fromHour(instant) ?? this.wall(instant).toISOString();
      this.lastInstant = instant;
    }
    return this.lastIso;
  }

  /**
   * For a stored instant ("2026-03-14T22:30:00.000Z") in a zone whose offset is whole hours, only the
   * date and hour change: look them up by the UTC hour and keep the rest of the text as it is.
   */
  private fromHour(instant: string | number): string | null {
    if (typeof instant !== 'string' || instant.length !== 24 || instant[23] !== 'Z') return null;
    const key = instant.slice(0, 13);
    let local = this.hours.get(key);
    if (local === undefined) {
      const ms = fromInstant(`${key}:00:00.000Z`);
      const off = this.offset(ms);
      local = Number.isNaN(ms) || off % HOUR !== 0 ? null : toInstant(ms + off).slice(0, 13);
      if (this.hours.size > 50_000) this.hours.clear();
      this.hours.set(key, local);
    }
    return local === null ? null : local + instant.slice(13);
  }

  /** "2026-03-14" */
  day(instant: string | number): string {
    return this.iso(instant).slice(0, 10);
  }

  year(instant: string | number): number {
    return this.wall(instant).getUTCFullYear();
  }

  /** "14/03/2026" */
  date(instant: string | number): string {
    const iso = this.iso(instant);
    return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
  }

  /** "05:30:00", or "05:30:00.123" with milliseconds. */
  time(instant: string | number, withMs = false): string {
    const iso = this.iso(instant);
    return withMs ? iso.slice(11, 23) : iso.slice(11, 19);
  }

  /** "14/03/2026 05:30:00": how Vietnamese forms show an instant. */
  dateTime(instant: string | number, withMs = false): string {
    return `${this.date(instant)} ${this.time(instant, withMs)}`;
  }

  /** The instant at which a local calendar day starts, e.g. ("2026-03-15") → "2026-03-14T17:00:00.000Z". */
  startOfDay(day: string): string {
    const wall = fromDay(day);
    let guess = wall - this.offset(wall);
    guess = wall - this.offset(guess);
    return toInstant(guess);
  }
}
