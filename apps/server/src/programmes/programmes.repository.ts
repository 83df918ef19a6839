import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { Airing, Slot } from '../schedule/slot.entity';
import { Station } from '../stations/station.entity';
import { Programme } from './programme.entity';
import { ProgrammeVersion } from './programme-version.entity';

export type NewProgrammeRow = Omit<Programme, 'id'>;
export type NewVersionRow = Omit<ProgrammeVersion, 'id'>;

/** Programmes as stored. */
export abstract class ProgrammesRepository {
  abstract insert(row: NewProgrammeRow): Promise<Programme>;
  abstract get(id: string): Promise<Programme | null>;
  /** Every programme, newest first. */
  abstract all(): Promise<Programme[]>;
  /** The language versions of these programmes, by language code. */
  abstract versionsOf(programmeIds: readonly string[]): Promise<ProgrammeVersion[]>;
  abstract insertVersion(row: NewVersionRow): Promise<ProgrammeVersion>;
  /** Removes the programme's version in `language`; whether there was one. */
  abstract deleteVersion(programmeId: string, language: string): Promise<boolean>;
  /**
   * Raises the schedule version of every station with an airing of the programme starting at or after
   * `from`, so their agents take the snapshot again (a version was added or removed); returns them.
   */
  abstract republishAirings(programmeId: string, from: string): Promise<string[]>;
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

  async versionsOf(programmeIds: readonly string[]) {
    if (!programmeIds.length) return [];
    return this.db.getRepository(ProgrammeVersion).find({ where: { programmeId: In([...programmeIds]) }, order: { language: 'ASC' } });
  }

  insertVersion(row: NewVersionRow) {
    const repo = this.db.getRepository(ProgrammeVersion);
    return repo.save(repo.create(row));
  }

  async deleteVersion(programmeId: string, language: string) {
    return Boolean((await this.db.getRepository(ProgrammeVersion).delete({ programmeId, language })).affected);
  }

  async republishAirings(programmeId: string, from: string) {
    const rows = await this.db
      .createQueryBuilder()
      .select('DISTINCT air.stationId', 'stationId')
      .from(Airing, 'air')
      .innerJoin(Slot, 's', 's.id = air.slotId')
      .where('s.programmeId = :programmeId', { programmeId })
      .andWhere('air.startAt >= :from', { from })
      .getRawMany<{ stationId: string }>();
    const stationIds = rows.map((r) => r.stationId);
    if (stationIds.length) {
      await this.db
        .createQueryBuilder()
        .update(Station)
        .set({ scheduleVersion: () => '"scheduleVersion" + 1' })
        .where('"id" IN (:...stationIds)', { stationIds })
        .execute();
    }
    return stationIds;
  }

  async setPublic(id: string, isPublic: boolean) {
    await this.db.getRepository(Programme).update({ id }, { public: isPublic });
  }
}
