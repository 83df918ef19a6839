import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ProgrammeVersionView } from '@loa/api-types';
import { InstantColumn } from '../common/columns';

/**
 * A programme's version in another language (Decree 49/2024 Art. 8), with its own broadcast audio. The
 * programme's own audio is its Vietnamese version; a station airs the version it prefers.
 */
@Entity('programme_version')
@Index(['programmeId', 'language'], { unique: true })
export class ProgrammeVersion implements ProgrammeVersionView {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar' })
  programmeId!: string;

  /** A code of the `language` table. */
  @Column({ type: 'varchar', length: 20 })
  language!: string;

  @Column({ type: 'varchar' })
  mediaAssetId!: string;

  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @InstantColumn()
  createdAt!: string;
}
