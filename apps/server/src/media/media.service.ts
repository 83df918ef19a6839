import { availableParallelism } from 'node:os';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { defer, filter, firstValueFrom, merge, timeout } from 'rxjs';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig, DatabaseSettings, LoudnessSettings } from '../config/app-config';
import {
  AudioFacts,
  BroadcastFormat,
  DecodeCheck,
  DEFAULT_BROADCAST_FORMAT,
  FfmpegService,
  MediaInput,
  mediaInput,
  TranscodeAborted,
} from './ffmpeg.service';
import { LoudnessTarget } from './loudness-target.entity';
import { MediaAsset, MediaSource } from './media-asset.entity';
import { MediaEvents } from './media-events';
import { MediaJob } from './media-job.entity';
import { MediaRepository } from './media.repository';
import { JobQueue } from './job-queue';
import { isNotFound, MediaStorage, MediaStore } from './media-store';
import { liveGainFor, normalise, SilentInput } from './normaliser';
import { toInstant } from '@loa/protocol';

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

/** A running job renews its heartbeat this often... */
const HEARTBEAT_MS = 10_000;
/** ...and one silent for this long lost its instance (which cannot have taken more than a few beats' pause). */
const STALE_JOB_MS = 60_000;
/** How often an instance sharing the table looks for jobs nobody runs: queued elsewhere, or left by a dead instance. */
const SCAN_MS = 15_000;

export const DEFAULT_LOUDNESS: Readonly<LoudnessSettings> = Object.freeze({
  targetLufs: -16,
  truePeakCeilingDbtp: -1,
  silenceThresholdDb: -50,
  silenceMinMs: 500,
});

export interface UploadOptions {
  source?: MediaSource;
  /** The bulletin's whole text, for speech. */
  spokenText?: string;
  /** As the client sent it (a multipart field): checked here, so a bad one also removes the upload. */
  chuyenMuc?: unknown;
}

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

const CANCELLED_REASON = 'Đã huỷ chuyển đổi theo yêu cầu.';

@Injectable()
export class MediaService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MediaService.name);
  private readonly format: BroadcastFormat;
  private readonly loudness: LoudnessSettings;
  private readonly maxDurationMs: number;
  private readonly maxAttempts: number;
  private readonly queue: JobQueue;
  private readonly shutdown = new AbortController();
  /** The running conversions by asset, so a cancel can stop its ffmpeg. */
  private readonly running = new Map<string, AbortController>();
  /** Uploads being received or checked, by user: how many, and the bytes they declared. */
  private readonly inFlight = new Map<string, { count: number; bytes: number }>();
  private readonly uploadConcurrentPerUser: number;
  private readonly uploadDailyBytesPerUser: number;
  private readonly maxOutputInputRatio: number;
  private readonly sharedJobs: boolean;
  /** Jobs in this instance's queue, so a scan does not add one twice. */
  private readonly enqueued = new Set<string>();
  private scanTimer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;

  constructor(
    private readonly db: MediaRepository,
    private readonly store: MediaStorage,
    private readonly ffmpeg: FfmpegService,
    private readonly events: MediaEvents,
    @Inject(AppConfig) config: MediaSettings,
    private readonly clock: Clock,
  ) {
    this.format = config.broadcast ?? DEFAULT_BROADCAST_FORMAT;
    this.loudness = config.loudness ?? DEFAULT_LOUDNESS;
    this.maxDurationMs = config.maxDurationMs ?? 4 * 3600 * 1000;
    this.maxAttempts = config.mediaJobMaxAttempts ?? 3;
    this.uploadConcurrentPerUser = config.uploadConcurrentPerUser ?? 2;
    this.uploadDailyBytesPerUser = config.uploadDailyBytesPerUser ?? 2048 * 1024 * 1024;
    this.maxOutputInputRatio = config.maxOutputInputRatio ?? 25;
    this.sharedJobs = config.sharedJobs ?? config.database?.engine === 'postgres';
    this.queue = new JobQueue(config.mediaJobConcurrency ?? Math.max(1, availableParallelism()), (err) =>
      this.logger.error(`conversion job crashed: ${err instanceof Error ? err.stack : String(err)}`),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.store.init();
    const removed = await this.store.cleanTemp(STALE_TEMP_MS, this.clock.now());
    if (removed > 0) this.logger.log(`removed ${removed} stale work file(s)`);
    await this.recover();
    if (this.sharedJobs) {
      this.scanTimer = setInterval(() => void this.scan(), SCAN_MS);
      this.scanTimer.unref();
    }
  }

  /** Stops running conversions without marking them failed, so the next start resumes them. */
  async onModuleDestroy(): Promise<void> {
    if (this.scanTimer) clearInterval(this.scanTimer);
    await this.scanning;
    this.queue.clear();
    this.enqueued.clear();
    this.shutdown.abort();
    await this.queue.idle();
  }

  /**
   * Checks an uploaded file, keeps its original and starts its conversion in the background.
   * `tempFile` is consumed: moved into the store, or deleted when the file is refused.
   */
  async upload(tempFile: string, originalName: string, userId: string | null, options: UploadOptions = {}): Promise<MediaAsset> {
    try {
      const { audio, decoded } = await this.validate(tempFile);
      const ext = extensionFor(audio.formatName);
      const chuyenMuc = chuyenMucOf(options.chuyenMuc);
      const targetLufs = await this.targetFor(chuyenMuc);
      const original = await this.store.importFile(tempFile, ext);
      const now = this.clock.nowInstant();
      const { asset, job } = await this.db.createWithJob(
        {
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
          source: options.source ?? 'upload',
          spokenText: options.spokenText ?? null,
          chuyenMuc,
          targetLufs,
          inputLufs: null,
          inputTruePeakDbtp: null,
          gainDb: null,
          outputLufs: null,
          outputTruePeakDbtp: null,
          loudnessWarning: null,
          liveGainDb: null,
          trimmedMs: null,
          createdBy: userId,
          createdAt: now,
          readyAt: null,
          expiredAt: null,
        },
        newJob(now),
      );
      this.enqueue(job.id);
      return asset;
    } catch (err) {
      await this.store.discard(tempFile);
      throw err;
    }
  }

  /**
   * Takes one of the user's upload places before the body is received, or refuses with 429: at most
   * UPLOAD_CONCURRENT_PER_USER at once, and UPLOAD_DAILY_MB_PER_USER over 24 hours (what was kept plus
   * what is arriving). The returned function gives the place back; calling it twice does nothing.
   */
  async reserveUpload(userId: string, declaredBytes: number): Promise<() => void> {
    const mine = this.inFlight.get(userId) ?? { count: 0, bytes: 0 };
    if (mine.count >= this.uploadConcurrentPerUser) {
      throw new LoaError(
        'too_many_requests',
        `Bạn đang tải lên ${mine.count} tệp cùng lúc, tối đa ${this.uploadConcurrentPerUser}. Hãy đợi một tệp tải xong rồi tải tiếp.`,
        { limit: this.uploadConcurrentPerUser, retryAfterSeconds: 10 },
      );
    }
    const since = toInstant(this.clock.now() - 24 * 3600_000);
    const used = (await this.db.keptBytesSince(userId, since)) + mine.bytes;
    const declared = Math.max(0, declaredBytes);
    if (used + declared > this.uploadDailyBytesPerUser) {
      const mb = (n: number) => new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 }).format(n / (1024 * 1024));
      throw new LoaError(
        'too_many_requests',
        `Bạn đã tải lên ${mb(used)} MB trong 24 giờ qua; tệp này (${mb(declared)} MB) sẽ vượt hạn mức ${mb(this.uploadDailyBytesPerUser)} MB mỗi ngày. Hãy thử lại sau, hoặc nhờ quản trị viên nâng hạn mức.`,
        { usedBytes: used, limitBytes: this.uploadDailyBytesPerUser, retryAfterSeconds: 3600 },
      );
    }
    // Re-read: another request of the same user may have taken a place while the sum was read.
    const now = this.inFlight.get(userId) ?? { count: 0, bytes: 0 };
    if (now.count >= this.uploadConcurrentPerUser) return this.reserveUpload(userId, declaredBytes);
    this.inFlight.set(userId, { count: now.count + 1, bytes: now.bytes + declared });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const entry = this.inFlight.get(userId);
      if (!entry) return;
      if (entry.count <= 1) this.inFlight.delete(userId);
      else this.inFlight.set(userId, { count: entry.count - 1, bytes: Math.max(0, entry.bytes - declared) });
    };
  }

  /** Speech made from text enters like an upload: checked, kept as the original, normalised. */
  async uploadSpeech(wav: Buffer, label: string, userId: string | null, chuyenMuc: string | null, spokenText?: string): Promise<MediaAsset> {
    const temp = this.store.tempPath('.wav');
    await this.store.writeTemp(temp, wav);
    return this.upload(temp, label, userId, { source: 'tts', chuyenMuc, spokenText });
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

  /** Stops a conversion that is waiting or running; its original stays in the store. */
  async cancel(id: string): Promise<MediaAsset> {
    const asset = await this.get(id);
    if (asset.status !== 'processing') {
      throw new LoaError('conflict', 'Tệp này không còn đang chuyển đổi nên không huỷ được.', { id, status: asset.status });
    }
    if (!(await this.db.updateAsset({ id, status: 'processing' }, { status: 'cancelled', error: CANCELLED_REASON }))) return this.get(id);
    await this.db.endOpenJobs(id, { state: 'cancelled', error: CANCELLED_REASON, workFile: null, finishedAt: this.clock.nowInstant() });
    this.running.get(id)?.abort();
    const cancelled = await this.get(id);
    this.events.emit(cancelled);
    return cancelled;
  }

  /** The loudness a chuyên mục's programmes are normalised to: its own target, or the global one. */
  async targetFor(chuyenMuc: string | null): Promise<number> {
    if (!chuyenMuc) return this.loudness.targetLufs;
    const own = await this.db.target(chuyenMuc);
    return own?.targetLufs ?? this.loudness.targetLufs;
  }

  listTargets(): Promise<LoudnessTarget[]> {
    return this.db.allTargets();
  }

  async setTarget(chuyenMuc: string, targetLufs: number, userId: string | null): Promise<LoudnessTarget> {
    const name = chuyenMuc.trim();
    if (!name) throw new LoaError('validation_failed', 'Tên chuyên mục không được để trống.');
    return this.db.saveTarget({ chuyenMuc: name, targetLufs, updatedBy: userId, updatedAt: this.clock.nowInstant() });
  }

  async removeTarget(chuyenMuc: string): Promise<void> {
    if (!(await this.db.deleteTarget(chuyenMuc))) throw new LoaError('not_found', 'Chuyên mục này không có mức âm lượng riêng.', { chuyenMuc });
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

  /** Resolves once no conversion runs or waits. */
  whenIdle(): Promise<void> {
    return this.queue.idle();
  }

  /** One look for jobs nobody runs; a look still going is joined rather than doubled. */
  private scan(): Promise<void> {
    this.scanning ??= this.recover()
      .catch((err: unknown) => this.logger.error(`looking for unclaimed conversions failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => (this.scanning = null));
    return this.scanning;
  }

  /**
   * After a crash: a job left 'running' lost its ffmpeg with the process. Its work file goes; it runs
   * again, unless it has already been started as often as allowed (a file that takes the server down
   * every time), in which case it fails with a reason. Assets from before jobs were kept get one.
   * With the table shared, only a running job whose heartbeat went stale is an orphan; each change is
   * conditional on the row as read, so of two instances finding the same orphan one takes it.
   */
  private async recover(): Promise<void> {
    const staleBefore = toInstant(this.clock.now() - STALE_JOB_MS);
    const running = await this.db.jobsIn('running');
    const runningElsewhere = new Set<string>();
    for (const job of running) {
      if (this.sharedJobs && job.heartbeatAt !== null && job.heartbeatAt > staleBefore) {
        runningElsewhere.add(job.assetId);
        continue;
      }
      const asRead = { id: job.id, state: 'running' as const, attempts: job.attempts };
      if (job.attempts >= this.maxAttempts) {
        const reason = `Máy chủ dừng đột ngột ${job.attempts} lần khi đang chuyển đổi tệp này nên đã ngừng thử. Hãy kiểm tra tệp gốc rồi tải lên lại.`;
        if (!(await this.db.updateJob(asRead, { state: 'failed', error: reason, workFile: null, finishedAt: this.clock.nowInstant() }))) continue;
        if (job.workFile) await this.store.discard(job.workFile);
        await this.fail(job.assetId, reason);
      } else {
        if (!(await this.db.updateJob(asRead, { state: 'queued', workFile: null }))) continue;
        if (job.workFile) await this.store.discard(job.workFile);
      }
    }
    const queuedIds = new Set((await this.db.jobsIn('queued')).map((j) => j.assetId));
    for (const asset of await this.db.withStatus(['processing'])) {
      if (!queuedIds.has(asset.id) && !runningElsewhere.has(asset.id)) await this.db.insertJob({ ...newJob(this.clock.nowInstant()), assetId: asset.id });
    }
    const queued = (await this.db.jobsIn('queued')).filter((j) => !this.enqueued.has(j.id));
    for (const job of queued) this.enqueue(job.id);
    if (queued.length > 0) this.logger.log(`resuming ${queued.length} unfinished conversion(s)`);
  }

  private async validate(path: string): Promise<{ audio: AudioFacts; decoded: DecodeCheck }> {
    const size = await this.store.sizeOf(path);
    if (size === 0) throw new LoaError('media_empty', 'Tệp tải lên rỗng (0 byte). Hãy chọn lại tệp âm thanh.');

    const probed = await this.ffmpeg.probe(path);
    if (!probed.ok) {
      this.logger.debug(`upload refused as not audio: ${probed.reason}`);
      throw new LoaError(
        'media_not_audio',
        'Tệp này không phải là âm thanh mà hệ thống đọc được. Hãy chọn tệp âm thanh như MP3, WAV, M4A hoặc OGG.',
      );
    }
    // What the file declares is checked first, so a ten-hour file is refused before a ten-hour decode.
    if (probed.audio.durationMs !== null) {
      this.checkDuration(probed.audio.durationMs);
      this.checkExpansion(probed.audio.durationMs, size);
    }

    // The decode stops just past the longest allowed programme, so a file that declares nothing (or lies)
    // costs at most that much CPU before it is refused; it waits for a place among the conversions (ahead
    // of those waiting), so uploads arriving together never run more ffmpegs than MEDIA_JOB_CONCURRENCY.
    const input = mediaInput(path, probed.audio.formatName);
    const decoded = await this.queue.runFirst(() => this.ffmpeg.checkDecodes(input, this.maxDurationMs + 1000));
    const problem = unreadableProblem(probed.audio, decoded);
    if (problem) {
      this.logger.debug(`upload refused as unreadable: ${problem}; ${decoded.errors.join(' | ')}`);
      throw new LoaError(
        'media_unreadable',
        'Tệp âm thanh bị hỏng hoặc không trọn vẹn (có thể do tải về bị ngắt giữa chừng). Hãy kiểm tra tệp gốc rồi tải lên lại.',
        { declaredMs: probed.audio.durationMs, decodedMs: decoded.decodedMs, decodeErrors: decoded.errors.length },
      );
    }
    this.checkDuration(decoded.decodedMs);
    this.checkExpansion(decoded.decodedMs, size);
    return { audio: probed.audio, decoded };
  }

  /**
   * The broadcast file's size is known from the duration; a small upload that would become a much larger
   * file (hours of near-silence packed into a few MB of FLAC) is refused before any disk or CPU goes to it.
   */
  private checkExpansion(durationMs: number, inputBytes: number): void {
    const outputBytes = (durationMs / 1000) * this.format.bitrateKbps * 125;
    if (outputBytes <= inputBytes * this.maxOutputInputRatio) return;
    const ratio = Math.round(outputBytes / inputBytes);
    throw new LoaError(
      'media_too_sparse',
      `Tệp chỉ ${formatBytes(inputBytes)} nhưng dài ${formatDuration(durationMs)}: bản phát sóng sẽ lớn gấp ${ratio} lần (tối đa ${this.maxOutputInputRatio} lần). Tệp có thể gần như im lặng hoặc được nén bất thường; hãy kiểm tra lại bản ghi.`,
      { durationMs, inputBytes, ratio, maxRatio: this.maxOutputInputRatio },
    );
  }

  private checkDuration(ms: number): void {
    if (ms <= this.maxDurationMs) return;
    throw new LoaError(
      'media_too_long',
      `Tệp âm thanh dài ${formatDuration(ms)}, quá thời lượng tối đa ${formatDuration(this.maxDurationMs)} cho một chương trình. Hãy cắt ngắn rồi tải lên lại.`,
      { durationMs: ms, maxDurationMs: this.maxDurationMs },
    );
  }

  private enqueue(jobId: string): void {
    if (this.enqueued.has(jobId)) return;
    this.enqueued.add(jobId);
    this.queue.add(() => this.runJob(jobId).finally(() => this.enqueued.delete(jobId)));
  }

  private async runJob(jobId: string): Promise<void> {
    const job = await this.db.job(jobId);
    if (!job || job.state !== 'queued') return;
    const asset = await this.db.asset(job.assetId);
    if (!asset || asset.status !== 'processing') {
      await this.db.updateJob({ id: jobId, state: 'queued' }, { state: 'cancelled', finishedAt: this.clock.nowInstant() });
      return;
    }
    const id = asset.id;
    if (!(await this.store.has(asset.originalSha256, asset.originalExt))) {
      this.logger.error(`asset ${id}: original ${asset.originalSha256} is missing from the store`);
      await this.finishJob(jobId, 'failed', 'original missing');
      await this.fail(id, 'Không còn tệp gốc trên máy chủ để chuyển đổi. Hãy tải lên lại.');
      return;
    }

    let input: MediaInput;
    try {
      input = mediaInput(this.store.pathOf(asset.originalSha256, asset.originalExt), asset.originalFormat.split('/')[0] ?? '');
    } catch (err) {
      await this.db.updateJob({ id: jobId }, { state: 'failed', error: String(err).slice(0, 500), finishedAt: this.clock.nowInstant() });
      await this.fail(id, 'Định dạng tệp gốc không còn được nhận. Hãy tải lên lại dưới dạng MP3, WAV, M4A hoặc OGG.');
      return;
    }
    const output = this.store.tempPath(`.${BROADCAST_EXT}`);
    // The claim: only the instance whose update finds the job still queued, as read, runs it. The work file is
    // on record before ffmpeg creates it, so a crash at any point can clean it up.
    const claimedAt = this.clock.nowInstant();
    const claimed = await this.db.updateJob(
      { id: jobId, state: 'queued', attempts: job.attempts },
      { state: 'running', attempts: job.attempts + 1, workFile: output, startedAt: claimedAt, heartbeatAt: claimedAt },
    );
    if (!claimed) return;
    const abort = new AbortController();
    const heartbeat = setInterval(() => {
      this.db.updateJob({ id: jobId, state: 'running' }, { heartbeatAt: this.clock.nowInstant() }).then(
        // No longer running: cancelled, possibly through another instance; its ffmpeg has nothing left to do.
        (beat) => beat || abort.abort(),
        (err: unknown) => this.logger.warn(`asset ${id}: heartbeat not saved: ${String(err)}`),
      );
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const onShutdown = () => abort.abort();
    this.shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    this.running.set(id, abort);
    const progress = new ProgressWriter(
      async (percent) => {
        await this.db.updateAsset({ id, status: 'processing' }, { progress: percent });
        this.events.emit({ ...asset, progress: percent });
      },
      (err) => this.logger.warn(`asset ${id}: progress not saved: ${String(err)}`),
    );
    try {
      const result = await normalise(
        this.ffmpeg,
        input,
        output,
        {
          targetLufs: asset.targetLufs,
          truePeakCeilingDbtp: this.loudness.truePeakCeilingDbtp,
          format: this.format,
          silence: { thresholdDb: this.loudness.silenceThresholdDb, minSilenceS: this.loudness.silenceMinMs / 1000 },
        },
        { signal: abort.signal, durationMs: asset.originalDurationMs, onProgress: (p) => progress.report(p) },
      );
      const liveGainDb = await liveGainFor(this.ffmpeg, { path: output, format: BROADCAST_EXT }, asset.targetLufs, result.output.integratedLufs, {
        signal: abort.signal,
      });
      await progress.flushed();
      const probed = await this.ffmpeg.probe(output);
      if (!probed.ok) throw new Error(`converted file does not probe: ${probed.reason}`);
      const durationMs = probed.audio.durationMs ?? asset.originalDurationMs;
      const stored = await this.store.importFile(output, BROADCAST_EXT);
      // The asset turns ready and its job done together: a crash between the two would leave a ready asset
      // whose job runs again on the next start and ends marked cancelled.
      await this.db.markReady(
        { id, status: 'processing' },
        {
            status: 'ready',
            sha256: stored.sha256,
            size: stored.size,
            durationMs,
            sampleRate: probed.audio.sampleRate,
            channels: probed.audio.channels,
            bitrateKbps: probed.audio.bitrateKbps ?? this.format.bitrateKbps,
            inputLufs: result.input.integratedLufs,
            inputTruePeakDbtp: result.input.truePeakDbtp,
            gainDb: result.gainDb,
            outputLufs: result.output.integratedLufs,
            outputTruePeakDbtp: result.output.truePeakDbtp,
            loudnessWarning: result.warning,
            liveGainDb,
            trimmedMs: Math.max(0, asset.originalDurationMs - durationMs),
            progress: 100,
            error: null,
            readyAt: this.clock.nowInstant(),
        },
        jobId,
        this.clock.nowInstant(),
      );
      this.logger.log(
        `asset ${id}: ${result.input.integratedLufs} LUFS → ${result.output.integratedLufs} LUFS, ` +
          `true peak ${result.output.truePeakDbtp} dBTP, gain ${result.gainDb} dB, ${result.encodes} encode(s)`,
      );
      if (result.warning) this.logger.warn(`asset ${id}: ${result.warning}`);
    } catch (err) {
      await progress.flushed();
      await this.store.discard(output);
      if (err instanceof TranscodeAborted) {
        // A shutdown leaves the job to the next start, without counting the attempt against the file.
        if (this.shutdown.signal.aborted) await this.db.updateJob({ id: jobId, state: 'running' }, { state: 'queued', attempts: job.attempts, workFile: null });
        return;
      }
      const reason =
        err instanceof SilentInput
          ? 'Tệp âm thanh gần như im lặng (không có tiếng để chuẩn hoá âm lượng). Hãy kiểm tra lại bản ghi.'
          : 'Không chuyển được tệp sang định dạng phát sóng. Hãy thử tải lên lại hoặc dùng tệp khác.';
      this.logger.error(`asset ${id}: conversion failed: ${err instanceof Error ? err.message : String(err)}`);
      await this.finishJob(jobId, 'failed', err instanceof Error ? err.message.slice(0, 500) : String(err));
      await this.fail(id, reason);
    } finally {
      clearInterval(heartbeat);
      this.running.delete(id);
      this.shutdown.signal.removeEventListener('abort', onShutdown);
      const latest = await this.db.asset(id);
      if (latest) this.events.emit(latest);
    }
  }

  private async finishJob(jobId: string, state: 'done' | 'failed' | 'cancelled', error: string | null): Promise<void> {
    await this.db.updateJob({ id: jobId, state: 'running' }, { state, error, workFile: null, finishedAt: this.clock.nowInstant() });
  }

  private async fail(id: string, reason: string): Promise<void> {
    await this.db.updateAsset({ id, status: 'processing' }, { status: 'failed', error: reason });
  }
}

function chuyenMucOf(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.trim().length > 200) {
    throw new LoaError('validation_failed', 'Tên chuyên mục không hợp lệ (tối đa 200 ký tự).', { field: 'chuyenMuc' });
  }
  return value.trim() || null;
}

function newJob(now: string): Omit<Partial<MediaJob>, 'assetId'> {
  return { kind: 'normalise', state: 'queued', attempts: 0, workFile: null, error: null, createdAt: now, startedAt: null, finishedAt: null };
}

/** "2,7 MB", "512 KB". */
function formatBytes(n: number): string {
  const f = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 });
  return n >= 1024 * 1024 ? `${f.format(n / (1024 * 1024))} MB` : `${f.format(Math.max(1, n / 1024))} KB`;
}

/** "4 giờ 05 phút", "12 phút 30 giây". */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} giờ ${String(m).padStart(2, '0')} phút`;
  if (m > 0) return `${m} phút ${String(s).padStart(2, '0')} giây`;
  return `${s} giây`;
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
