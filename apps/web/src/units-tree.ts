import type { UnitView } from '@loa/api-types';

/** One row of the unit tree as the console lists it: the unit and how deep it sits. */
export interface UnitRow {
  unit: UnitView;
  depth: number;
}

/** Ids of a unit and every unit below it. */
export function subtreeIds(units: readonly UnitView[], id: string): Set<string> {
  const out = new Set<string>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const u of units) {
      if (u.parentId && out.has(u.parentId) && !out.has(u.id)) {
        out.add(u.id);
        grew = true;
      }
    }
  }
  return out;
}

/**
 * The tree in reading order (each unit followed by the units below it, by name), the units the user sees
 * without their parent at the top. Retired units stay, after the live ones of their level.
 */
export function unitRows(units: readonly UnitView[]): UnitRow[] {
  const ids = new Set(units.map((u) => u.id));
  const order = (a: UnitView, b: UnitView) => Number(Boolean(a.retiredAt)) - Number(Boolean(b.retiredAt)) || a.name.localeCompare(b.name, 'vi');
  const out: UnitRow[] = [];
  const seen = new Set<string>();
  const walk = (u: UnitView, depth: number) => {
    if (seen.has(u.id)) return;
    seen.add(u.id);
    out.push({ unit: u, depth });
    for (const c of units.filter((x) => x.parentId === u.id).sort(order)) walk(c, depth + 1);
  };
  for (const top of units.filter((u) => !u.parentId || !ids.has(u.parentId)).sort(order)) walk(top, 0);
  return out;
}

/** Where a unit may move: any live unit outside its own subtree, other than its present parent. */
export function moveTargets(units: readonly UnitView[], id: string): UnitView[] {
  const own = subtreeIds(units, id);
  const me = units.find((u) => u.id === id);
  return units.filter((u) => !u.retiredAt && !own.has(u.id) && u.id !== me?.parentId);
}

/** What a unit may merge into: a live unit neither above nor below it. */
export function mergeTargets(units: readonly UnitView[], id: string): UnitView[] {
  const below = subtreeIds(units, id);
  return units.filter((u) => !u.retiredAt && !below.has(u.id) && !subtreeIds(units, u.id).has(id));
}

/** The rows an import refused, from the error's details, in file order. */
export function importProblems(details: unknown): { row: number; message: string }[] {
  const list = (details as { problems?: unknown } | null)?.problems;
  if (!Array.isArray(list)) return [];
  return list
    .filter((p): p is { row: number; message: string } => typeof p?.row === 'number' && typeof p?.message === 'string')
    .sort((a, b) => a.row - b.row);
}
