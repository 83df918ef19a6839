import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';
import type { ProgrammeView } from '@loa/api-types';

/** One programme (chương trình): an edition of a chuyên mục, or a standalone piece, with its audio. */
@Entity('programme')
export class Programme implements ProgrammeView {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 300 })
  title!: string;

  /** The recurring segment it belongs to, e.g. "Cải cách hành chính". */
  @Index()
  @Column({ type: 'varchar', length: 200 })
  chuyenMuc!: string;

  /** The chuyên mục as data, when the programme names one that exists. */
  @Index()
  @Column({ type: 'varchar', nullable: true })
  chuyenMucId!: string | null;

  @Column({ type: 'varchar', nullable: true })
  topicId!: string | null;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ type: 'varchar' })
  mediaAssetId!: string;

  /** The whole text read out, when the audio is speech made from a bulletin: what the dossier prints. */
  @Column({ type: 'text', nullable: true })
  spokenText!: string | null;

  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  /**
   * Whether residents may hear it again on the commune's public replay page and feed once it has aired.
   * Off unless chosen or given by the default at creation: a khẩn cấp announcement made on the spot never
   * reaches the public page by itself.
   */
  @Column({ type: 'boolean', default: false })
  public!: boolean;

  @InstantColumn()
  createdAt!: string;
}
