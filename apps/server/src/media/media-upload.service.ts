import { Inject, Injectable, Logger } from '@nestjs/common';
import { toInstant } from '@loa/protocol';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { AudioFacts, AudioProbeService, DecodeCheck } from './audio-probe.service';
import { BroadcastFormat, DEFAULT_BROADCAST_FORMAT } from './ffmpeg.service';
import { mediaInput } from './media-input';
import { LoudnessTargetsService } from './loudness-targets.service';
import { MediaAsset, MediaSource } from './media-asset.entity';
import { MediaJobsService, newJob } from './media-jobs.service';
import { MediaSettings } from './media-settings';
import { MediaStorage } from './media-store';
import { MediaRepository } from './media.repository';
import { chuyenMucOf, cleanName, extensionFor, formatBytes, formatDuration, unreadableProblem } from './upload-checks';

export interface UploadOptions {
  source?: MediaSource;
  /** The bulletin's whole text, for speech. */
  spokenText?: string;
  /** As the client sent it (a multipart field): checked here, so a bad one also removes the upload. */
  chuyenMuc?: unknown;
}

/**
 * Audio entering the library: each user's share of uploads held to its limits, the file checked (audio,
 * not too long, not too sparse, decodes in full), its original kept, and its conversion job queued.
 */
@Injectable()
export class MediaUploadService {
  private readonly logger = new Logger(MediaUploadService.name);
  private readonly format: BroadcastFormat;
  private readonly maxDurationMs: number;
  /** Uploads being received or checked, by user: how many, and the bytes they declared. */
  private readonly inFlight = new Map<string, { count: number; bytes: number }>();
  private readonly uploadConcurrentPerUser: number;
  private readonly uploadDailyBytesPerUser: number;
  private readonly maxOutputInputRatio: number;

  constructor(
    private readonly db: MediaRepository,
    private readonly store: MediaStorage,
    private readonly probe: AudioProbeService,
    private readonly jobs: MediaJobsService,
    private readonly targets: LoudnessTargetsService,
    @Inject(AppConfig) config: MediaSettings,
    private readonly clock: Clock,
  ) {
    this.format = config.broadcast ?? DEFAULT_BROADCAST_FORMAT;
    this.maxDurationMs = config.maxDurationMs ?? 4 * 3600 * 1000;
    this.uploadConcurrentPerUser = config.uploadConcurrentPerUser ?? 2;
    this.uploadDailyBytesPerUser = config.uploadDailyBytesPerUser ?? 2048 * 1024 * 1024;
    this.maxOutputInputRatio = config.maxOutputInputRatio ?? 25;
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
      const targetLufs = await this.targets.targetFor(chuyenMuc);
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
      this.jobs.enqueue(job.id);
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

  private async validate(path: string): Promise<{ audio: AudioFacts; decoded: DecodeCheck }> {
    const size = await this.store.sizeOf(path);
    if (size === 0) throw new LoaError('media_empty', 'Tệp tải lên rỗng (0 byte). Hãy chọn lại tệp âm thanh.');

    const probed = await this.probe.probe(path);
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
    const decoded = await this.jobs.runFirst(() => this.probe.checkDecodes(input, this.maxDurationMs + 1000));
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
}
