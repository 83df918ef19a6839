import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Between, DataSource, IsNull, Not } from 'typeorm';
import { Station } from '../stations/station.entity';
import { DayOff } from './day-off.entity';

/** The rows behind the calendar of days off and the stations' quiet hours. */
@Injectable()
export class HolidaysRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  daysOff(from?: string, to?: string): Promise<DayOff[]> {
    return this.db.getRepository(DayOff).find({ where: from && to ? { date: Between(from, to) } : {}, order: { date: 'ASC' } });
  }

  dayOffOn(date: string): Promise<DayOff | null> {
    return this.db.getRepository(DayOff).findOneBy({ date });
  }

  dayOff(id: string): Promise<DayOff | null> {
    return this.db.getRepository(DayOff).findOneBy({ id });
  }

  addDayOff(row: Omit<DayOff, 'id'>): Promise<DayOff> {
    const repo = this.db.getRepository(DayOff);
    return repo.save(repo.create(row));
  }

  async removeDayOff(id: string): Promise<void> {
    await this.db.getRepository(DayOff).delete({ id });
  }

  /** Stations that keep quiet hours, and stations taken off the air. */
  async stationRules(): Promise<{ quiet: Pick<Station, 'id' | 'name' | 'quietStart' | 'quietEnd'>[]; disabled: string[] }> {
    const repo = this.db.getRepository(Station);
    const [quiet, disabled] = await Promise.all([
      repo.find({ select: { id: true, name: true, quietStart: true, quietEnd: true }, where: { quietStart: Not(IsNull()), quietEnd: Not(IsNull()) } }),
      repo.find({ select: { id: true }, where: { disabledAt: Not(IsNull()) } }),
    ]);
    return { quiet, disabled: disabled.map((s) => s.id) };
  }
}
