import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LoudnessTarget } from '../media/loudness-target.entity';
import { ChuyenMuc, Topic } from './chuyen-muc.entity';

/** Chuyên mục and their topics as stored. */
export abstract class ChuyenMucRepository {
  abstract get(id: string): Promise<ChuyenMuc | null>;
  abstract byName(name: string): Promise<ChuyenMuc | null>;
  abstract byCode(code: string): Promise<ChuyenMuc | null>;
  abstract insert(row: Omit<ChuyenMuc, 'id'>): Promise<ChuyenMuc>;
  abstract setDeadAir(id: string, deadAirSeconds: number | null): Promise<void>;
  /** Renames it, and its loudness target (kept by name) goes with it. */
  abstract rename(id: string, name: string): Promise<void>;
  abstract retire(id: string, at: string): Promise<void>;
  abstract renameTopic(id: string, name: string): Promise<void>;
  abstract retireTopic(id: string, at: string): Promise<void>;
  /** Every chuyên mục, by name. */
  abstract all(): Promise<ChuyenMuc[]>;
  abstract topic(id: string): Promise<Topic | null>;
  abstract topicNamed(chuyenMucId: string, name: string): Promise<Topic | null>;
  abstract insertTopic(row: Omit<Topic, 'id'>): Promise<Topic>;
  /** Every topic, by name. */
  abstract topics(): Promise<Topic[]>;
}

@Injectable()
export class TypeormChuyenMucRepository extends ChuyenMucRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  get(id: string) {
    return this.db.getRepository(ChuyenMuc).findOneBy({ id });
  }

  byName(name: string) {
    return this.db.getRepository(ChuyenMuc).findOneBy({ name });
  }

  byCode(code: string) {
    return this.db.getRepository(ChuyenMuc).findOneBy({ code });
  }

  insert(row: Omit<ChuyenMuc, 'id'>) {
    const repo = this.db.getRepository(ChuyenMuc);
    return repo.save(repo.create(row));
  }

  async setDeadAir(id: string, deadAirSeconds: number | null) {
    await this.db.getRepository(ChuyenMuc).update({ id }, { deadAirSeconds });
  }

  async rename(id: string, name: string) {
    await this.db.transaction(async (m) => {
      const before = await m.findOneBy(ChuyenMuc, { id });
      if (!before) return;
      await m.update(ChuyenMuc, { id }, { name });
      await m.update(LoudnessTarget, { chuyenMuc: before.name }, { chuyenMuc: name });
    });
  }

  async retire(id: string, at: string) {
    await this.db.getRepository(ChuyenMuc).update({ id }, { retiredAt: at });
  }

  async renameTopic(id: string, name: string) {
    await this.db.getRepository(Topic).update({ id }, { name });
  }

  async retireTopic(id: string, at: string) {
    await this.db.getRepository(Topic).update({ id }, { retiredAt: at });
  }

  all() {
    return this.db.getRepository(ChuyenMuc).find({ order: { name: 'ASC' } });
  }

  topic(id: string) {
    return this.db.getRepository(Topic).findOneBy({ id });
  }

  topicNamed(chuyenMucId: string, name: string) {
    return this.db.getRepository(Topic).findOneBy({ chuyenMucId, name });
  }

  insertTopic(row: Omit<Topic, 'id'>) {
    const repo = this.db.getRepository(Topic);
    return repo.save(repo.create(row));
  }

  topics() {
    return this.db.getRepository(Topic).find({ order: { name: 'ASC' } });
  }
}
