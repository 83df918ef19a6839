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
 */
export function airingsOf(slot: SlotRule, overrides: readonly OverrideRule[], stationId: string, from: number, to: number): number[] {
  const mine = overrides.filter((o) => o.slotId === slot.id && (o.stationId === null || o.stationId === stationId));
  const removed = new Set(mine.map((o) => Date.parse(o.occurrenceAt)));
  const base = occurrencesBetween(recurrenceOf(slot), from, to).filter((t) => !removed.has(t));
  const moved = mine.filter((o) => o.action === 'move' && o.movedTo !== null).map((o) => Date.parse(o.movedTo!));
  return [...new Set([...base, ...moved.filter((t) => t >= from && t < to)])].sort((a, b) => a - b);
}
