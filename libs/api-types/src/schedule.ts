import type { Priority } from '@loa/protocol';

/** bản nháp → chờ duyệt → đã duyệt / bị từ chối; huỷ. Only approved slots reach stations. */
export const SLOT_STATUSES = ['draft', 'submitted', 'approved', 'rejected', 'cancelled'] as const;
export type SlotStatus = (typeof SLOT_STATUSES)[number];

/** What a recurring slot's airing on a public holiday or declared day off does. */
export const HOLIDAY_RULES = ['play', 'skip', 'move'] as const;
export type HolidayRule = (typeof HOLIDAY_RULES)[number];

/** A day off on the calendar: a public holiday (from the law's calendar) or one the government declared. */
export interface HolidayView {
  /** Local date, YYYY-MM-DD. */
  date: string;
  name: string;
  kind: 'public' | 'declared';
  /** The declared day's id, to remove it; absent for public holidays. */
  id?: string;
}

/** Slots that hold their time on a station: the server refuses others over them. */
export const HOLDS_TIME: ReadonlySet<SlotStatus> = new Set<SlotStatus>(['submitted', 'approved']);

export const PRIORITIES = ['normal', 'priority', 'emergency'] as const satisfies readonly Priority[];

export interface SlotView {
  id: string;
  programmeId: string;
  startAt: string;
  endAt: string;
  durationMs: number;
  priority: Priority;
  status: SlotStatus;
  stationIds: string[];
  /** Wall-clock first airing, zone and RFC 5545 rule of a recurring slot; rule null: airs once. */
  localStart?: string | null;
  timeZone?: string;
  rule?: string | null;
  exdates?: string[];
  rejectionReason?: string | null;
  createdBy?: string | null;
}

/** One slot a new one would clash with, as a 409 lists them. */
export interface ClashView {
  slotId: string;
  startAt: string;
  endAt: string;
  title: string;
  stationId: string;
  stationName: string;
}
