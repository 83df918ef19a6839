import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/**
 * An inspector's closing of one station's dossier for a period: the dossier was checked, so the audio
 * that aired in it may go once the retention period is over. One row per station; closing a unit writes
 * a row for each of its stations and names the unit.
 */
@Entity('dossier_closure')
@Index('IDX_dossier_closure_station', ['stationId', 'periodStart'])
export class DossierClosure {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar' })
  stationId!: string;

  /** The unit the inspector closed, when the closing named a unit rather than one station. */
  @Column({ type: 'varchar', nullable: true })
  unitId!: string | null;

  @InstantColumn()
  periodStart!: string;

  /** Exclusive. */
  @InstantColumn()
  periodEnd!: string;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  note!: string | null;

  @Column({ type: 'varchar', nullable: true })
  closedBy!: string | null;

  @InstantColumn()
  closedAt!: string;
}
