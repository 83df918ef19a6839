import { AccessPolicy, subtreeOf } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Injectable } from '@nestjs/common';
import type { UnitImportResult } from '@loa/api-types';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { DomainEvents } from '../common/events';
import { Unit } from './unit.entity';
import { readUnitCsv } from './unit-csv';
import { UnitsRepository, type UnitWrite } from './units.repository';

export interface NewUnit {
  name: string;
  kind: string;
  parentId?: string | null;
  code?: string | null;
}

export interface UnitChange {
  name?: string;
  kind?: string;
  code?: string | null;
  /** A new parent: the unit moves with everything below it. */
  parentId?: string;
}

const FROM_ABOVE = 'Chỉ quản trị viên của đơn vị cấp trên mới đổi tên, chuyển, sáp nhập hay giải thể được đơn vị này.';
/** At most this many row problems are listed in one refusal. */
const MAX_PROBLEMS = 50;

@Injectable()
export class UnitsService {
  constructor(
    private readonly repo: UnitsRepository,
    private readonly access: AccessPolicy,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
  ) {}

  /** A new unit; an admin bound to a unit adds units only below it. */
  async create(input: NewUnit, who?: Principal): Promise<Unit> {
    if (who) await this.access.requireAccess(who, 'write', { kind: 'unit', unitId: input.parentId ?? '' });
    if (input.parentId) await this.requireLive(input.parentId);
    if (input.code && (await this.repo.codeTaken(input.code))) {
      throw new LoaError('conflict', `Mã đơn vị "${input.code}" đã được dùng.`);
    }
    return this.repo.insert({ name: input.name, kind: input.kind, parentId: input.parentId ?? null, code: input.code ?? null, createdAt: this.clock.nowInstant(), retiredAt: null, mergedIntoId: null });
  }

  /** Every unit, or for `who` bound to a unit: its subtree and the units above it, never a sibling's. */
  async list(who?: Principal): Promise<Unit[]> {
    const all = await this.repo.all();
    const visible = who ? await this.access.visibleUnitsWithAncestors(who) : undefined;
    return visible ? all.filter((u) => visible.has(u.id)) : all;
  }

  async get(id: string): Promise<Unit> {
    const unit = await this.repo.byId(id);
    if (!unit) throw new LoaError('not_found', 'Không tìm thấy đơn vị này.');
    return unit;
  }

  /** A unit that still exists (not merged away or dissolved). */
  async requireLive(id: string): Promise<Unit> {
    const unit = await this.get(id);
    if (unit.retiredAt) throw new LoaError('invalid_state', `Đơn vị "${unit.name}" đã giải thể hoặc sáp nhập, không dùng được nữa.`);
    return unit;
  }

  /** Renames a unit, changes its level or code, or moves it (with its subtree) under another parent. */
  async update(id: string, change: UnitChange, who: Principal): Promise<Unit> {
    const unit = await this.get(id);
    await this.access.requireAccess(who, 'write', { kind: 'unit-below', unitId: id }, FROM_ABOVE);
    if (unit.retiredAt) throw new LoaError('invalid_state', `Đơn vị "${unit.name}" đã giải thể hoặc sáp nhập, không sửa được nữa.`);
    if (change.code && (await this.repo.codeTaken(change.code, id))) throw new LoaError('conflict', `Mã đơn vị "${change.code}" đã được dùng.`);
    if (change.parentId !== undefined && change.parentId !== unit.parentId) {
      const parent = await this.requireLive(change.parentId);
      await this.access.requireUnit(who, parent.id, 'write');
      if (subtreeOf(await this.repo.links(), id).includes(parent.id)) {
        throw new LoaError('validation_failed', `Không thể chuyển "${unit.name}" vào "${parent.name}" vì "${parent.name}" đang thuộc chính nó.`, { field: 'parentId' });
      }
    }
    await this.repo.update(id, {
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.kind !== undefined ? { kind: change.kind } : {}),
      ...(change.code !== undefined ? { code: change.code } : {}),
      ...(change.parentId !== undefined ? { parentId: change.parentId } : {}),
    });
    if (change.parentId !== undefined && change.parentId !== unit.parentId) this.events.emit({ type: 'stations.changed', stationIds: 'all' });
    return this.get(id);
  }

  /**
   * Merges `absorbedId` into `intoId` (two communes become one): the merged unit keeps the stations, the
   * plan targets, the slots aimed at either and the history of both; the absorbed unit is retired.
   */
  async merge(absorbedId: string, intoId: string, who: Principal): Promise<Unit> {
    if (absorbedId === intoId) throw new LoaError('validation_failed', 'Không thể sáp nhập một đơn vị vào chính nó.', { field: 'intoId' });
    const absorbed = await this.requireLive(absorbedId);
    const into = await this.requireLive(intoId);
    await this.access.requireAccess(who, 'write', { kind: 'unit-below', unitId: absorbedId }, FROM_ABOVE);
    await this.access.requireAccess(who, 'write', { kind: 'unit-below', unitId: intoId }, FROM_ABOVE);
    const links = await this.repo.links();
    if (subtreeOf(links, absorbedId).includes(intoId) || subtreeOf(links, intoId).includes(absorbedId)) {
      throw new LoaError('validation_failed', `Chỉ sáp nhập được hai đơn vị không trực thuộc nhau ("${absorbed.name}", "${into.name}").`, { field: 'intoId' });
    }
    const moved = await this.repo.merge(absorbedId, intoId, this.clock.nowInstant());
    this.events.emit({ type: 'stations.changed', stationIds: moved });
    return this.get(intoId);
  }

  /** Dissolves a unit that no longer has stations or units of its own; what it recorded keeps its name. */
  async retire(id: string, who: Principal): Promise<Unit> {
    const unit = await this.requireLive(id);
    await this.access.requireAccess(who, 'write', { kind: 'unit-below', unitId: id }, FROM_ABOVE);
    const inside = await this.repo.contents(id);
    if (inside.stations || inside.children) {
      throw new LoaError(
        'invalid_state',
        `Đơn vị "${unit.name}" còn ${inside.stations} trạm và ${inside.children} đơn vị cấp dưới: hãy chuyển chúng đi hoặc sáp nhập đơn vị này vào đơn vị khác trước khi giải thể.`,
        inside,
      );
    }
    await this.repo.update(id, { retiredAt: this.clock.nowInstant() });
    return this.get(id);
  }

  /**
   * A unit tree from CSV (code, name, level, parent code): a province's list after a reorganisation. Every
   * row is checked first; one bad row refuses the whole file (422 `import_invalid`, naming each row and
   * why) and nothing changes. Units are matched by code: a known code is renamed or moved, a new one added.
   */
  async importCsv(text: string, who: Principal): Promise<UnitImportResult> {
    const all = await this.repo.all();
    const byCode = new Map(all.filter((u) => u.code).map((u) => [u.code!, u]));
    const { rows, problems } = readUnitCsv(text, new Set(byCode.keys()));
    const reach = await this.access.reach(who);
    const links = all.map((u) => ({ id: u.id, parentId: u.parentId }));
    const whoUnit = who.kind === 'user' ? who.unitId : null;
    const allowedUnder = (unitId: string) => reach.all || reach.units.has(unitId);
    for (const r of rows) {
      const line = r.line;
      const existing = byCode.get(r.code);
      const parent = r.parentCode ? byCode.get(r.parentCode) : undefined;
      if (existing?.retiredAt) problems.push({ row: line, message: `đơn vị "${r.code}" đã giải thể hoặc sáp nhập.` });
      else if (parent?.retiredAt) problems.push({ row: line, message: `đơn vị cấp trên "${r.parentCode}" đã giải thể hoặc sáp nhập.` });
      else if (!r.parentCode && !reach.all) problems.push({ row: line, message: 'chỉ quản trị viên cấp cao nhất mới thêm được đơn vị không có cấp trên.' });
      else if (parent && !allowedUnder(parent.id)) problems.push({ row: line, message: `đơn vị cấp trên "${r.parentCode}" nằm ngoài đơn vị của bạn.` });
      else if (existing && (!allowedUnder(existing.id) || existing.id === whoUnit)) problems.push({ row: line, message: `bạn không có quyền sửa đơn vị "${r.code}".` });
      else if (existing && parent && subtreeOf(links, existing.id).includes(parent.id)) problems.push({ row: line, message: `không thể đặt "${r.code}" dưới "${r.parentCode}", vốn đang thuộc chính nó.` });
    }
    if (problems.length) throw importRefusal(problems.sort((a, b) => a.row - b.row));
    const writes: UnitWrite[] = rows.map((r) => ({ id: byCode.get(r.code)?.id, code: r.code, name: r.name, kind: r.kind, parentId: null }));
    const result: UnitImportResult = { created: 0, updated: 0, unchanged: 0 };
    for (const r of rows) {
      const existing = byCode.get(r.code);
      if (!existing) result.created++;
      else if (existing.name === r.name && existing.kind === r.kind && (existing.parentId ?? null) === (r.parentCode ? (byCode.get(r.parentCode)?.id ?? 'new') : null)) result.unchanged++;
      else result.updated++;
    }
    await this.repo.writeTree(writes, new Map(rows.map((r) => [r.code, r.parentCode])), this.clock.nowInstant());
    this.events.emit({ type: 'stations.changed', stationIds: 'all' });
    return result;
  }

  /**
   * The unit a printed form names as its issuer: the one given, or else the top of the tree (the
   * province), so no form goes out under a placeholder.
   */
  async issuerName(unitId: string | null | undefined): Promise<string> {
    if (unitId) return (await this.get(unitId)).name;
    return (await this.repo.roots()).map((u) => u.name).join(', ');
  }

  /** The unit and every unit below it (units merged into it included: they sit under it, retired). */
  async subtreeIds(rootId: string): Promise<string[]> {
    await this.get(rootId);
    return subtreeOf(await this.repo.links(), rootId);
  }
}

function importRefusal(problems: readonly { row: number; message: string }[]): LoaError {
  const listed = problems.slice(0, MAX_PROBLEMS);
  const first = listed[0];
  return new LoaError(
    'import_invalid',
    `Tệp không được nhập, chưa có gì thay đổi. Dòng ${first.row}: ${first.message}${problems.length > 1 ? ` (và ${problems.length - 1} lỗi khác)` : ''}`,
    { problems: listed },
  );
}

/** Ids of `rootId` and all its descendants, from a flat list of (id, parentId): the access policy's own walk. */
export { subtreeOf as subtree };
