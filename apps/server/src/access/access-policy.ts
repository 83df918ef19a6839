import { Injectable } from '@nestjs/common';
import type { Priority, SlotSource } from '@loa/protocol';
import type { Principal, Role, RouteScope } from '../auth/principal';
import { LoaError } from '../common/errors';
import { AccessRepository } from './access.repository';

/**
 * Who may reach what, by unit. Every rule that confines a person to a part of the unit tree lives in
 * this file: the pure functions decide, the injectable AccessPolicy loads the facts they need.
 *
 * - A person bound to a unit acts only inside that unit's subtree (the unit and every unit below it),
 *   whatever the role: reads, writes, approvals, live relays, exports.
 * - A person with no unit works for the whole system (an admin, or staff of a one-province install),
 *   except a commune operator, who reaches nothing until placed in a unit.
 * - Programmes and uploaded audio belong to the unit of the person who made them: visible to that unit,
 *   to the levels above it, and to the units below it (an upper level shares downward), never to a
 *   sibling. Made by someone with no unit, they are shared with everyone.
 */

export const OUTSIDE_UNIT = 'Bạn chỉ làm việc được với các trạm thuộc đơn vị mình.';
export const NO_UNIT = 'Tài khoản chưa được xếp vào đơn vị nào nên chưa xem được dữ liệu này. Hãy liên hệ quản trị viên.';

export interface UnitLink {
  id: string;
  parentId: string | null;
}

/** The units a principal reaches: every unit, or the listed ones (a subtree; possibly none). */
export type Reach = { all: true } | { all: false; units: ReadonlySet<string> };

export const EVERYWHERE: Reach = { all: true };
export const NOWHERE: Reach = { all: false, units: new Set() };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** Ids of `rootId` and all its descendants. */
export function subtreeOf(units: readonly UnitLink[], rootId: string): string[] {
  const children = new Map<string, string[]>();
  for (const u of units) {
    if (!u.parentId) continue;
    const list = children.get(u.parentId) ?? [];
    list.push(u.id);
    children.set(u.parentId, list);
  }
  const out: string[] = [];
  const stack = [rootId];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
    stack.push(...(children.get(id) ?? []));
  }
  return out;
}

/** Ids of the units above `id`, nearest first. */
export function ancestorsOf(units: readonly UnitLink[], id: string): string[] {
  const parent = new Map(units.map((u) => [u.id, u.parentId]));
  const out: string[] = [];
  const seen = new Set<string>([id]);
  let at = parent.get(id) ?? null;
  while (at && !seen.has(at)) {
    out.push(at);
    seen.add(at);
    at = parent.get(at) ?? null;
  }
  return out;
}

/** How far a principal reaches in the unit tree. A station's agent reaches no unit through this policy. */
export function reachOf(who: Principal | { role: Role; unitId: string | null } | null, units: readonly UnitLink[]): Reach {
  if (who === null) return EVERYWHERE; // the server itself (seeding, jobs)
  if ('kind' in who && who.kind === 'agent') return NOWHERE;
  const { role, unitId } = who as { role: Role; unitId: string | null };
  if (!unitId) return role === 'operator' ? NOWHERE : EVERYWHERE;
  return { all: false, units: new Set(subtreeOf(units, unitId)) };
}

export function reaches(reach: Reach, unitId: string | null | undefined): boolean {
  if (reach.all) return true;
  return typeof unitId === 'string' && reach.units.has(unitId);
}

/** What is being done: reading, or changing (writing, approving, stopping, cancelling). */
export type AccessAction = 'read' | 'write';

/**
 * What is being reached, by the units it lies in.
 * - `unit`, `station`: one place.
 * - `targets`: a slot's or a relay's stations (their units): read when one of them is reached, changed
 *   only when every one is, so nobody acts on a sibling's station through a shared broadcast.
 * - `owned`: a programme, an upload or a calendar link, by its maker and the maker's unit.
 * - `unit-below`: a unit's own record (its name, place in the tree, merger, retirement), changed only from
 *   above: by someone bound to a unit above it, never by the unit's own staff.
 * - `nationwide`: what applies to every unit (the days off the government declares, the chuyên mục): only by someone
 *   bound to no unit.
 */
export type AccessResource =
  | { kind: 'unit'; unitId: string }
  | { kind: 'station'; unitId: string }
  | { kind: 'targets'; unitIds: readonly string[] }
  | { kind: 'owned'; ownerId: string | null; ownerUnitId: string | null }
  | { kind: 'unit-below'; unitId: string }
  | { kind: 'nationwide' };

/** The one decision: may `who` (reaching `reach`, in a tree of `units`) do `action` on `resource`? */
export function allows(who: UserPrincipal | null, reach: Reach, action: AccessAction, resource: AccessResource, units: readonly UnitLink[]): boolean {
  switch (resource.kind) {
    case 'unit':
    case 'station':
      return reaches(reach, resource.unitId);
    case 'targets':
      if (reach.all) return true;
      if (action === 'read') return resource.unitIds.some((u) => reaches(reach, u));
      return resource.unitIds.length > 0 && resource.unitIds.every((u) => reaches(reach, u));
    case 'unit-below':
      if (reach.all) return true;
      return reaches(reach, resource.unitId) && resource.unitId !== who?.unitId;
    case 'nationwide':
      return reach.all;
    case 'owned': {
      if (reach.all) return true;
      if (who && resource.ownerId === who.userId) return true;
      if (resource.ownerUnitId === null) return action === 'read';
      if (reaches(reach, resource.ownerUnitId)) return true;
      // Shared downward: what an upper level made is read by the units below it.
      return action === 'read' && who?.unitId != null && ancestorsOf(units, who.unitId).includes(resource.ownerUnitId);
    }
  }
}

/** Who acts on the schedule; null is the system itself (seeding, the demo). */
export type Actor = { userId: string; username: string; role: Role; unitId: string | null } | null;

export interface SlotScope {
  source: SlotSource;
  priority: Priority;
  /** Every station the slot airs on. */
  stationIds: readonly string[];
}

/** The stations a reach covers, or 'all'. */
export type OwnStations = ReadonlySet<string> | 'all';

export function ownStationsOf(reach: Reach, stations: readonly { id: string; unitId: string }[]): OwnStations {
  if (reach.all) return 'all';
  return new Set(stations.filter((s) => reach.units.has(s.unitId)).map((s) => s.id));
}

function allOwn(stationIds: readonly string[], own: OwnStations): boolean {
  if (own === 'all') return true;
  return stationIds.length > 0 && stationIds.every((s) => own.has(s));
}

/**
 * A commune operator works on its own station's local programmes: source `local`, not an emergency.
 * Every author, whatever the role, works only on stations inside its reach.
 */
export function mayAuthor(actor: Actor, slot: SlotScope, own: OwnStations): boolean {
  if (actor === null) return true;
  switch (actor.role) {
    case 'admin':
    case 'editor':
    case 'approver':
      return allOwn(slot.stationIds, own);
    case 'operator':
      return slot.source === 'local' && slot.priority !== 'emergency' && allOwn(slot.stationIds, own);
    case 'inspector':
      return false;
  }
}

export function mayApprove(actor: Actor, slot: SlotScope, own: OwnStations): boolean {
  if (actor === null) return true;
  switch (actor.role) {
    case 'admin':
    case 'approver':
      return allOwn(slot.stationIds, own);
    case 'operator':
      return slot.source === 'local' && slot.priority !== 'emergency' && allOwn(slot.stationIds, own);
    case 'editor':
    case 'inspector':
      return false;
  }
}

/**
 * Declining or moving one airing on a station: TT39 lets the commune decide on normal (thông thường)
 * items; priority and emergency ones are the upper level's to change. `stationIds` are the slot's
 * stations, for an edit that applies to all of them (stationId null).
 */
export function mayEditAiring(actor: Actor, priority: Priority, stationId: string | null, stationIds: readonly string[], own: OwnStations): boolean {
  if (actor === null) return true;
  const where = stationId === null ? stationIds : [stationId];
  switch (actor.role) {
    case 'admin':
    case 'editor':
    case 'approver':
      return allOwn(where, own);
    case 'operator':
      return priority === 'normal' && stationId !== null && allOwn(where, own);
    case 'inspector':
      return false;
  }
}

/**
 * The injectable face of the policy: loads the unit tree and the stations' units, and answers or
 * refuses (403 `forbidden`, a Vietnamese reason). Services call it; the guard calls it for routes that
 * name a station, a unit or a slot.
 */
@Injectable()
export class AccessPolicy {
  constructor(private readonly facts: AccessRepository) {}

  units(): Promise<UnitLink[]> {
    return this.facts.units();
  }

  async reach(who: Principal): Promise<Reach> {
    if (who.kind === 'user' && !who.unitId) return reachOf(who, []);
    return reachOf(who, await this.units());
  }

  /** Refuses unless `who` may do `action` on `resource`. */
  async requireAccess(who: Principal, action: AccessAction, resource: AccessResource, message = OUTSIDE_UNIT): Promise<void> {
    if (!(await this.may(who, action, resource))) throw new LoaError('forbidden', message);
  }

  async may(who: Principal, action: AccessAction, resource: AccessResource): Promise<boolean> {
    if (who.kind !== 'user') return false;
    const units = await this.units();
    return allows(who, reachOf(who, units), action, resource, units);
  }

  /** The stations `who` may see, or undefined for all: to narrow lists that mix every unit's rows. */
  async visibleStations(who: Principal): Promise<Set<string> | undefined> {
    const reach = await this.reach(who);
    if (reach.all) return undefined;
    if (!reach.units.size) return new Set();
    const rows = await this.facts.stationsInUnits([...reach.units]);
    return new Set(rows.map((s) => s.id));
  }

  /**
   * The units whose own rows `who` may read from above and below: its reach plus the chain of units above
   * its unit (what an upper level sets applies to it, and the console names where it sits). Undefined for all.
   */
  async visibleUnitsWithAncestors(who: Principal): Promise<Set<string> | undefined> {
    if (who.kind !== 'user') return new Set();
    const units = await this.units();
    const reach = reachOf(who, units);
    if (reach.all) return undefined;
    return new Set([...reach.units, ...(who.unitId ? ancestorsOf(units, who.unitId) : [])]);
  }

  /** Keeps the rows whose station `who` may see. */
  async filterByStation<T>(who: Principal, rows: readonly T[], stationOf: (row: T) => string): Promise<T[]> {
    const visible = await this.visibleStations(who);
    return visible ? rows.filter((r) => visible.has(stationOf(r))) : [...rows];
  }

  /**
   * Narrows a read over many stations (the logbook, a report, a dossier) to what `who` reaches: someone
   * bound to a unit gets that unit's subtree when the filter names no unit, and is refused a unit or a
   * station outside it; a commune operator placed in no unit reads nothing; an agent reads none of it.
   */
  async narrow<T extends { unitId?: string; stationId?: string }>(who: Principal, filter: T, message = OUTSIDE_UNIT): Promise<T> {
    if (who.kind !== 'user') throw new LoaError('forbidden', message);
    const reach = await this.reach(who);
    if (reach.all) return filter;
    if (!who.unitId) throw new LoaError('forbidden', NO_UNIT);
    if (filter.unitId && !reach.units.has(filter.unitId)) throw new LoaError('forbidden', message);
    if (filter.stationId) await this.requireStation(who, filter.stationId);
    return filter.unitId ? filter : { ...filter, unitId: who.unitId };
  }

  /** Refuses a station outside `who`'s reach; a station that does not exist passes (the route answers 404). */
  async requireStation(who: Principal, stationId: string, action: AccessAction = 'read'): Promise<void> {
    const [station] = await this.facts.stations([stationId]);
    if (station) await this.requireAccess(who, action, { kind: 'station', unitId: station.unitId });
  }

  /** Refuses a unit outside `who`'s reach; a unit that does not exist passes. */
  async requireUnit(who: Principal, unitId: string, action: AccessAction = 'read'): Promise<void> {
    if (await this.facts.unitExists(unitId)) await this.requireAccess(who, action, { kind: 'unit', unitId });
  }

  /** Refuses a set of stations (a slot's, a relay's) outside `who`'s reach: some for a read, every one for a change. */
  async requireTargets(who: Principal, action: AccessAction, stationIds: readonly string[], message?: string): Promise<void> {
    await this.requireAccess(who, action, { kind: 'targets', unitIds: await this.unitsOfStations(stationIds) }, message);
  }

  async unitsOfStations(stationIds: readonly string[]): Promise<string[]> {
    if (!stationIds.length) return [];
    const rows = await this.facts.stations(stationIds);
    return rows.map((s) => s.unitId);
  }

  /** The unit each user belongs to, for deciding who sees what those users made. */
  async unitsOfUsers(userIds: readonly (string | null)[]): Promise<Map<string, string | null>> {
    const ids = [...new Set(userIds.filter((id): id is string => id !== null))];
    if (!ids.length) return new Map();
    const rows = await this.facts.users(ids);
    return new Map(rows.map((u) => [u.id, u.unitId]));
  }

  /** Keeps the rows (programmes, uploads, calendar links) `who` may read (or change), by their maker's unit. */
  async filterOwned<T>(who: Principal, rows: readonly T[], ownerOf: (row: T) => string | null, action: AccessAction = 'read'): Promise<T[]> {
    if (who.kind !== 'user') return [];
    const units = await this.units();
    const reach = reachOf(who, units);
    if (reach.all) return [...rows];
    const owners = await this.unitsOfUsers(rows.map(ownerOf));
    return rows.filter((r) => {
      const ownerId = ownerOf(r);
      return allows(who, reach, action, { kind: 'owned', ownerId, ownerUnitId: ownerId ? (owners.get(ownerId) ?? null) : null }, units);
    });
  }

  /** Refuses a programme or an upload `who` may not read (or change) by its maker's unit. */
  async requireOwned(who: Principal, action: AccessAction, ownerId: string | null, message?: string): Promise<void> {
    const ownerUnitId = ownerId ? ((await this.unitsOfUsers([ownerId])).get(ownerId) ?? null) : null;
    await this.requireAccess(who, action, { kind: 'owned', ownerId, ownerUnitId }, message);
  }

  /**
   * The guard's check for a route that names a station, a unit or a slot in its path, and for any
   * `?stationId=` in its query. Names that match nothing pass, so the route answers 404.
   */
  async checkRoute(who: Principal, route: RouteScope | undefined, params: Record<string, unknown>, query: Record<string, unknown>, slotStations: (id: string) => Promise<string[] | null>): Promise<void> {
    if (who.kind !== 'user') return;
    const reach = await this.reach(who);
    if (reach.all) return;
    const stationId = query['stationId'];
    if (typeof stationId === 'string' && stationId) await this.requireStation(who, stationId);
    const id = route ? params[route.param] : undefined;
    if (!route || typeof id !== 'string') return;
    switch (route.kind) {
      case 'station':
        return this.requireStation(who, id);
      case 'unit':
        return this.requireUnit(who, id);
      case 'slot': {
        const stations = await slotStations(id);
        if (stations) await this.requireTargets(who, 'read', stations);
        return;
      }
    }
  }
}
