import { ApiProperty } from '@nestjs/swagger';
import { MEDIA_STATUSES, MediaAsset, MediaStatus } from '../media-asset.entity';

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

  @ApiProperty({ type: String, nullable: true })
  createdBy!: string | null;

  @ApiProperty({ example: '2026-11-24T22:30:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true })
  readyAt!: string | null;

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
      createdBy: a.createdBy,
      createdAt: a.createdAt,
      readyAt: a.readyAt,
    });
  }
}
