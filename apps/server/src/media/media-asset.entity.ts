import { Column, Entity, Index, PrimaryGeneratedColumn, ValueTransformer } from 'typeorm';
import { InstantColumn } from '../common/columns';

export const MEDIA_STATUSES = ['processing', 'ready', 'failed'] as const;
export type MediaStatus = (typeof MEDIA_STATUSES)[number];

/** PostgreSQL returns bigint as a string; sizes are always below 2^53. */
const bigintAsNumber: ValueTransformer = {
  to: (value: number | null) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/**
 * One uploaded piece of audio: the original as received, and the broadcast file made from it.
 * Both files live in the content-addressed store; the row holds their hashes and what ffmpeg found.
 */
@Entity('media_asset')
export class MediaAsset {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Assets left 'processing' by a crash are looked up by status at start-up. */
  @Index()
  @Column({ type: 'simple-enum', enum: MEDIA_STATUSES })
  status!: MediaStatus;

  /** The name the uploader's computer gave the file: shown to people, never used as a path. */
  @Column({ type: 'varchar', length: 255 })
  originalName!: string;

  @Index()
  @Column({ type: 'varchar', length: 64 })
  originalSha256!: string;

  /** Extension the original is stored under, chosen from the probed container, not from the client. */
  @Column({ type: 'varchar', length: 10 })
  originalExt!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  originalSize!: number;

  /** Container and codec as probed, e.g. 'wav/pcm_s16le'. */
  @Column({ type: 'varchar', length: 100 })
  originalFormat!: string;

  /** How long the original really decodes to. */
  @Column({ type: 'integer' })
  originalDurationMs!: number;

  /** Of the broadcast file; agents download and verify by it. */
  @Index()
  @Column({ type: 'varchar', length: 64, nullable: true })
  sha256!: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  size!: number | null;

  @Column({ type: 'integer', nullable: true })
  durationMs!: number | null;

  @Column({ type: 'integer', nullable: true })
  sampleRate!: number | null;

  @Column({ type: 'integer', nullable: true })
  channels!: number | null;

  @Column({ type: 'integer', nullable: true })
  bitrateKbps!: number | null;

  /** Percent of the conversion done, 0–100. */
  @Column({ type: 'integer', default: 0 })
  progress!: number;

  /** Why the conversion failed, in plain Vietnamese. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  error!: string | null;

  /** The user who uploaded it. */
  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @Index()
  @InstantColumn()
  createdAt!: string;

  @InstantColumn({ nullable: true })
  readyAt!: string | null;
}
