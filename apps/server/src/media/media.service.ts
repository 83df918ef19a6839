import { stat, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { nowInstant } from '../common/columns';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import {
  AudioFacts,
  BroadcastFormat,
  DecodeCheck,
  DEFAULT_BROADCAST_FORMAT,
  FfmpegService,
  TranscodeAborted,
} from './ffmpeg.service';
import { MediaAsset } from './media-asset.entity';
import { JobQueue } from './job-queue';
import { isNotFound, MediaStore } from './media-store';

/** What the media module reads from the configuration; `broadcast` falls back to DEFAULT_BROADCAST_FORMAT. */
export type MediaSettings = Pick<AppConfig, 'mediaDir' | 'maxUploadBytes'> & { readonly broadcast?: BroadcastFormat };

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

/** Work files untouched this long are leftovers of a crash. */
const STALE_TEMP_MS = 60 * 60_000;

/** A decode this much shorter than what the file declares means the file was cut. */
const MAX_MISSING_RATIO = 0.2;
const MIN_MISSING_MS = 500;

/** Progress is written to the database in steps, not on every ffmpeg report. */
const PROGRESS_STEP = 5;

@Injectable()
export class MediaService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MediaService.name);
  private readonly format: BroadcastFormat;
  private readonly queue = new JobQueue(Math.max(1, availableParallelism()), (err) =>
    this.logger.error(`conversion job crashed: ${err instanceof Error ? err.stack : String(err)}`),
  );
  private readonly shutdown = new AbortController();

  constructor(
    @InjectRepository(MediaAsset) private readonly assets: Repository<MediaAsset>,
    private readonly store: MediaStore,
    private readonly ffmpeg: FfmpegService,
    @Inject(AppConfig) config: MediaSettings,
  ) {
    this.format = config.broadcast ?? DEFAULT_BROADCAST_FORMAT;
  }

  async onModuleInit(): Promise<void> {
    await this.store.init();
    const removed = await this.store.cleanTemp(STALE_TEMP_MS);
    if (removed > 0) this.logger.log(`removed ${removed} stale work file(s)`);
    // A crash mid-conversion leaves the row 'processing' and the original in the store: start it again.
    const unfinished = await this.assets.find({ where: { status: 'processing' }, order: { createdAt: 'ASC' } });
    for (const asset of unfinished) this.enqueue(asset.id);
    if (unfinished.length > 0) this.logger.log(`resuming ${unfinished.length} unfinished conversion(s)`);
  }

  /** Stops running conversions without marking them failed, so the next start resumes them. */
  async onModuleDestroy(): Promise<void> {
    this.queue.clear();
    this.shutdown.abort();
    await this.queue.idle();
  }

  /**
   * Checks an uploaded file, keeps its original and starts its conversion in the background.
   * `tempFile` is consumed: moved into the store, or deleted when the file is refused.
   */
  async upload(tempFile: string, originalName: string, userId: string | null): Promise<MediaAsset> {
    try {
      const { audio, decoded } = await this.validate(tempFile);
      const ext = extensionFor(audio.formatName);
      const original = await this.store.importFile(tempFile, ext);
      const asset = await this.assets.save(
        this.assets.create({
          status: 'processing',
          originalName: cleanName(originalName),
          originalSha256: original.sha256,
          originalExt: ext,
          originalSize: original.size,
          originalFormat: `${audio.formatName}/${audio.codec}`.slice(0, 100),
          originalDurationMs: decoded.decodedMs,
          sha256: null,
          size: null,
          durationMs: null,
          sampleRate: null,
          channels: null,
          bitrateKbps: null,
          progress: 0,
          error: null,
          createdBy: userId,
          createdAt: nowInstant(),
          readyAt: null,
        }),
      );
      this.enqueue(asset.id);
      return asset;
    } catch (err) {
      await rm(tempFile, { force: true });
      throw err;
    }
  }

  async get(id: string): Promise<MediaAsset> {
    const asset = await this.assets.findOneBy({ id });
    if (!asset) throw new LoaError('not_found', 'Không tìm thấy tệp âm thanh này.', { id });
    return asset;
  }

  /** Newest first. */
  list(): Promise<MediaAsset[]> {
    return this.assets.find({ order: { createdAt: 'DESC' } });
  }

  /** The asset, if its broadcast file is ready to be scheduled; otherwise `media_not_ready` or `not_found`. */
  async requireReady(id: string): Promise<ReadyMediaAsset> {
    const asset = await this.get(id);
    if (isReady(asset)) return asset;
    const message =
      asset.status === 'failed'
        ? 'Tệp âm thanh này chuyển đổi không thành công nên không dùng được. Hãy tải lên lại.'
        : 'Tệp âm thanh này đang được chuyển đổi, chưa dùng được. Hãy đợi đến khi xong.';
    throw new LoaError('media_not_ready', message, { id, status: asset.status, progress: asset.progress });
  }

  /** Where the broadcast file with this hash lies, for download. */
  /**
   * A station's agent may fetch a file only while a slot on its own station airs it (or aired it within
   * `since`), so one commune's token opens no other commune's programmes.
   */
  async stationMayRead(stationId: string, sha256: string, since: string): Promise<boolean> {
    const count = await this.assets
      .createQueryBuilder('a')
      .innerJoin('programme', 'p', 'p.mediaAssetId = a.id')
      .innerJoin('slot', 's', 's.programmeId = p.id AND s.status = :status', { status: 'approved' })
      // The station's materialised airings: whatever the slot targets (station, group, cluster, unit).
      .innerJoin('airing', 't', 't.slotId = s.id AND t.stationId = :stationId', { stationId })
      .where('a.sha256 = :sha256', { sha256 })
      .andWhere('s.endAt > :since', { since })
      .getCount();
    return count > 0;
  }

  async fileFor(sha256: string): Promise<BroadcastFile> {
    const notFound = () => new LoaError('not_found', 'Không tìm thấy tệp âm thanh này.', { sha256 });
    if (!MediaStore.isSha256(sha256)) throw notFound();
    const asset = await this.assets.findOne({ where: { sha256, status: 'ready' } });
    if (!asset) throw notFound();
    const path = this.store.pathOf(sha256, BROADCAST_EXT);
    try {
      const info = await stat(path);
      return { sha256, path, size: info.size };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.logger.error(`broadcast file ${sha256} is missing from the store`);
      throw notFound();
    }
  }

  /** Resolves once no conversion runs or waits. */
  whenIdle(): Promise<void> {
    return this.queue.idle();
  }

  private async validate(path: string): Promise<{ audio: AudioFacts; decoded: DecodeCheck }> {
    const { size } = await stat(path);
    if (size === 0) throw new LoaError('media_empty', 'Tệp tải lên rỗng (0 byte). Hãy chọn lại tệp âm thanh.');

    const probed = await this.ffmpeg.probe(path);
    if (!probed.ok) {
      this.logger.debug(`upload refused as not audio: ${probed.reason}`);
      throw new LoaError(
        'media_not_audio',
        'Tệp này không phải là âm thanh mà hệ thống đọc được. Hãy chọn tệp âm thanh như MP3, WAV, M4A hoặc OGG.',
      );
    }

    const decoded = await this.ffmpeg.checkDecodes(path);
    const problem = unreadableProblem(probed.audio, decoded);
    if (problem) {
      this.logger.debug(`upload refused as unreadable: ${problem}; ${decoded.errors.join(' | ')}`);
      throw new LoaError(
        'media_unreadable',
        'Tệp âm thanh bị hỏng hoặc không trọn vẹn (có thể do tải về bị ngắt giữa chừng). Hãy kiểm tra tệp gốc rồi tải lên lại.',
        { declaredMs: probed.audio.durationMs, decodedMs: decoded.decodedMs, decodeErrors: decoded.errors.length },
      );
    }
    return { audio: probed.audio, decoded };
  }

  private enqueue(id: string): void {
    this.queue.add(() => this.convert(id));
  }

  private async convert(id: string): Promise<void> {
    const asset = await this.assets.findOneBy({ id });
    if (!asset || asset.status !== 'processing') return;

    if (!(await this.store.has(asset.originalSha256, asset.originalExt))) {
      this.logger.error(`asset ${id}: original ${asset.originalSha256} is missing from the store`);
      await this.fail(id, 'Không còn tệp gốc trên máy chủ để chuyển đổi. Hãy tải lên lại.');
      return;
    }

    const input = this.store.pathOf(asset.originalSha256, asset.originalExt);
    const output = this.store.tempPath(`.${BROADCAST_EXT}`);
    const progress = new ProgressWriter(
      (percent) => this.assets.update({ id, status: 'processing' }, { progress: percent }).then(() => undefined),
      (err) => this.logger.warn(`asset ${id}: progress not saved: ${String(err)}`),
    );
    try {
      await this.ffmpeg.transcode(input, output, this.format, (p) => progress.report(p), {
        durationMs: asset.originalDurationMs,
        signal: this.shutdown.signal,
      });
      await progress.flushed();
      const probed = await this.ffmpeg.probe(output);
      if (!probed.ok) throw new Error(`converted file does not probe: ${probed.reason}`);
      const stored = await this.store.importFile(output, BROADCAST_EXT);
      await this.assets.update(
        { id, status: 'processing' },
        {
          status: 'ready',
          sha256: stored.sha256,
          size: stored.size,
          durationMs: probed.audio.durationMs ?? asset.originalDurationMs,
          sampleRate: probed.audio.sampleRate,
          channels: probed.audio.channels,
          bitrateKbps: probed.audio.bitrateKbps ?? this.format.bitrateKbps,
          progress: 100,
          error: null,
          readyAt: nowInstant(),
        },
      );
    } catch (err) {
      await progress.flushed();
      await rm(output, { force: true });
      if (err instanceof TranscodeAborted) return;
      this.logger.error(`asset ${id}: conversion failed: ${err instanceof Error ? err.message : String(err)}`);
      await this.fail(id, 'Không chuyển được tệp sang định dạng phát sóng. Hãy thử tải lên lại hoặc dùng tệp khác.');
    }
  }

  private async fail(id: string, reason: string): Promise<void> {
    await this.assets.update({ id, status: 'processing' }, { status: 'failed', error: reason });
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

/** Why a file that probes as audio still cannot be aired, or null when it decodes in full. */
export function unreadableProblem(audio: AudioFacts, decoded: DecodeCheck): string | null {
  if (decoded.errors.length > 0) return 'decoder reported errors';
  if (decoded.decodedMs <= 0) return 'no audio decodes';
  const declared = audio.durationMs;
  if (declared !== null && declared > 0) {
    const missing = declared - decoded.decodedMs;
    if (missing >= MIN_MISSING_MS && missing > declared * MAX_MISSING_RATIO) {
      return `decodes ${decoded.decodedMs} ms of ${declared} ms declared`;
    }
  }
  return null;
}

/** The extension an original is stored under, from the container ffprobe recognised. */
export function extensionFor(formatName: string): string {
  const first = formatName.split(',')[0] ?? '';
  const known: Record<string, string> = {
    mov: 'm4a',
    matroska: 'mka',
    asf: 'wma',
    mpegts: 'ts',
  };
  const ext = known[first] ?? first;
  return /^[a-z0-9]{1,10}$/.test(ext) ? ext : 'bin';
}

/** Keeps the client's file name as a label only: no folders, no control characters, bounded length. */
export function cleanName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return cleaned || 'khong-ten';
}

/** Writes progress in steps and in order, so a late write never lands after the final status. */
class ProgressWriter {
  private last = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (percent: number) => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  report(percent: number): void {
    if (percent < this.last + PROGRESS_STEP || percent >= 100) return;
    this.last = percent;
    this.chain = this.chain.then(() => this.write(percent)).catch(this.onError);
  }

  flushed(): Promise<void> {
    return this.chain;
  }
}
