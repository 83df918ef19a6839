import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Language } from './language.entity';

/** Languages as stored. */
export abstract class LanguagesRepository {
  /** Every language, by code. */
  abstract all(): Promise<Language[]>;
  abstract get(code: string): Promise<Language | null>;
  abstract insert(row: Language): Promise<Language>;
  /** Adds the rows whose code is not there yet; leaves the others as they are (names an admin changed too). */
  abstract insertMissing(rows: readonly Language[]): Promise<void>;
}

@Injectable()
export class TypeormLanguagesRepository extends LanguagesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  all() {
    return this.db.getRepository(Language).find({ order: { code: 'ASC' } });
  }

  get(code: string) {
    return this.db.getRepository(Language).findOneBy({ code });
  }

  insert(row: Language) {
    const repo = this.db.getRepository(Language);
    return repo.save(repo.create(row));
  }

  async insertMissing(rows: readonly Language[]) {
    // Two instances starting together both seed: the second one's rows are already there.
    if (rows.length) await this.db.createQueryBuilder().insert().into(Language).values([...rows]).orIgnore().execute();
  }
}
