import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/** A secret link to a station's or a unit's calendar feed; only its sha256 is kept. */
@Entity('calendar_token')
export class CalendarToken {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 10 })
  scope!: 'station' | 'unit';

  @Index()
  @Column({ type: 'varchar' })
  refId!: string;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @InstantColumn()
  createdAt!: string;

  /** After this instant the link answers 404. Null only on rows the expiry migration has not reached. */
  @InstantColumn({ nullable: true })
  expiresAt!: string | null;

  /** When someone revoked the link; it answers 404 from then on. */
  @InstantColumn({ nullable: true })
  revokedAt!: string | null;
}
