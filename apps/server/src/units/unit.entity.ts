import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';
import type { UnitView } from '@loa/api-types';

/**
 * An administrative unit in the station hierarchy: province → (district) → commune.
 * The levels are data, not code: since the 2025 reform many provinces have no district level.
 */
@Entity('unit')
export class Unit implements UnitView {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column({ type: 'varchar', nullable: true })
  parentId!: string | null;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** The level's label as users say it: "Tỉnh", "Huyện", "Xã", "Phường"… */
  @Column({ type: 'varchar', length: 50 })
  kind!: string;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 50, nullable: true })
  code!: string | null;

  @InstantColumn()
  createdAt!: string;

  /** When the unit stopped existing (merged into another, or dissolved); kept so old lines still name it. */
  @InstantColumn({ nullable: true })
  retiredAt!: string | null;

  /** The unit that took over this one's stations, plan targets and history in a merger. */
  @Column({ type: 'varchar', nullable: true })
  mergedIntoId!: string | null;
}
