import type { Priority, SlotSource, StartMode } from '@loa/protocol';

/** One airing as the commune's console names it: its slot and the instant its slot gives it. */
export interface AiringRef {
  slotId: string;
  at: string;
}

/** One coming airing on a station, as the commune operator sees it. */
export interface AgendaAiring {
  slotId: string;
  /** The instant the slot gives it (what a decline or an order names). */
  plannedAt: string;
  /** When it will start after the station's chosen orders; null when declined. */
  startAt: string | null;
  durationMs: number;
  priority: Priority;
  source: SlotSource;
  startMode: StartMode;
  programmeId: string;
  title: string;
  chuyenMuc: string;
  /** The commune's own programme (source local), not the upper level's. */
  own: boolean;
  /** Declined on this station ("Không phát"): by whom, when and why. */
  declined: { by: string | null; at: string; reason: string | null } | null;
}

/** Two priority airings overlapping on the station, and the order chosen for them, if any. */
export interface AgendaClash {
  a: AiringRef;
  b: AiringRef;
  order: AiringOrderView | null;
}

export interface AiringOrderView {
  id: string;
  stationId: string;
  first: AiringRef;
  second: AiringRef;
  createdAt: string;
}

export interface StationAgenda {
  stationId: string;
  stationName: string;
  from: string;
  to: string;
  airings: AgendaAiring[];
  clashes: AgendaClash[];
}
