import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Programme } from './programme.entity';

export type NewProgrammeRow = Omit<Programme, 'id'>;

/** Programmes as stored. */
export abstract class ProgrammesRepository {
  abstract insert(row: NewProgrammeRow): Promise<Programme>;
  abstract get(id: string): Promise<Programme | null>;
  /** Every programme, newest first. */
  abstract all(): Promise<Programme[]>;
  abstract setPublic(id: string, isPublic: boolean): Promise<void>;
}

@Injectable()
export class TypeormProgrammesRepository extends ProgrammesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  insert(row: NewProgrammeRow) {
    const repo = this.db.getRepository(Programme);
    return repo.save(repo.create(row));
  }

  get(id: string) {
    return this.db.getRepository(Programme).findOneBy({ id });
  }

  all() {
    return this.db.getRepository(Programme).find({ order: { createdAt: 'DESC' } });
  }

  async setPublic(id: string, isPublic: boolean) {
    await this.db.getRepository(Programme).update({ id }, { public: isPublic });
  }
}
