import type { TargetKind } from './slot.entity';

/** The facts target resolution needs, as plain rows. */
export interface TargetWorld {
  stations: readonly { id: string; unitId: string }[];
  units: readonly { id: string; parentId: string | null }[];
  groupMembers: readonly { groupId: string; stationId: string }[];
  clusters: readonly { id: string; stationId: string }[];
}

export interface TargetRef {
  kind: TargetKind;
  refId: string;
}

/**
 * The stations a slot airs on, each with the speaker clusters to use (null: the whole station).
 * A unit means every station under it now, so stations added later are included at the next expansion.
 */
export function resolveTargets(targets: readonly TargetRef[], world: TargetWorld): Map<string, string[] | null> {
  const out = new Map<string, string[] | null>();
  const whole = (stationId: string) => out.set(stationId, null);
  const children = new Map<string, string[]>();
  for (const u of world.units) {
    if (!u.parentId) continue;
    const list = children.get(u.parentId) ?? [];
    list.push(u.id);
    children.set(u.parentId, list);
  }
  for (const t of targets) {
    switch (t.kind) {
      case 'station':
        if (world.stations.some((s) => s.id === t.refId)) whole(t.refId);
        break;
      case 'group':
        for (const m of world.groupMembers) if (m.groupId === t.refId) whole(m.stationId);
        break;
      case 'unit': {
        const units = new Set<string>();
        const stack = [t.refId];
        while (stack.length) {
          const id = stack.pop()!;
          if (units.has(id)) continue;
          units.add(id);
          stack.push(...(children.get(id) ?? []));
        }
        for (const s of world.stations) if (units.has(s.unitId)) whole(s.id);
        break;
      }
      case 'cluster':
        break;
    }
  }
  for (const t of targets) {
    if (t.kind !== 'cluster') continue;
    const cluster = world.clusters.find((c) => c.id === t.refId);
    if (!cluster) continue;
    const current = out.get(cluster.stationId);
    if (current === null) continue; // already the whole station
    out.set(cluster.stationId, [...(current ?? []), cluster.id].sort());
  }
  return out;
}
