import { describeRecurrence, occurrencesBetween } from '@loa/schedule';
import { lang, t, type MessageKey } from './i18n';
import { ZONE } from './time';
import type { SlotView as Slot } from '@loa/api-types';
import type { WeekdayCode } from '@loa/schedule';

export { WEEKDAY_CODES as WEEKDAYS } from '@loa/schedule';
export { firstOn, weekdayOf } from './slot-form';
export type Weekday = WeekdayCode;

export const dayLabel = (d: Weekday): string => t(`wd_${d}` satisfies MessageKey);

/** When a stored slot airs, in plain words with its times ("Hằng ngày lúc 05:30 và 17:00, từ ngày …"). */
export function describeSlot(slot: Slot): string {
  return describeRecurrence({ start: slot.localStart ?? toVietnamWall(slot.startAt), rule: slot.rule ?? null, exdates: slot.exdates ?? [] }, lang.value === 'vi' ? 'vi' : 'en');
}

const toVietnamWall = (iso: string) => new Date(Date.parse(iso) + 7 * 3600_000).toISOString().slice(0, 19);

/** When a slot airs within [from, to), as instants: the one start, or each airing of its rule. */
export function airingsOf(slot: Slot, from: number, to: number): number[] {
  if (!slot.rule || !slot.localStart) {
    const at = Date.parse(slot.startAt);
    return at < to && at + slot.durationMs > from ? [at] : [];
  }
  // An airing that began just before `from` may still be on air in the window.
  return occurrencesBetween({ start: slot.localStart, timeZone: slot.timeZone ?? ZONE, rule: slot.rule, exdates: slot.exdates ?? [] }, from - slot.durationMs, to);
}
