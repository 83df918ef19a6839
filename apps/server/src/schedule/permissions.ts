import type { Priority, SlotSource } from '@loa/protocol';
import type { Role } from '../auth/principal';

/** Who acts on the schedule; null is the system itself (seeding, the demo). */
export type Actor = { userId: string; username: string; role: Role; unitId: string | null } | null;

export interface SlotScope {
  source: SlotSource;
  priority: Priority;
  /** Every station the slot airs on. */
  stationIds: readonly string[];
}

/**
 * A commune operator works on their own station's local programmes: source `local`, not an
 * emergency, and every station inside their unit. `ownStations` are the stations under their unit.
 */
function operatorOwns(slot: SlotScope, ownStations: ReadonlySet<string>): boolean {
  return slot.source === 'local' && slot.priority !== 'emergency' && slot.stationIds.length > 0 && slot.stationIds.every((s) => ownStations.has(s));
}

export function mayAuthor(actor: Actor, slot: SlotScope, ownStations: ReadonlySet<string>): boolean {
  if (actor === null) return true;
  switch (actor.role) {
    case 'admin':
    case 'editor':
    case 'approver':
      return true;
    case 'operator':
      return operatorOwns(slot, ownStations);
    case 'inspector':
      return false;
  }
}

export function mayApprove(actor: Actor, slot: SlotScope, ownStations: ReadonlySet<string>): boolean {
  if (actor === null) return true;
  switch (actor.role) {
    case 'admin':
    case 'approver':
      return true;
    case 'operator':
      return operatorOwns(slot, ownStations);
    case 'editor':
    case 'inspector':
      return false;
  }
}

/**
 * Declining or moving one airing on a station: TT39 lets the commune decide on normal (thông thường)
 * items; priority and emergency ones are the upper level's to change.
 */
export function mayEditAiring(actor: Actor, priority: Priority, stationId: string | null, ownStations: ReadonlySet<string>): boolean {
  if (actor === null) return true;
  switch (actor.role) {
    case 'admin':
    case 'editor':
    case 'approver':
      return true;
    case 'operator':
      return priority === 'normal' && stationId !== null && ownStations.has(stationId);
    case 'inspector':
      return false;
  }
}
