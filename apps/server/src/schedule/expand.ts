import { occurrencesBetween, wallOf, type Recurrence } from '@loa/schedule';

/** What expansion needs of a slot and of its single-airing edits: plain data. */
export interface SlotRule {
  id: string;
  startAt: string;
  localStart: string | null;
  timeZone: string;
  rule: string | null;
  exdates: string[];
}

export interface OverrideRule {
  slotId: string;
  occurrenceAt: string;
  stationId: string | null;
  action: 'cancel' | 'move';
  movedTo: string | null;
}

export function recurrenceOf(slot: SlotRule): Recurrence {
  return { start: slot.localStart ?? wallOf(Date.parse(slot.startAt), slot.timeZone), timeZone: slot.timeZone, rule: slot.rule, exdates: slot.exdates };
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
  const removed = new Set(mine.map((o) => Date.parse(o.occurrenceAt)));
  const kept = base.filter((t) => !removed.has(t));
  const moved = mine.filter((o) => o.action === 'move' && o.movedTo !== null).map((o) => Date.parse(o.movedTo!));
  return [...new Set([...kept, ...moved.filter((t) => t >= from && t < to)])].sort((a, b) => a - b);
}

/**
 * `airingsOf` for one operation over many stations: a slot's rule is expanded once per range and reused
 * for every station, since only the single-airing edits differ from one station to the next. Made for
 * one operation and dropped after it, so an edited slot is never served an old expansion.
 */
export class Expansions {
  private readonly memo = new Map<string, readonly number[]>();

  airingsOf(slot: SlotRule, overrides: readonly OverrideRule[], stationId: string, from: number, to: number): number[] {
    const key = `${slot.id}|${from}|${to}`;
    let base = this.memo.get(key);
    if (!base) {
      base = occurrencesBetween(recurrenceOf(slot), from, to);
      this.memo.set(key, base);
    }
    return airingsOf(slot, overrides, stationId, from, to, base);
  }
}
