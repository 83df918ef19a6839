import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LanguageView } from '@loa/api-types';
import { InstantColumn } from '../common/columns';

/** A language programmes are made in (Decree 49/2024 Art. 8): Vietnamese and the local ethnic-minority languages. */
@Entity('language')
export class Language implements LanguageView {
  /** ISO 639-1 or 639-3 code, lower case: what versions, station preferences and logbook lines name. */
  @PrimaryColumn({ type: 'varchar', length: 20 })
  code!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @InstantColumn()
  createdAt!: string;
}
