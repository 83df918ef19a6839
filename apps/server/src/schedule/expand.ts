import { occurrencesBetween, wallOf, type Recurrence } from '@loa/schedule';
import type { HolidayRule } from '@loa/api-types';
import type { Priority } from '@loa/protocol';
import { applyHolidayRule, MOVE_REACH_MS, outsideQuietHours, type AiringRules } from './day-rules';
import { fromInstant } from '@loa/protocol';

/** What expansion needs of a slot and of its single-airing edits: plain data. */
export interface SlotRule {
  id: string;
  startAt: string;
  localStart: string | null;
  timeZone: string;
  rule: string | null;
  exdates: string[];
  /** Read only when the expansion is given the calendar's rules. */
  holidayRule?: HolidayRule;
  priority?: Priority;
  durationMs?: number;
}

export interface OverrideRule {
  slotId: string;
  occurrenceAt: string;
  stationId: string | null;
  action: 'cancel' | 'move';
  movedTo: string | null;
}

export function recurrenceOf(slot: SlotRule): Recurrence {
  return { start: slot.localStart ?? wallOf(fromInstant(slot.startAt), slot.timeZone), timeZone: slot.timeZone, rule: slot.rule, exdates: slot.exdates };
}

/**
 * Instants of the slot's airings on one station that start in [from, to), after single-airing edits:
 * a cancelled airing is gone, a moved one is at its new instant. An edit for all stations has stationId null.
 * `base`: the rule's own instants in that range, when the caller has them already.
 */
export function airingsOf(
  slot: SlotRule,
  overrides: readonly OverrideRule[],
  stationId: string,
  from: number,
  to: number,
  base: readonly number[] = occurrencesBetween(recurrenceOf(slot), from, to),
): number[] {
  const mine = overrides.filter((o) => o.slotId === slot.id && (o.stationId === null || o.stationId === stationId));
  if (!mine.length) return [...base];
  const removed = new Set(mine.map((o) => fromInstant(o.occurrenceAt)));
  const kept = base.filter((t) => !removed.has(t));
  const moved = mine.filter((o) => o.action === 'move' && o.movedTo !== null).map((o) => fromInstant(o.movedTo!));
  return [...new Set([...kept, ...moved.filter((t) => t >= from && t < to)])].sort((a, b) => a - b);
}

/**
 * `airingsOf` for one operation over many stations: a slot's rule is expanded once per range and reused
 * for every station, since only the single-airing edits differ from one station to the next. Made for
 * one operation and dropped after it, so an edited slot is never served an old expansion.
 */
export class Expansions {
  private readonly memo = new Map<string, readonly number[]>();

  /** `rules`: holidays and quiet hours to apply; without them, the airings exactly as the rule gives them. */
  constructor(private readonly rules?: AiringRules) {}

  airingsOf(slot: SlotRule, overrides: readonly OverrideRule[], stationId: string, from: number, to: number): number[] {
    if (this.rules?.disabled.has(stationId)) return [];
    const key = `${slot.id}|${from}|${to}`;
    let base = this.memo.get(key);
    if (!base) {
      base = this.rules ? onWorkingDays(slot, from, to, this.rules) : occurrencesBetween(recurrenceOf(slot), from, to);
      this.memo.set(key, base);
    }
    const out = airingsOf(slot, overrides, stationId, from, to, base);
    if (!this.rules) return out;
    return outsideQuietHours(out, slot.durationMs ?? 0, slot.priority ?? 'normal', this.rules.quiet.get(stationId), this.rules.timeZone);
  }
}

/** The rule's instants in [from, to) after its holiday choice; a moved airing may come from up to three weeks before. */
function onWorkingDays(slot: SlotRule, from: number, to: number, rules: AiringRules): number[] {
  const rule = slot.holidayRule ?? 'play';
  if (rule === 'play') return occurrencesBetween(recurrenceOf(slot), from, to);
  const reach = rule === 'move' ? MOVE_REACH_MS : 0;
  return applyHolidayRule(occurrencesBetween(recurrenceOf(slot), from - reach, to), rule, slot.timeZone, rules.holidays).filter((t) => t >= from && t < to);
}
