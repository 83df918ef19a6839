import { AccessPolicy, subtreeOf } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { nowInstant } from '../common/columns';
import { LoaError } from '../common/errors';
import { Unit } from './unit.entity';

export interface NewUnit {
  name: string;
  kind: string;
  parentId?: string | null;
  code?: string | null;
}

@Injectable()
export class UnitsService {
  constructor(
    @InjectRepository(Unit) private readonly units: Repository<Unit>,
    private readonly access: AccessPolicy,
  ) {}

  /** A new unit; an admin bound to a unit adds units only below it. */
  async create(input: NewUnit, who?: Principal): Promise<Unit> {
    if (who) await this.access.requireAccess(who, 'write', { kind: 'unit', unitId: input.parentId ?? '' });
    if (input.parentId) await this.get(input.parentId);
    if (input.code && (await this.units.existsBy({ code: input.code }))) {
      throw new LoaError('conflict', `Mã đơn vị "${input.code}" đã được dùng.`);
    }
    return this.units.save(
      this.units.create({ name: input.name, kind: input.kind, parentId: input.parentId ?? null, code: input.code ?? null, createdAt: nowInstant() }),
    );
  }

  /** Every unit, or for `who` bound to a unit: its subtree and the units above it, never a sibling's. */
  async list(who?: Principal): Promise<Unit[]> {
    const all = await this.units.find({ order: { name: 'ASC' } });
    const visible = who ? await this.access.visibleUnitsWithAncestors(who) : undefined;
    return visible ? all.filter((u) => visible.has(u.id)) : all;
  }

  async get(id: string): Promise<Unit> {
    const unit = await this.units.findOneBy({ id });
    if (!unit) throw new LoaError('not_found', 'Không tìm thấy đơn vị này.');
    return unit;
  }

  /**
   * The unit a printed form names as its issuer: the one given, or else the top of the tree (the
   * province), so no form goes out under a placeholder.
   */
  async issuerName(unitId: string | null | undefined): Promise<string> {
    if (unitId) return (await this.get(unitId)).name;
    const roots = await this.units.find({ where: { parentId: IsNull() }, order: { name: 'ASC' } });
    return roots.map((u) => u.name).join(', ');
  }

  /** The unit and every unit below it. */
  async subtreeIds(rootId: string): Promise<string[]> {
    await this.get(rootId);
    const all = await this.units.find({ select: { id: true, parentId: true } });
    return subtreeOf(all, rootId);
  }
}

/** Ids of `rootId` and all its descendants, from a flat list of (id, parentId): the access policy's own walk. */
export { subtreeOf as subtree };
