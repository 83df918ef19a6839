import { Column, Entity, Index, PrimaryGeneratedColumn, ValueTransformer } from 'typeorm';
import { InstantColumn } from '../common/columns';

import { MEDIA_SOURCES, MEDIA_STATUSES, type MediaAssetView, type MediaSource, type MediaStatus } from '@loa/api-types';

export { MEDIA_SOURCES, MEDIA_STATUSES };
export type { MediaSource, MediaStatus };

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
export class MediaAsset implements MediaAssetView {
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

  /** Uploaded audio, or speech made from a text bulletin. */
  @Column({ type: 'varchar', length: 10, default: 'upload' })
  source!: MediaSource;

  /** For speech made from a text bulletin: the whole text as written, kept for the dossier. */
  @Column({ type: 'text', nullable: true })
  spokenText!: string | null;

  /** The chuyên mục it was uploaded for, which may set its own loudness target. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  chuyenMuc!: string | null;

  /** Integrated loudness (LUFS) this asset is normalised to; assets from before loudness was kept got −16. */
  @Column({ type: 'real', default: -16 })
  targetLufs!: number;

  /** EBU R128 integrated loudness of the original, in the broadcast channel layout. */
  @Column({ type: 'real', nullable: true })
  inputLufs!: number | null;

  @Column({ type: 'real', nullable: true })
  inputTruePeakDbtp!: number | null;

  /** Linear gain applied before the true-peak limiter. */
  @Column({ type: 'real', nullable: true })
  gainDb!: number | null;

  /** Measured on the encoded broadcast file. */
  @Column({ type: 'real', nullable: true })
  outputLufs!: number | null;

  @Column({ type: 'real', nullable: true })
  outputTruePeakDbtp!: number | null;

  /**
   * Said when the broadcast file misses its loudness target or true-peak ceiling (in Vietnamese, e.g.
   * "đạt −17,7 LUFS thay vì −16 do đỉnh nhọn"); null when it meets both.
   */
  @Column({ type: 'varchar', length: 300, nullable: true })
  loudnessWarning!: string | null;

  /**
   * Gain (dB) the live path applies when it airs this file: its one encode to 64 kb/s moves the loudness,
   * and this brings what stations hear live back to the target. Null until measured.
   */
  @Column({ type: 'real', nullable: true })
  liveGainDb!: number | null;

  /** Leading and trailing silence cut, in all. */
  @Column({ type: 'integer', nullable: true })
  trimmedMs!: number | null;

  /** The user who uploaded it. */
  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @Index()
  @InstantColumn()
  createdAt!: string;

  @InstantColumn({ nullable: true })
  readyAt!: string | null;

  @InstantColumn({ nullable: true })
  expiredAt!: string | null;
}
