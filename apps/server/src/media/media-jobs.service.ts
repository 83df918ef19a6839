import { availableParallelism } from 'node:os';
import { toInstant } from '@loa/protocol';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { ConversionService } from './conversion.service';
import { TranscodeAborted } from './ffmpeg.service';
import { MediaInput, mediaInput } from './media-input';
import { MediaAsset } from './media-asset.entity';
import { MediaEvents } from './media-events';
import { MediaJob } from './media-job.entity';
import { MediaSettings } from './media-settings';
import { MediaStorage } from './media-store';
import { BROADCAST_EXT, MediaService } from './media.service';
import { MediaRepository } from './media.repository';
import { JobQueue } from './job-queue';
import { SilentInput } from './normaliser';

/** A running job renews its heartbeat this often... */
const HEARTBEAT_MS = 10_000;
/** ...and one silent for this long lost its instance (which cannot have taken more than a few beats' pause). */
const STALE_JOB_MS = 60_000;
/** How often an instance sharing the table looks for jobs nobody runs: queued elsewhere, or left by a dead instance. */
const SCAN_MS = 15_000;

/** Work files untouched this long are leftovers of a crash. */
const STALE_TEMP_MS = 60 * 60_000;

/** Progress is written to the database in steps, not on every ffmpeg report. */
const PROGRESS_STEP = 5;

const CANCELLED_REASON = 'Đã huỷ chuyển đổi theo yêu cầu.';

/**
 * The conversion jobs: persisted in the job table, run a few at a time, claimed so that of several
 * instances sharing the table one runs each, kept alive by a heartbeat, resumed after a crash, cancelled
 * on request. What a conversion does is the ConversionService's.
 */
@Injectable()
export class MediaJobsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MediaJobsService.name);
  private readonly maxAttempts: number;
  private readonly queue: JobQueue;
  private readonly shutdown = new AbortController();
  /** The running conversions by asset, so a cancel can stop its ffmpeg. */
  private readonly running = new Map<string, AbortController>();
  private readonly sharedJobs: boolean;
  /** Jobs in this instance's queue, so a scan does not add one twice. */
  private readonly enqueued = new Set<string>();
  private scanTimer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;

  constructor(
    private readonly db: MediaRepository,
    private readonly store: MediaStorage,
    private readonly conversion: ConversionService,
    private readonly media: MediaService,
    private readonly events: MediaEvents,
    @Inject(AppConfig) config: MediaSettings,
    private readonly clock: Clock,
  ) {
    this.maxAttempts = config.mediaJobMaxAttempts ?? 3;
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
   * Runs `work` in a place among the conversions, ahead of those waiting, so that ffmpegs started for other
   * reasons (an upload's decode check) never make more than MEDIA_JOB_CONCURRENCY at once.
   */
  runFirst<T>(work: () => Promise<T>): Promise<T> {
    return this.queue.runFirst(work);
  }

  /** Stops a conversion that is waiting or running; its original stays in the store. */
  async cancel(id: string): Promise<MediaAsset> {
    const asset = await this.media.get(id);
    if (asset.status !== 'processing') {
      throw new LoaError('conflict', 'Tệp này không còn đang chuyển đổi nên không huỷ được.', { id, status: asset.status });
    }
    if (!(await this.db.updateAsset({ id, status: 'processing' }, { status: 'cancelled', error: CANCELLED_REASON }))) return this.media.get(id);
    await this.db.endOpenJobs(id, { state: 'cancelled', error: CANCELLED_REASON, workFile: null, finishedAt: this.clock.nowInstant() });
    this.running.get(id)?.abort();
    const cancelled = await this.media.get(id);
    this.events.emit(cancelled);
    return cancelled;
  }

  /** Resolves once no conversion runs or waits. */
  whenIdle(): Promise<void> {
    return this.queue.idle();
  }

  /** Puts a queued job in this instance's queue, once. */
  enqueue(jobId: string): void {
    if (this.enqueued.has(jobId)) return;
    this.enqueued.add(jobId);
    this.queue.add(() => this.runJob(jobId).finally(() => this.enqueued.delete(jobId)));
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

  private async runJob(jobId: string): Promise<void> {
    const job = await this.db.job(jobId);
    if (!job || job.state !== 'queued') return;
    const asset = await this.db.asset(job.assetId);
    if (!asset || asset.status !== 'processing') {
      await this.db.updateJob({ id: jobId, state: 'queued' }, { state: 'cancelled', finishedAt: this.clock.nowInstant() });
      return;
    }
    const id = asset.id;
    // A job that cannot start ends failed while still queued, as read: of instances sharing the table, the one
    // whose update lands marks the asset.
    const refuse = async (error: string, reason: string) => {
      const asRead = { id: jobId, state: 'queued' as const, attempts: job.attempts };
      if (await this.db.updateJob(asRead, { state: 'failed', error, workFile: null, finishedAt: this.clock.nowInstant() })) await this.fail(id, reason);
    };
    if (!(await this.store.has(asset.originalSha256, asset.originalExt))) {
      this.logger.error(`asset ${id}: original ${asset.originalSha256} is missing from the store`);
      await refuse('original missing', 'Không còn tệp gốc trên máy chủ để chuyển đổi. Hãy tải lên lại.');
      return;
    }

    let input: MediaInput;
    try {
      input = mediaInput(this.store.pathOf(asset.originalSha256, asset.originalExt), asset.originalFormat.split('/')[0] ?? '');
    } catch (err) {
      await refuse(String(err).slice(0, 500), 'Định dạng tệp gốc không còn được nhận. Hãy tải lên lại dưới dạng MP3, WAV, M4A hoặc OGG.');
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
      const converted = await this.conversion.convert(asset, input, output, { signal: abort.signal, onProgress: (p) => progress.report(p) });
      await progress.flushed();
      // The asset turns ready and its job done together: a crash between the two would leave a ready asset
      // whose job runs again on the next start and ends marked cancelled.
      await this.db.markReady(
        { id, status: 'processing' },
        { ...converted, status: 'ready', progress: 100, error: null, readyAt: this.clock.nowInstant() },
        jobId,
        this.clock.nowInstant(),
      );
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

/** A new conversion job, waiting to be claimed. */
export function newJob(now: string): Omit<Partial<MediaJob>, 'assetId'> {
  return { kind: 'normalise', state: 'queued', attempts: 0, workFile: null, error: null, createdAt: now, startedAt: null, finishedAt: null };
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
