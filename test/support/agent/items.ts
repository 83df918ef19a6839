import type { ScheduleItem, ScheduleSnapshot } from '@loa/protocol';
import { receiveItem, receiveSnapshot, type AgentItem, type AgentSnapshot } from '../../../apps/agent/src/schedule-items';

/** Builds schedule items for specs; only what a scenario cares about needs stating. */
export function item(occurrenceId: string, startAt: number | string, over: Partial<ScheduleItem> = {}): ScheduleItem {
  const sha = over.media?.sha256 ?? occurrenceId.padEnd(64, '0').replace(/[^0-9a-f]/g, 'a').slice(0, 64);
  return {
    occurrenceId,
    slotId: `slot-${occurrenceId}`,
    startAt: typeof startAt === 'number' ? new Date(startAt).toISOString() : startAt,
    durationMs: 60_000,
    priority: 'normal',
    source: 'relay',
    programme: { id: 'p1', title: `Chuyên mục CCHC ${occurrenceId}`, chuyenMuc: 'Cải cách hành chính' },
    media: { sha256: sha, size: 1000, durationMs: 60_000, url: `/api/media/${sha}` },
    ...over,
  };
}

export function snapshot(version: number, items: ScheduleItem[]): ScheduleSnapshot {
  return {
    stationId: 'st-1',
    version,
    generatedAt: '2026-01-01T00:00:00.000Z',
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-01-03T00:00:00.000Z',
    items,
  };
}

/** The same item as the agent holds it once received: its instant read into epoch milliseconds. */
export function agentItem(occurrenceId: string, startAt: number | string, over: Partial<ScheduleItem> = {}): AgentItem {
  return receiveItem(item(occurrenceId, startAt, over));
}

/** A snapshot as the agent holds it once received; its items may be the wire's or already the agent's. */
export function agentSnapshot(version: number, items: readonly (ScheduleItem | AgentItem)[]): AgentSnapshot {
  return { ...receiveSnapshot(snapshot(version, [])), items: items.map((i) => ('startMs' in i ? i : receiveItem(i))) };
}
