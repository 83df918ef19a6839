import { Column, Entity, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/** A chuyên mục whose programmes are normalised to their own loudness instead of the global target. */
@Entity('loudness_target')
export class LoudnessTarget {
  /** The chuyên mục's name as programmes carry it, e.g. "Cải cách hành chính". */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  chuyenMuc!: string;

  @Column({ type: 'real' })
  targetLufs!: number;

  @Column({ type: 'varchar', nullable: true })
  updatedBy!: string | null;

  @InstantColumn()
  updatedAt!: string;
}
