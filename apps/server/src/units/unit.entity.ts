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
}
