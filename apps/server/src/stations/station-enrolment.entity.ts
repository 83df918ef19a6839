import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/**
 * A one-time enrolment code for a station: whoever types it into `loa-agent enrol` receives the station's
 * token once. Only its sha256 is kept, like tokens.
 */
@Entity('station_enrolment')
export class StationEnrolment {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column({ type: 'varchar' })
  stationId!: string;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64 })
  codeHash!: string;

  @InstantColumn()
  createdAt!: string;

  @InstantColumn()
  expiresAt!: string;

  /** When the code was exchanged for the token; a code works once. */
  @InstantColumn({ nullable: true })
  usedAt!: string | null;
}
