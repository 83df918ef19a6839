import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/**
 * A day off the government declares for one year (a bridge day next to Tết or 2/9, say), beyond the public
 * holidays the law fixes. Slots set to skip or move treat it as a holiday.
 */
@Entity('day_off')
export class DayOff {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Local date, YYYY-MM-DD. */
  @Index('IDX_day_off_date', { unique: true })
  @Column({ type: 'varchar', length: 10 })
  date!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @InstantColumn()
  createdAt!: string;
}
