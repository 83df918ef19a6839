import { fromInstant, toInstant, type ScheduleItem, type ScheduleSnapshot } from '@loa/protocol';

/**
 * A schedule item as the agent holds it: its instant read once, where the snapshot arrives, into epoch
 * milliseconds. The timing loop compares and subtracts instants on every plan; the wire's text is written
 * back only where something leaves the agent (events, play states, the console's JSON).
 */
export type AgentItem = Omit<ScheduleItem, 'startAt'> & {
  /** The instant the item goes on air, server time, epoch milliseconds. */
  readonly startMs: number;
};

export type AgentSnapshot = Omit<ScheduleSnapshot, 'items'> & { readonly items: readonly AgentItem[] };

export class BadInstantError extends Error {}

/** The wire's item → the agent's; throws BadInstantError on an instant that is not one. */
export function receiveItem(item: ScheduleItem): AgentItem {
  const { startAt, ...rest } = item;
  const startMs = fromInstant(startAt);
  if (!Number.isFinite(startMs)) throw new BadInstantError(`Giờ phát không hợp lệ của chương trình ${item.occurrenceId}: "${startAt}"`);
  return { ...rest, startMs };
}

/** A snapshot as it came from the server (already checked against the protocol's schema). */
export function receiveSnapshot(snapshot: ScheduleSnapshot): AgentSnapshot {
  return { ...snapshot, items: snapshot.items.map(receiveItem) };
}

/** The item's instant as the wire writes it: `plannedAt` of its events and play state. */
export function plannedAtOf(item: Pick<AgentItem, 'startMs'>): string {
  return toInstant(item.startMs);
}
