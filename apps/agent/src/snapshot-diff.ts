import type { AgentItem, AgentSnapshot } from './schedule-items';

export interface SnapshotDiff {
  added: AgentItem[];
  removed: AgentItem[];
  /** Same occurrence, something about it changed; `before` is the item as previously held. */
  changed: { before: AgentItem; after: AgentItem }[];
  unchanged: AgentItem[];
  /** Media the new snapshot needs that the previous one did not reference. */
  mediaToFetch: string[];
  /** Media the previous snapshot referenced and the new one no longer does. */
  mediaToEvict: string[];
}

function sameItem(a: AgentItem, b: AgentItem): boolean {
  return (
    a.slotId === b.slotId &&
    a.startMs === b.startMs &&
    a.durationMs === b.durationMs &&
    a.priority === b.priority &&
    a.source === b.source &&
    a.programme.id === b.programme.id &&
    a.programme.title === b.programme.title &&
    a.programme.chuyenMuc === b.programme.chuyenMuc &&
    a.media.sha256 === b.media.sha256 &&
    a.media.size === b.media.size &&
    a.media.durationMs === b.media.durationMs &&
    a.media.url === b.media.url
  );
}

/** Compares two snapshots by occurrence id. Pure. */
export function diffSnapshots(prev: AgentSnapshot | null, next: AgentSnapshot): SnapshotDiff {
  const before = new Map((prev?.items ?? []).map((i) => [i.occurrenceId, i]));
  const diff: SnapshotDiff = { added: [], removed: [], changed: [], unchanged: [], mediaToFetch: [], mediaToEvict: [] };
  const seen = new Set<string>();
  for (const item of next.items) {
    seen.add(item.occurrenceId);
    const old = before.get(item.occurrenceId);
    if (!old) diff.added.push(item);
    else if (sameItem(old, item)) diff.unchanged.push(item);
    else diff.changed.push({ before: old, after: item });
  }
  for (const [occurrenceId, item] of before) if (!seen.has(occurrenceId)) diff.removed.push(item);

  const oldMedia = new Set((prev?.items ?? []).map((i) => i.media.sha256));
  const newMedia = new Set(next.items.map((i) => i.media.sha256));
  diff.mediaToFetch = [...newMedia].filter((s) => !oldMedia.has(s)).sort();
  diff.mediaToEvict = [...oldMedia].filter((s) => !newMedia.has(s)).sort();
  return diff;
}
