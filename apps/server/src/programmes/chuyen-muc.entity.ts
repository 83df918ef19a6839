import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/** A recurring programme segment on a theme (chuyên mục), e.g. "Cải cách hành chính". */
@Entity('chuyen_muc')
export class ChuyenMuc {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** Short stable code for programs and plans ("CCHC"). */
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 50 })
  code!: string;

  /**
   * How long silence (or a flat sound) on the air may last in this chuyên mục's programmes before it counts
   * as dead air; null: the station's own setting (LOA_DEAD_AIR_SECONDS). A reading with long pauses wants more.
   */
  @Column({ type: 'integer', nullable: true })
  deadAirSeconds!: number | null;

  @InstantColumn()
  createdAt!: string;

  /** No longer offered for new programmes; kept so the programmes and logbook lines filed under it still name it. */
  @InstantColumn({ nullable: true })
  retiredAt!: string | null;
}

/** A topic within a chuyên mục, e.g. "Cải cách thủ tục hành chính". */
@Entity('topic')
@Index(['chuyenMucId', 'name'], { unique: true })
export class Topic {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar' })
  chuyenMucId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @InstantColumn()
  createdAt!: string;

  /** No longer offered for new programmes; kept for the programmes filed under it. */
  @InstantColumn({ nullable: true })
  retiredAt!: string | null;
}
