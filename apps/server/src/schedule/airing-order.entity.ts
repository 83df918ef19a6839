import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/**
 * The order a station chose for two of its priority (ưu tiên) airings that overlap: `first` plays at its
 * own time, `second` waits for it to end (TT39: the later one waits or is moved). One row per pair.
 */
@Entity('airing_order')
@Index('IDX_airing_order_station', ['stationId', 'firstAt'])
export class AiringOrder {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar' })
  stationId!: string;

  @Column({ type: 'varchar' })
  firstSlotId!: string;

  /** The airing's instant as its slot gives it (before any ordering). */
  @InstantColumn()
  firstAt!: string;

  @Column({ type: 'varchar' })
  secondSlotId!: string;

  @InstantColumn()
  secondAt!: string;

  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @InstantColumn()
  createdAt!: string;
}
