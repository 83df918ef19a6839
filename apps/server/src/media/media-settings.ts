import type { AppConfig, DatabaseSettings, LoudnessSettings } from '../config/app-config';
import type { BroadcastFormat } from './ffmpeg.service';

/**
 * What the media module reads from the configuration. All but the store's place and the upload limit fall
 * back to the embedded defaults, so a test can give only what it cares about.
 */
export type MediaSettings = Pick<AppConfig, 'mediaDir' | 'maxUploadBytes'> & {
  readonly broadcast?: BroadcastFormat;
  readonly loudness?: LoudnessSettings;
  readonly maxDurationMs?: number;
  readonly mediaJobConcurrency?: number;
  readonly mediaJobMaxAttempts?: number;
  readonly uploadConcurrentPerUser?: number;
  readonly uploadDailyBytesPerUser?: number;
  readonly maxOutputInputRatio?: number;
  /** On PostgreSQL several instances may share the job table (and MEDIA_DIR). */
  readonly database?: DatabaseSettings;
  /** Whether other instances take jobs from the same table; by default, when the database is PostgreSQL. */
  readonly sharedJobs?: boolean;
};

export const DEFAULT_LOUDNESS: Readonly<LoudnessSettings> = Object.freeze({
  targetLufs: -16,
  truePeakCeilingDbtp: -1,
  silenceThresholdDb: -50,
  silenceMinMs: 500,
});
