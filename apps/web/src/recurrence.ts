import { occurrencesBetween } from '@loa/schedule';
import { t, type MessageKey } from './i18n';
import { ZONE } from './time';
import type { SlotView as Slot } from '@loa/api-types';

/** RFC 5545 day codes, Monday first as Vietnamese calendars are. */
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const BY_JS_DAY: Weekday[] = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

export const dayLabel = (d: Weekday): string => t(`wd_${d}` satisfies MessageKey);

/** The weekday of a "YYYY-MM-DD" date. */
export function weekdayOf(date: string): Weekday {
  return BY_JS_DAY[new Date(`${date}T00:00:00Z`).getUTCDay()];
}

/** The first date on or after `date` that falls on one of `days`. */
export function firstOn(date: string, days: readonly Weekday[]): string {
  const start = Date.parse(`${date}T00:00:00Z`);
  for (let i = 0; i < 7; i++) {
    const d = new Date(start + i * 24 * 3600_000).toISOString().slice(0, 10);
    if (days.includes(weekdayOf(d))) return d;
  }
  return date;
}

/** "FREQ=WEEKLY;BYDAY=MO,WE,FR[;UNTIL=…]", the rule the schedule API takes; `until` is the last whole day. */
export function weeklyRule(days: readonly Weekday[], until: string): string {
  const ordered = WEEKDAYS.filter((d) => days.includes(d));
  return `FREQ=WEEKLY;BYDAY=${ordered.join(',')}${until ? `;UNTIL=${until.replace(/-/g, '')}T235959` : ''}`;
}

const hhmm = (time: string) => (time.length >= 8 && time.slice(6, 8) !== '00' ? time.slice(0, 8) : time.slice(0, 5));
const viDate = (date: string) => `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;

/** The recurrence in plain words: "Thứ Hai, Thứ Tư, Thứ Sáu lúc 05:30", with its first and last day when given. */
export function phrase(days: readonly Weekday[], time: string, from?: string, until?: string): string {
  const ordered = WEEKDAYS.filter((d) => days.includes(d));
  const list = ordered.length === 7 ? t('everyDay') : ordered.map(dayLabel).join(', ');
  const parts = [t('recurrenceAt', { days: list, time: hhmm(time) })];
  if (from) parts.push(t('recurrenceFrom', { date: viDate(from) }));
  if (until) parts.push(t('recurrenceUntil', { date: viDate(until) }));
  return parts.join(', ');
}

/** A stored slot's recurrence in words, or null when it airs once (or its rule is not a weekly or daily one). */
export function describeSlot(slot: Slot): string | null {
  if (!slot.rule || !slot.localStart) return null;
  const parts = new Map(slot.rule.split(';').map((p) => p.split('=') as [string, string]));
  const freq = parts.get('FREQ');
  const days = freq === 'DAILY' ? [...WEEKDAYS] : freq === 'WEEKLY' ? ((parts.get('BYDAY') ?? weekdayOf(slot.localStart.slice(0, 10))).split(',') as Weekday[]) : null;
  if (!days || days.some((d) => !WEEKDAYS.includes(d)) || parts.has('INTERVAL') || parts.has('COUNT')) return `${t('recurrence')}: ${slot.rule}`;
  const until = parts.get('UNTIL');
  const untilDate = until ? `${until.slice(0, 4)}-${until.slice(4, 6)}-${until.slice(6, 8)}` : undefined;
  return phrase(days, slot.localStart.slice(11, 19), slot.localStart.slice(0, 10), untilDate);
}

/** When a slot airs within [from, to), as instants: the one start, or each airing of its rule. */
export function airingsOf(slot: Slot, from: number, to: number): number[] {
  if (!slot.rule || !slot.localStart) {
    const at = Date.parse(slot.startAt);
    return at < to && at + slot.durationMs > from ? [at] : [];
  }
  // An airing that began just before `from` may still be on air in the window.
  return occurrencesBetween({ start: slot.localStart, timeZone: slot.timeZone ?? ZONE, rule: slot.rule, exdates: slot.exdates ?? [] }, from - slot.durationMs, to);
}
