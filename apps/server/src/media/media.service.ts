import { Inject, Injectable, Logger } from '@nestjs/common';
import { defer, filter, firstValueFrom, merge, timeout } from 'rxjs';
import { LoaError } from '../common/errors';
import { AppConfig, LoudnessSettings } from '../config/app-config';
import { FfmpegService } from './ffmpeg.service';
import { MediaAsset } from './media-asset.entity';
import { MediaEvents } from './media-events';
import { DEFAULT_LOUDNESS, MediaSettings } from './media-settings';
import { MediaRepository } from './media.repository';
import { isNotFound, MediaStorage, MediaStore } from './media-store';
import { liveGainFor } from './normaliser';

/** An asset whose broadcast file exists: what a programme may be attached to. */
export type ReadyMediaAsset = MediaAsset & {
  status: 'ready';
  sha256: string;
  size: number;
  durationMs: number;
  readyAt: string;
};

export interface BroadcastFile {
  sha256: string;
  path: string;
  size: number;
}

/** The broadcast files are MP3; downloads are served under this extension. */
export const BROADCAST_EXT = 'mp3';

/**
 * The assets as the rest of the server reads them: one by id, all of them, their changes, whether one is
 * ready to be scheduled, and where its broadcast file lies.
 */
@Injectable()
export class MediaService {
  private readonly logger = new Logger(MediaService.name);
  private readonly loudness: LoudnessSettings;

  constructor(
    private readonly db: MediaRepository,
    private readonly store: MediaStorage,
    private readonly ffmpeg: FfmpegService,
    private readonly events: MediaEvents,
    @Inject(AppConfig) config: MediaSettings,
  ) {
    this.loudness = config.loudness ?? DEFAULT_LOUDNESS;
  }

  async get(id: string): Promise<MediaAsset> {
    const asset = await this.db.asset(id);
    if (!asset) throw new LoaError('not_found', 'Không tìm thấy tệp âm thanh này.', { id });
    return asset;
  }

  /**
   * The asset once its conversion has ended (ready, failed or cancelled), or as it stands after
   * `timeoutMs`. The change stream is joined before the asset is read, so an ending in between is not missed.
   */
  settled(id: string, timeoutMs: number): Promise<MediaAsset> {
    return firstValueFrom(
      merge(defer(() => this.get(id)), this.events.of(id)).pipe(
        filter((a) => a.status !== 'processing'),
        timeout({ first: timeoutMs, with: () => defer(() => this.get(id)) }),
      ),
    );
  }

  /** Newest first. */
  list(): Promise<MediaAsset[]> {
    return this.db.newestFirst();
  }

  /** Changes of one asset as they happen (nothing is replayed). */
  changes(id: string) {
    return this.events.of(id);
  }

  /** The asset, if its broadcast file is ready to be scheduled; otherwise `media_not_ready` or `not_found`. */
  async requireReady(id: string): Promise<ReadyMediaAsset> {
    const asset = await this.get(id);
    if (isReady(asset)) return asset;
    const message =
      asset.status === 'processing'
        ? 'Tệp âm thanh này đang được chuyển đổi, chưa dùng được. Hãy đợi đến khi xong.'
        : asset.status === 'expired'
          ? 'Tệp âm thanh này đã quá thời hạn lưu trữ và đã được xoá. Hãy tải lên lại.'
          : 'Tệp âm thanh này chuyển đổi không thành công hoặc đã bị huỷ nên không dùng được. Hãy tải lên lại.';
    throw new LoaError('media_not_ready', message, { id, status: asset.status, progress: asset.progress });
  }

  /**
   * A station's agent may fetch a file only while a slot on its own station airs it (or aired it within
   * `since`), so one commune's token opens no other commune's programmes.
   */
  async stationMayRead(stationId: string, sha256: string, since: string): Promise<boolean> {
    return this.db.airsOnStation(stationId, sha256, since);
  }

  /** Where the broadcast file with this hash lies, for download. */
  async fileFor(sha256: string): Promise<BroadcastFile> {
    const notFound = () => new LoaError('not_found', 'Không tìm thấy tệp âm thanh này.', { sha256 });
    if (!MediaStore.isSha256(sha256)) throw notFound();
    const asset = await this.db.readyWithSha(sha256);
    if (!asset) throw notFound();
    const path = this.store.pathOf(sha256, BROADCAST_EXT);
    try {
      return { sha256, path, size: await this.store.sizeOf(path) };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.logger.error(`broadcast file ${sha256} is missing from the store`);
      throw notFound();
    }
  }

  /**
   * How a ready file is aired live: the gain that brings its 64 kb/s live encode to its target, and the
   * true-peak ceiling to keep. Files converted before this was measured get it measured now, once.
   */
  async liveGain(asset: ReadyMediaAsset): Promise<{ db: number; ceilingDbtp: number }> {
    let db = asset.liveGainDb;
    if (db === null) {
      const file = await this.fileFor(asset.sha256);
      db = await liveGainFor(this.ffmpeg, { path: file.path, format: BROADCAST_EXT }, asset.targetLufs, asset.outputLufs ?? asset.targetLufs);
      await this.db.updateAsset({ id: asset.id }, { liveGainDb: db });
    }
    return { db, ceilingDbtp: this.loudness.truePeakCeilingDbtp };
  }
}

export function isReady(asset: MediaAsset): asset is ReadyMediaAsset {
  return (
    asset.status === 'ready' &&
    asset.sha256 !== null &&
    asset.size !== null &&
    asset.durationMs !== null &&
    asset.readyAt !== null
  );
}
