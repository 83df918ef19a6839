import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import { PlanTarget } from '../plan-targets/plan-target.entity';
import { SlotTargetRef } from '../schedule/slot.entity';
import { Station } from '../stations/station.entity';
import { Unit } from './unit.entity';

/** A unit to write in an import: a new one (no id) or an existing one's new name, level and parent. */
export interface UnitWrite {
  id?: string;
  code: string;
  name: string;
  kind: string;
  parentId: string | null;
}

/** Every read and write of the unit tree. */
@Injectable()
export class UnitsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  all(): Promise<Unit[]> {
    return this.db.getRepository(Unit).find({ order: { name: 'ASC' } });
  }

  links(): Promise<Pick<Unit, 'id' | 'parentId'>[]> {
    return this.db.getRepository(Unit).find({ select: { id: true, parentId: true } });
  }

  roots(): Promise<Unit[]> {
    return this.db.getRepository(Unit).find({ where: { parentId: IsNull() }, order: { name: 'ASC' } });
  }

  byId(id: string): Promise<Unit | null> {
    return this.db.getRepository(Unit).findOneBy({ id });
  }

  byCodes(codes: readonly string[]): Promise<Unit[]> {
    return codes.length ? this.db.getRepository(Unit).findBy({ code: In([...codes]) }) : Promise.resolve([]);
  }

  codeTaken(code: string, except?: string): Promise<boolean> {
    return this.db
      .getRepository(Unit)
      .findOneBy({ code })
      .then((u) => u !== null && u.id !== except);
  }

  insert(row: Omit<Unit, 'id'>): Promise<Unit> {
    const repo = this.db.getRepository(Unit);
    return repo.save(repo.create(row));
  }

  async update(id: string, change: Partial<Pick<Unit, 'name' | 'kind' | 'code' | 'parentId' | 'retiredAt' | 'mergedIntoId'>>): Promise<void> {
    await this.db.getRepository(Unit).update({ id }, change);
  }

  /** How many stations and live units sit directly in a unit. */
  async contents(id: string): Promise<{ stations: number; children: number }> {
    const [stations, children] = await Promise.all([
      this.db.getRepository(Station).countBy({ unitId: id }),
      this.db.getRepository(Unit).countBy({ parentId: id, retiredAt: IsNull() }),
    ]);
    return { stations, children };
  }

  /**
   * One commune absorbed into another, in one transaction: its stations, its units below, its plan targets
   * and the slots aimed at it move to `intoId`; it stays in the tree, retired, under the unit that took it
   * over, so what was recorded under its name is still found from there. Returns the stations moved.
   */
  merge(absorbedId: string, intoId: string, at: string): Promise<string[]> {
    return this.db.transaction(async (m: EntityManager) => {
      const stations = await m.find(Station, { select: { id: true }, where: { unitId: absorbedId } });
      if (stations.length) await m.update(Station, { unitId: absorbedId }, { unitId: intoId });
      await m.update(Unit, { parentId: absorbedId }, { parentId: intoId });
      await m.update(PlanTarget, { unitId: absorbedId }, { unitId: intoId });
      const refs = await m.findBy(SlotTargetRef, { kind: 'unit', refId: absorbedId });
      for (const ref of refs) {
        await m.delete(SlotTargetRef, { slotId: ref.slotId, kind: 'unit', refId: absorbedId });
        if (!(await m.existsBy(SlotTargetRef, { slotId: ref.slotId, kind: 'unit', refId: intoId }))) await m.insert(SlotTargetRef, { slotId: ref.slotId, kind: 'unit', refId: intoId });
      }
      await m.update(Unit, { id: absorbedId }, { parentId: intoId, retiredAt: at, mergedIntoId: intoId });
      return stations.map((s) => s.id);
    });
  }

  /** Writes an import's units, parents before children, in one transaction: all of them or none. */
  writeTree(rows: readonly UnitWrite[], parentCodes: ReadonlyMap<string, string | null>, at: string): Promise<void> {
    return this.db.transaction(async (m) => {
      const ids = new Map<string, string>();
      for (const r of rows) if (r.id) ids.set(r.code, r.id);
      const existing = await m.findBy(Unit, { code: In([...new Set([...parentCodes.values()].filter((c): c is string => c !== null))]) });
      for (const u of existing) if (u.code) ids.set(u.code, u.id);
      for (const r of rows) {
        const parentCode = parentCodes.get(r.code) ?? null;
        const parentId = parentCode === null ? null : (ids.get(parentCode) ?? null);
        if (r.id) {
          await m.update(Unit, { id: r.id }, { name: r.name, kind: r.kind, parentId });
        } else {
          const saved = await m.save(m.create(Unit, { code: r.code, name: r.name, kind: r.kind, parentId, createdAt: at, retiredAt: null, mergedIntoId: null }));
          ids.set(r.code, saved.id);
        }
      }
    });
  }
}
