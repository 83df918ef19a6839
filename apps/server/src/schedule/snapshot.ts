import type { Priority, ScheduleItem, ScheduleSnapshot, SlotSource, StartMode } from '@loa/protocol';
import { isInstant } from '@loa/protocol';

/** One airing of a slot on a station, as the database gives it: plain data, no ORM types. */
export interface AiringRow {
  slotId: string;
  startAt: string;
  durationMs: number;
  priority: Priority;
  source: SlotSource;
  startMode: StartMode;
  waitMs: number;
  clusterIds: string[] | null;
  programmeId: string;
  title: string;
  chuyenMuc: string;
  /** The chuyên mục's own dead-air threshold, when it has one. */
  deadAirSeconds: number | null;
  sha256: string;
  size: number;
  mediaDurationMs: number;
  /** The language version the audio is, when it is not the programme's own Vietnamese audio. */
  language?: string | null;
}

/** Stable name of one airing: the slot and its instant. Moving an airing makes a new occurrence. */
export function occurrenceIdOf(slotId: string, startAt: string): string {
  return `${slotId}@${startAt}`;
}

/** The instant inside an occurrence id, or null when the id is not one of ours. */
export function instantOfOccurrence(occurrenceId: string): string | null {
  const at = occurrenceId.slice(occurrenceId.lastIndexOf('@') + 1);
  return isInstant(at) ? at : null;
}

export function mediaUrlOf(sha256: string): string {
  return `/api/media/files/${sha256}`;
}

/** The station's schedule for [from, to), in start order, as the agent receives it. */
export function buildSnapshot(
  stationId: string,
  version: number,
  rows: readonly AiringRow[],
  window: { from: string; to: string; now: string },
): ScheduleSnapshot {
  const items: ScheduleItem[] = rows
    .filter((r) => r.startAt >= window.from && r.startAt < window.to)
    .map((r) => ({
      occurrenceId: occurrenceIdOf(r.slotId, r.startAt),
      slotId: r.slotId,
      startAt: r.startAt,
      durationMs: r.durationMs,
      priority: r.priority,
      source: r.source,
      startMode: r.startMode,
      ...(r.startMode === 'wait' ? { waitMs: r.waitMs } : {}),
      ...(r.clusterIds ? { clusterIds: r.clusterIds } : {}),
      programme: { id: r.programmeId, title: r.title, chuyenMuc: r.chuyenMuc },
      ...(r.deadAirSeconds ? { deadAirMs: r.deadAirSeconds * 1000 } : {}),
      media: { sha256: r.sha256, size: r.size, durationMs: r.mediaDurationMs, url: mediaUrlOf(r.sha256) },
      ...(r.language ? { language: r.language } : {}),
    }))
    .sort((a, b) => (a.startAt < b.startAt ? -1 : a.startAt > b.startAt ? 1 : a.occurrenceId.localeCompare(b.occurrenceId)));
  return { stationId, version, generatedAt: window.now, from: window.from, to: window.to, items };
}

export interface Interval {
  startAt: string;
  endAt: string;
}

/** Half-open intervals [start, end) overlap when each starts before the other ends. */
export function overlaps(a: Interval, b: Interval): boolean {
  return a.startAt < b.endAt && b.startAt < a.endAt;
}
