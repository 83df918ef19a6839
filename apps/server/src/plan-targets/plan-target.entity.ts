import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/**
 * A count per month a plan sets: "the upper station airs ≥ 1 CCHC programme each month" (one station),
 * or "every commune station carries a CCHC segment each month" (each station under a unit).
 */
@Entity('plan_target')
export class PlanTarget {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 300 })
  name!: string;

  @Column({ type: 'varchar' })
  chuyenMucId!: string;

  @Column({ type: 'varchar', length: 20 })
  scope!: 'station' | 'each_station';

  /** For `station`. */
  @Column({ type: 'varchar', nullable: true })
  stationId!: string | null;

  /** For `each_station`: every station under this unit, as it is when judged. */
  @Column({ type: 'varchar', nullable: true })
  unitId!: string | null;

  @Column({ type: 'integer' })
  minPerMonth!: number;

  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @InstantColumn()
  createdAt!: string;
}
