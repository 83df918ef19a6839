import type { HolidayRule } from '@loa/api-types';
import { describeRecurrence, ruleForTimes, WEEKDAY_CODES, type WeekdayCode } from '@loa/schedule';
import { normaliseTime } from './dates';

/**
 * The "Xếp lịch phát" dialog's data and the rule it sends: pure, with no Vue import, so it is unit-tested.
 * Once; every day at one or more times; or on chosen weekdays at one or more times.
 */
export type Repeat = 'once' | 'daily' | 'weekly';

export interface SlotForm {
  programmeId: string;
  /** "YYYY-MM-DD": the day, or the first day a rule may air. */
  date: string;
  /** "HH:mm[:ss]": the first (or only) time of day. */
  time: string;
  /** More times of day for a daily or weekly rule. */
  moreTimes: string[];
  priority: 'normal' | 'priority';
  stationIds: string[];
  repeat: Repeat;
  days: WeekdayCode[];
  /** "YYYY-MM-DD", the last whole day of a rule; empty: no end. */
  until: string;
  /** What a repeating slot does on a public holiday or declared day off. */
  holidayRule: HolidayRule;
}

const BY_JS_DAY: WeekdayCode[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** The weekday of a "YYYY-MM-DD" date. */
export function weekdayOf(date: string): WeekdayCode {
  return BY_JS_DAY[new Date(`${date}T00:00:00Z`).getUTCDay()];
}

/** The first date on or after `date` that falls on one of `days`. */
export function firstOn(date: string, days: readonly WeekdayCode[]): string {
  const start = Date.parse(`${date}T00:00:00Z`);
  for (let i = 0; i < 7; i++) {
    const d = new Date(start + i * 24 * 3600_000).toISOString().slice(0, 10);
    if (days.includes(weekdayOf(d))) return d;
  }
  return date;
}

/**
 * A fresh dialog at a wall-clock start ("YYYY-MM-DDTHH:mm:ss"): no station is chosen until the user
 * chooses, so nothing goes on air on stations nobody picked.
 */
export function newSlotForm(wallStart: string, programmeId = ''): SlotForm {
  return {
    programmeId,
    date: wallStart.slice(0, 10),
    time: wallStart.slice(11, 19),
    moreTimes: [],
    priority: 'normal',
    stationIds: [],
    repeat: 'once',
    days: [weekdayOf(wallStart.slice(0, 10))],
    until: '',
    holidayRule: 'play',
  };
}

/** Is every station of the list chosen (the "Chọn tất cả" box)? Never for an empty list. */
export function allChosen(chosen: readonly string[], all: readonly string[]): boolean {
  return all.length > 0 && all.every((id) => chosen.includes(id));
}

/** The times of day the form airs at, "HH:mm:ss", without blanks or repeats. */
export function timesOf(form: Pick<SlotForm, 'time' | 'moreTimes' | 'repeat'>): string[] {
  const all = form.repeat === 'once' ? [form.time] : [form.time, ...form.moreTimes];
  return [...new Set(all.map((t) => normaliseTime(t, true)).filter((t): t is string => t !== null))].sort();
}

/**
 * What the form would create: the first airing's wall-clock time and the RFC 5545 rule (null: once);
 * null while the form is incomplete.
 */
export function slotTiming(form: SlotForm): { localStart: string; rule: string | null } | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.date)) return null;
  const times = timesOf(form);
  if (!times.length) return null;
  if (form.repeat === 'once') return { localStart: `${form.date}T${times[0]}`, rule: null };
  const days = form.repeat === 'weekly' ? form.days : null;
  const made = ruleForTimes({ days, times, until: form.until || undefined });
  if (!made) return null;
  const first = days ? firstOn(form.date, days) : form.date;
  return { localStart: `${first}T${made.firstTime}`, rule: made.rule };
}

/** The form's schedule in plain words, as the dialog shows it while it is being chosen. */
export function formInWords(form: SlotForm, lang: 'vi' | 'en'): string {
  const timing = slotTiming(form);
  if (!timing || !timing.rule) return '';
  return describeRecurrence({ start: timing.localStart, rule: timing.rule }, lang);
}

export { WEEKDAY_CODES };
