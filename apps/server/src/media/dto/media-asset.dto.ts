import { ApiProperty } from '@nestjs/swagger';
import { MEDIA_SOURCES, MEDIA_STATUSES, MediaAsset, MediaSource, MediaStatus } from '../media-asset.entity';

/** An asset as the API shows it. */
export class MediaAssetDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: MEDIA_STATUSES })
  status!: MediaStatus;

  @ApiProperty({ example: 'ban-tin-sang.wav' })
  originalName!: string;

  @ApiProperty({ pattern: '^[0-9a-f]{64}$' })
  originalSha256!: string;

  @ApiProperty()
  originalSize!: number;

  @ApiProperty({ example: 'wav/pcm_s16le' })
  originalFormat!: string;

  @ApiProperty()
  originalDurationMs!: number;

  @ApiProperty({ type: String, nullable: true, description: 'sha256 of the broadcast file, once ready' })
  sha256!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  size!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  durationMs!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 44100 })
  sampleRate!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 1 })
  channels!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 96 })
  bitrateKbps!: number | null;

  @ApiProperty({ minimum: 0, maximum: 100 })
  progress!: number;

  @ApiProperty({ type: String, nullable: true })
  error!: string | null;

  @ApiProperty({ enum: MEDIA_SOURCES })
  source!: MediaSource;

  @ApiProperty({ type: String, nullable: true })
  chuyenMuc!: string | null;

  @ApiProperty({ example: -16, description: 'Integrated loudness (LUFS, EBU R128) it is normalised to' })
  targetLufs!: number;

  @ApiProperty({ type: Number, nullable: true, example: -31.4, description: 'Measured on the original' })
  inputLufs!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: -9.8 })
  inputTruePeakDbtp!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 15.6, description: 'Gain applied before the true-peak limiter' })
  gainDb!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: -16.1, description: 'Measured on the broadcast file' })
  outputLufs!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: -1.4 })
  outputTruePeakDbtp!: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Đạt −17,7 LUFS thay vì −16 LUFS do đỉnh nhọn: bộ giới hạn đỉnh không nâng được thêm.',
    description: 'Set when the broadcast file misses its loudness target or true-peak ceiling; null when it meets both',
  })
  loudnessWarning!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Leading and trailing silence cut' })
  trimmedMs!: number | null;

  @ApiProperty({ type: String, nullable: true })
  createdBy!: string | null;

  @ApiProperty({ example: '2026-11-24T22:30:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true })
  readyAt!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'When the retention policy removed its files' })
  expiredAt!: string | null;

  static from(a: MediaAsset): MediaAssetDto {
    return Object.assign(new MediaAssetDto(), {
      id: a.id,
      status: a.status,
      originalName: a.originalName,
      originalSha256: a.originalSha256,
      originalSize: a.originalSize,
      originalFormat: a.originalFormat,
      originalDurationMs: a.originalDurationMs,
      sha256: a.sha256,
      size: a.size,
      durationMs: a.durationMs,
      sampleRate: a.sampleRate,
      channels: a.channels,
      bitrateKbps: a.bitrateKbps,
      progress: a.progress,
      error: a.error,
      source: a.source,
      chuyenMuc: a.chuyenMuc,
      targetLufs: a.targetLufs,
      inputLufs: a.inputLufs,
      inputTruePeakDbtp: a.inputTruePeakDbtp,
      gainDb: a.gainDb,
      outputLufs: a.outputLufs,
      outputTruePeakDbtp: a.outputTruePeakDbtp,
      loudnessWarning: a.loudnessWarning,
      trimmedMs: a.trimmedMs,
      createdBy: a.createdBy,
      createdAt: a.createdAt,
      readyAt: a.readyAt,
      expiredAt: a.expiredAt,
    });
  }
}
