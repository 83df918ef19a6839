import { dataSourceOptions } from '../database/data-source';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import type { LoudnessSettings } from '../config/app-config';
import { AudioProbeService } from './audio-probe.service';
import { BroadcastFormat, FfmpegService } from './ffmpeg.service';
import { ffmpegBinaries, ffmpegPath, npmBinaries, type FfmpegBinaries } from '@loa/ffmpeg';
import { CommandEngine } from './tts/command-engine';
import { EspeakEngine } from './tts/espeak-engine';
import { TtsService } from './tts/tts.service';
import { MediaAsset } from './media-asset.entity';
import { MediaJob } from './media-job.entity';
import { MediaStore } from './media-store';
import { MediaRepository } from './media.repository';
import { MediaSettings } from './media-settings';
import { BROADCAST_EXT } from './media.service';
import { mediaServices, type MediaServices } from '../../../../test/support/media-services';
import {
  AudioFixtures,
  FIXTURE_DURATION_MS,
  InputKinds,
  makeAudio,
  makeAudioFixtures,
  makeInputKinds,
  measureBand,
  measureLoudness,
  mp3PacketSizes,
  speechLikeSource,
} from '../../../../test/support/media-fixtures';

/** Test-only: an in-memory SQLite schema built from the entity; the application itself runs migrations. */
function testOnlyDataSource(): DataSource {
  return new DataSource(dataSourceOptions({ engine: 'sqlite', path: ':memory:' }));
}

/** Ten minutes of noise at the last bit, 8 kHz mono FLAC: tens of KB that would make ~7 MB of broadcast MP3. */
function makAudioQuiet(path: string): string {
  return makeAudio(path, 'anoisesrc=color=white:amplitude=0.00001:duration=600:seed=3', ['-ac', '1', '-ar', '8000', '-sample_fmt', 's16', '-c:a', 'flac']);
}

/** Real ffmpeg, a real store in a temp folder and a real (in-memory) table. */
describe('The media services with real ffmpeg', () => {
  // A conversion starts several ffmpeg processes; a dynamically linked system build takes a while to start on a busy machine.
  jest.setTimeout(60_000);
  const stereo96: BroadcastFormat = { sampleRate: 44100, channels: 2, bitrateKbps: 96 };
  let fixturesDir: string;
  let fx: AudioFixtures;
  let kinds: InputKinds;
  let root: string;
  let db: DataSource;
  let repo: Repository<MediaAsset>;
  let store: MediaStore;
  let ffmpeg: FfmpegService;
  let probe: AudioProbeService;
  let service: MediaServices;

  beforeAll(() => {
    Logger.overrideLogger(false);
    fixturesDir = mkdtempSync(join(tmpdir(), 'loa-fx-'));
    fx = makeAudioFixtures(fixturesDir);
    kinds = makeInputKinds(fixturesDir);
    ffmpeg = new FfmpegService();
    probe = new AudioProbeService();
  });
  afterAll(() => rmSync(fixturesDir, { recursive: true, force: true }));

  async function start(broadcast?: BroadcastFormat, loudness?: LoudnessSettings, extra: Partial<MediaSettings> = {}): Promise<void> {
    root = mkdtempSync(join(tmpdir(), 'loa-media-'));
    db = testOnlyDataSource();
    await db.initialize();
    repo = db.getRepository(MediaAsset);
    store = new MediaStore(root);
    service = make({ mediaDir: root, maxUploadBytes: 1 << 30, broadcast, loudness, ...extra });
    await service.jobs.onModuleInit();
  }

  function make(settings: MediaSettings): MediaServices {
    return mediaServices(new MediaRepository(db), store, { ffmpeg, probe }, settings, new Clock());
  }

  /** Set while a describe keeps one service for all its tests (see `withOneService`). */
  let sharedByDescribe = false;

  async function stop(): Promise<void> {
    await service.jobs.onModuleDestroy();
    await db.destroy();
    rmSync(root, { recursive: true, force: true });
  }

  afterEach(async () => {
    if (!sharedByDescribe) await stop();
  });

  /**
   * One service for a whole describe, for tests that only read what a conversion made: the files are
   * converted once, together, instead of once per test.
   */
  function withOneService(...args: Parameters<typeof start>): void {
    beforeAll(async () => {
      await start(...args);
      sharedByDescribe = true;
    });
    afterAll(async () => {
      sharedByDescribe = false;
      await stop();
    });
  }

  /** Uploads several files at once and waits until every conversion has ended (the job queue bounds them). */
  async function uploadAllAndWait(files: Array<{ fixture: string; name: string }>): Promise<MediaAsset[]> {
    const accepted = [];
    for (const { fixture, name } of files) {
      const temp = uploaded(fixture);
      const one = await service.uploads.upload(temp, name, 'user-1');
      expect(one.status).toBe('processing');
      expect(existsSync(temp)).toBe(false);
      accepted.push(one);
    }
    await service.jobs.whenIdle();
    return Promise.all(accepted.map((a) => service.media.get(a.id)));
  }

  /** Puts a copy of a fixture where multer would leave an upload. */
  function uploaded(fixture: string): string {
    const temp = store.tempPath('.upload');
    copyFileSync(fixture, temp);
    return temp;
  }

  function storedFiles(): string[] {
    const dir = join(root, 'sha256');
    return readdirSync(dir).flatMap((sub) => readdirSync(join(dir, sub)));
  }

  async function uploadAndWait(fixture: string, name: string): Promise<MediaAsset> {
    const temp = uploaded(fixture);
    const accepted = await service.uploads.upload(temp, name, 'user-1');
    expect(accepted.status).toBe('processing');
    expect(existsSync(temp)).toBe(false);
    await service.jobs.whenIdle();
    return service.media.get(accepted.id);
  }

  describe('turns audio into a broadcast MP3', () => {
    const FORMATS: Array<[string, () => string, string, string]> = [
      ['WAV', () => fx.wav, 'wav/pcm_s16le', 'wav'],
      ['MP3', () => fx.mp3, 'mp3/mp3', 'mp3'],
      ['M4A (AAC)', () => fx.m4a, 'mov,mp4,m4a,3gp,3g2,mj2/aac', 'm4a'],
      ['OGG (Vorbis)', () => fx.ogg, 'ogg/vorbis', 'ogg'],
    ];
    const converted = new Map<string, MediaAsset>();
    withOneService(stereo96);
    // The same minute per conversion as a test of one upload has.
    beforeAll(async () => {
      const assets = await uploadAllAndWait(FORMATS.map(([, file]) => ({ fixture: file(), name: 'Bản tin sáng.x' })));
      FORMATS.forEach(([label], i) => converted.set(label, assets[i]));
    }, 60_000 * FORMATS.length);

    it.each(FORMATS)('a %s upload becomes ready: 44.1 kHz, configured channels, CBR, same duration', async (label, _file, format, ext) => {
      const asset = converted.get(label)!;

      expect(asset.status).toBe('ready');
      expect(asset.error).toBeNull();
      expect(asset.progress).toBe(100);
      expect(asset.originalName).toBe('Bản tin sáng.x');
      expect(asset.createdBy).toBe('user-1');
      expect(asset.readyAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(asset.originalFormat).toBe(format);
      expect(asset.originalExt).toBe(ext);
      expect(Math.abs(asset.originalDurationMs - FIXTURE_DURATION_MS)).toBeLessThanOrEqual(100);

      const path = store.pathOf(asset.sha256!, BROADCAST_EXT);
      const probed = await probe.probe(path);
      if (!probed.ok) throw new Error(probed.reason);
      expect(probed.audio.codec).toBe('mp3');
      expect(probed.audio.sampleRate).toBe(44100);
      expect(probed.audio.channels).toBe(2);
      expect(Math.abs(probed.audio.durationMs! - FIXTURE_DURATION_MS)).toBeLessThanOrEqual(100);
      expect(asset).toMatchObject({ sampleRate: 44100, channels: 2, bitrateKbps: 96 });
      expect(Math.abs(asset.durationMs! - FIXTURE_DURATION_MS)).toBeLessThanOrEqual(100);

      // Constant bitrate: every 96 kbps frame at 44.1 kHz is 313 or 314 bytes (the padding byte).
      const sizes = new Set(mp3PacketSizes(path));
      for (const size of sizes) expect([313, 314]).toContain(size);

      expect(await service.media.fileFor(asset.sha256!)).toEqual({ sha256: asset.sha256, path, size: asset.size });
      expect(await service.media.requireReady(asset.id)).toMatchObject({ id: asset.id, status: 'ready' });
      expect(readdirSync(store.tmpDir)).toEqual([]);
    });

    it('keeps each original in the store beside its broadcast file, and nothing else', async () => {
      const assets = [...converted.values()];
      for (const asset of assets) expect(await store.has(asset.originalSha256, asset.originalExt)).toBe(true);
      expect(storedFiles().sort()).toEqual([...new Set(assets.flatMap((a) => [`${a.originalSha256}.${a.originalExt}`, `${a.sha256}.mp3`]))].sort());
    });
  });

  describe('normalises every kind of input to −16 LUFS, true peak ≤ −1 dBTP (measured apart, by ebur128)', () => {
    const KINDS = [
      'MP3 (loud, stereo)',
      'WAV (very quiet, mono)',
      'M4A/AAC (stereo)',
      'OGG/Vorbis',
      'OGG/Opus (quiet)',
      'FLAC (very loud, clipping)',
      'AMR-NB (phone recording)',
      '3GP (AMR-WB)',
      'WMA',
      'the sound of a video (MP4, H.264 + AAC)',
    ];
    const converted = new Map<string, MediaAsset>();
    withOneService();
    // The same minute per conversion as a test of one upload has.
    beforeAll(async () => {
      const assets = await uploadAllAndWait(KINDS.map((kind) => ({ fixture: kinds[kind].path, name: `Phát thanh viên/../${kind}.bin` })));
      KINDS.forEach((kind, i) => converted.set(kind, assets[i]));
    }, 60_000 * KINDS.length);

    it.each(KINDS)('%s', (kind) => {
      const asset = converted.get(kind)!;

      expect(asset.status).toBe('ready');
      expect(asset.originalFormat).toMatch(kinds[kind].format);
      expect(asset.originalName).toBe(`${kind.split('/').pop()}.bin`);
      const measured = measureLoudness(store.pathOf(asset.sha256!, BROADCAST_EXT));
      expect(Math.abs(measured.lufs - -16)).toBeLessThanOrEqual(0.5);
      expect(measured.truePeak).toBeLessThanOrEqual(-1);
      // What the API shows is what the file holds.
      expect(Math.abs(asset.outputLufs! - measured.lufs)).toBeLessThanOrEqual(0.1);
      expect(asset.outputTruePeakDbtp!).toBeLessThanOrEqual(-1);
      expect(asset.targetLufs).toBe(-16);
      expect(asset.inputLufs).not.toBeNull();
      expect(asset.gainDb).not.toBeNull();
      expect(asset.channels).toBe(1);
      expect(readdirSync(store.tmpDir)).toEqual([]);
    });

    it('gives a very quiet input positive gain and a very loud one negative', () => {
      const quiet = converted.get('WAV (very quiet, mono)')!;
      const loud = converted.get('FLAC (very loud, clipping)')!;
      expect(quiet.inputLufs!).toBeLessThan(-40);
      expect(quiet.gainDb!).toBeGreaterThan(20);
      expect(loud.inputLufs!).toBeGreaterThan(-12);
      expect(loud.gainDb!).toBeLessThan(0);
    });
  });

  describe('loudness settings', () => {
    it('keeps stereo for a stereo broadcast format, measured as stereo, at −23 LUFS set globally', async () => {
      await start(stereo96, { targetLufs: -23, truePeakCeilingDbtp: -1, silenceThresholdDb: -50, silenceMinMs: 500 });
      const asset = await uploadAndWait(kinds['M4A/AAC (stereo)'].path, 'stereo.m4a');
      expect(asset).toMatchObject({ status: 'ready', channels: 2, targetLufs: -23 });
      const measured = measureLoudness(store.pathOf(asset.sha256!, BROADCAST_EXT));
      expect(Math.abs(measured.lufs - -23)).toBeLessThanOrEqual(0.5);
      expect(measured.truePeak).toBeLessThanOrEqual(-1);
    });

    it('uses the chuyên mục’s own target when it has one', async () => {
      await start();
      await service.targets.setTarget('Cải cách hành chính', -23, 'user-1');
      const temp = uploaded(kinds['OGG/Vorbis'].path);
      const accepted = await service.uploads.upload(temp, 'cchc.ogg', 'user-1', { chuyenMuc: ' Cải cách hành chính ' });
      await service.jobs.whenIdle();
      const asset = await service.media.get(accepted.id);
      expect(asset).toMatchObject({ status: 'ready', chuyenMuc: 'Cải cách hành chính', targetLufs: -23 });
      expect(Math.abs(measureLoudness(store.pathOf(asset.sha256!, BROADCAST_EXT)).lufs - -23)).toBeLessThanOrEqual(0.5);
      expect(await service.targets.targetFor('Chuyển đổi số')).toBe(-16);
    });

    it('marks a file that misses its target ready with a warning saying by how much and why, and one that meets it without', async () => {
      await start(undefined, { targetLufs: -10, truePeakCeilingDbtp: -9, silenceThresholdDb: -50, silenceMinMs: 500 });
      const missed = await uploadAndWait(kinds['WAV (very quiet, mono)'].path, 'peaky.wav');
      expect(missed.status).toBe('ready');
      expect(missed.outputLufs!).toBeLessThan(-10.5);
      expect(missed.loudnessWarning).toMatch(/^Đạt −\d+(,\d)? LUFS thay vì −10 LUFS do đỉnh nhọn/);
      await service.jobs.onModuleDestroy();
      await db.destroy();
      rmSync(root, { recursive: true, force: true });
      await start();
      const met = await uploadAndWait(kinds['WAV (very quiet, mono)'].path, 'plain.wav');
      expect(met).toMatchObject({ status: 'ready', loudnessWarning: null });
    });

    it('cuts leading and trailing silence and records the shorter duration', async () => {
      await start();
      const padded = makeAudio(join(fixturesDir, 'padded.wav'), `${speechLikeSource(3, 0.2)},adelay=1500|1500,apad`, ['-ac', '1', '-t', '6.5']);
      const asset = await uploadAndWait(padded, 'padded.wav');
      expect(Math.abs(asset.originalDurationMs - 6500)).toBeLessThanOrEqual(100);
      expect(Math.abs(asset.durationMs! - 3000)).toBeLessThanOrEqual(150);
      expect(Math.abs(asset.trimmedMs! - 3500)).toBeLessThanOrEqual(150);
    });

    it('fails a silent recording with a reason, instead of raising its noise by 50 dB', async () => {
      await start();
      const silent = makeAudio(join(fixturesDir, 'silent.wav'), 'anullsrc=r=44100:cl=mono', ['-t', '2']);
      const asset = await uploadAndWait(silent, 'silent.wav');
      expect(asset.status).toBe('failed');
      expect(asset.error).toMatch(/im lặng/);
      expect(readdirSync(store.tmpDir)).toEqual([]);
    });
  });

  describe('text bulletins', () => {
    beforeEach(() => start());

    it('a Vietnamese sentence spoken by espeak-ng becomes normalised audio of plausible duration', async () => {
      const tts = new TtsService(new EspeakEngine(), service.uploads, { tts: { engine: 'espeak', voice: 'vi' } });
      const text = 'Từ ngày 05/11/2026, bà con có thể nộp 1.250 loại hồ sơ trên Cổng dịch vụ công trực tuyến.';
      const accepted = await tts.speak(text, undefined, 'user-1', null);
      expect(accepted).toMatchObject({ source: 'tts', status: 'processing', originalName: 'Từ ngày 05-11-2026, bà con có thể nộp 1.250 loại hồ sơ trên.wav' });
      await service.jobs.whenIdle();
      const asset = await service.media.get(accepted.id);

      expect(asset.status).toBe('ready');
      // About thirty spoken words with the numbers and the date written out: several seconds, not a blip.
      expect(asset.durationMs!).toBeGreaterThan(5000);
      expect(asset.durationMs!).toBeLessThan(25_000);
      const measured = measureLoudness(store.pathOf(asset.sha256!, BROADCAST_EXT));
      expect(Math.abs(measured.lufs - -16)).toBeLessThanOrEqual(0.5);
      expect(measured.truePeak).toBeLessThanOrEqual(-1);
    }, 60_000);

    it('speaks through another engine plugged in by configuration, and reports its failure as tts_failed', async () => {
      const engine = new CommandEngine([ffmpegPath(), '-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=2', '-y', '{out}'], () => store.tempPath('.wav'));
      const tts = new TtsService(engine, service.uploads, { tts: { engine: 'command', voice: 'vi', command: [] } });
      const accepted = await tts.speak('Thông báo lịch tiếp dân.', undefined, null, null);
      await service.jobs.whenIdle();
      expect(await service.media.get(accepted.id)).toMatchObject({ status: 'ready', source: 'tts' });

      const broken = new TtsService(new CommandEngine([process.execPath, '-e', 'process.exit(3)'], () => store.tempPath('.wav')), service.uploads, {
        tts: { engine: 'command', voice: 'vi', command: [] },
      });
      await expect(broken.speak('Thông báo.', undefined, null, null)).rejects.toMatchObject({ code: 'tts_failed', status: 503 });
      expect(readdirSync(store.tmpDir)).toEqual([]);
    });
  });

  it('uses mono 96 kbps by default, for loudspeaker networks', async () => {
    await start();
    const asset = await uploadAndWait(fx.wav, 'tone.wav');
    expect(asset).toMatchObject({ status: 'ready', sampleRate: 44100, channels: 1, bitrateKbps: 96 });
  });

  describe('refuses what cannot be aired, keeping nothing', () => {
    beforeEach(() => start());

    it('refuses audio longer than the configured maximum, saying how long each is', async () => {
      await service.jobs.onModuleDestroy();
      await db.destroy();
      rmSync(root, { recursive: true, force: true });
      await start(undefined, undefined, { maxDurationMs: 2000 });
      const temp = uploaded(fx.wav);
      const err = await service.uploads.upload(temp, 'dài.wav', 'user-1').then(() => null, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'media_too_long', status: 422 });
      expect((err as LoaError).message).toMatch(/3 giây.*tối đa 2 giây/);
      expect(existsSync(temp)).toBe(false);
      expect(storedFiles()).toEqual([]);
      expect(await repo.count()).toBe(0);
      expect(await db.getRepository(MediaJob).count()).toBe(0);
    });

    it('refuses a chuyên mục name that is not text or too long, keeping nothing', async () => {
      const temp = uploaded(fx.wav);
      await expect(service.uploads.upload(temp, 'a.wav', null, { chuyenMuc: 'x'.repeat(201) })).rejects.toMatchObject({ code: 'validation_failed' });
      expect(existsSync(temp)).toBe(false);
      expect(storedFiles()).toEqual([]);
      expect(await repo.count()).toBe(0);
    });

    it.each([
      ['an empty file', () => fx.empty, 'media_empty', 422],
      ['a text file named .mp3', () => fx.textAsMp3, 'media_not_audio', 422],
      ['an ffmpeg-made MP3 cut to half its bytes', () => fx.truncatedMp3, 'media_unreadable', 422],
    ])('%s → %s', async (_label, file, code, status) => {
      const temp = uploaded(file());

      const err = await service.uploads.upload(temp, 'x.mp3', 'user-1').then(
        () => null,
        (e: unknown) => e,
      );

      expect(err).toBeInstanceOf(LoaError);
      expect((err as LoaError).code).toBe(code);
      expect((err as LoaError).status).toBe(status);
      expect((err as LoaError).message).toMatch(/[ăâđêôơư]/);
      expect(existsSync(temp)).toBe(false);
      expect(readdirSync(store.tmpDir)).toEqual([]);
      expect(storedFiles()).toEqual([]);
      expect(await repo.count()).toBe(0);
    });
  });

  describe('bounds what uploads cost in CPU and disk', () => {
    it('the decode check stops once the audio passes the limit instead of decoding it all', async () => {
      await start();
      const long = makeAudio(join(fixturesDir, 'long.wav'), 'sine=frequency=300:duration=120', ['-ac', '1', '-ar', '8000']);
      const checked = await probe.checkDecodes({ path: long, format: 'wav' }, 2000);
      expect(checked.errors).toEqual([]);
      expect(checked.decodedMs).toBeGreaterThanOrEqual(1900);
      expect(checked.decodedMs).toBeLessThanOrEqual(2100);
    });

    it('runs uploads’ decode checks in the job queue: never more ffmpegs at once than MEDIA_JOB_CONCURRENCY', async () => {
      await start(undefined, undefined, { mediaJobConcurrency: 1 });
      let now = 0;
      let most = 0;
      const real = probe.checkDecodes.bind(probe);
      const spy = jest.spyOn(probe, 'checkDecodes').mockImplementation(async (...args) => {
        most = Math.max(most, ++now);
        try {
          return await real(...args);
        } finally {
          now--;
        }
      });
      try {
        const accepted = await Promise.all(['u1', 'u2', 'u3'].map((user) => service.uploads.upload(uploaded(fx.wav), 'a.wav', user)));
        expect(accepted.map((a) => a.status)).toEqual(['processing', 'processing', 'processing']);
        expect(spy).toHaveBeenCalledTimes(3);
        expect(most).toBe(1);
      } finally {
        spy.mockRestore();
      }
    });

    it('refuses a user’s upload beyond UPLOAD_CONCURRENT_PER_USER at once, with 429 in Vietnamese, and takes it again once one ends', async () => {
      await start(undefined, undefined, { uploadConcurrentPerUser: 2 });
      const first = await service.uploads.reserveUpload('u1', 1000);
      const second = await service.uploads.reserveUpload('u1', 1000);
      const err = await service.uploads.reserveUpload('u1', 1000).then(() => null, (e: unknown) => e as LoaError);
      expect(err).toMatchObject({ code: 'too_many_requests', status: 429 });
      expect(err!.message).toMatch(/cùng lúc, tối đa 2/);
      // Someone else is not held up, and a place given back is free again (given back twice changes nothing).
      (await service.uploads.reserveUpload('u2', 1000))();
      first();
      first();
      const third = await service.uploads.reserveUpload('u1', 1000);
      await expect(service.uploads.reserveUpload('u1', 1000)).rejects.toMatchObject({ code: 'too_many_requests' });
      second();
      third();
    });

    it('refuses a user’s upload beyond UPLOAD_DAILY_MB_PER_USER in 24 hours, counting what was kept', async () => {
      await start(undefined, undefined, { uploadDailyBytesPerUser: 600_000 });
      await uploadAndWait(fx.wav, 'a.wav');
      const err = await service.uploads.reserveUpload('user-1', 100_000).then(() => null, (e: unknown) => e as LoaError);
      expect(err).toMatchObject({ code: 'too_many_requests', status: 429, details: { limitBytes: 600_000, retryAfterSeconds: 3600 } });
      expect(err!.message).toMatch(/trong 24 giờ qua.*hạn mức/);
      (await service.uploads.reserveUpload('another-user', 100_000))();
    });

    it('refuses a small file that would become a broadcast file many times its size (near-silence in FLAC)', async () => {
      await start();
      const sparse = makAudioQuiet(join(fixturesDir, 'near-silence.flac'));
      const temp = uploaded(sparse);
      const err = await service.uploads.upload(temp, 'im-lang.flac', 'user-1').then(() => null, (e: unknown) => e as LoaError);
      expect(err).toMatchObject({ code: 'media_too_sparse', status: 422 });
      expect(err!.message).toMatch(/lớn gấp \d+ lần \(tối đa 25 lần\)/);
      expect(existsSync(temp)).toBe(false);
      expect(await repo.count()).toBe(0);
    });
  });

  describe('an upload that is an HLS playlist naming a local file, then MP3 frames (a polyglot)', () => {
    const builds: Array<[string, FfmpegBinaries]> = [['the npm build', npmBinaries()]];
    const system = ffmpegBinaries();
    if (system.source !== 'npm') builds.push([`the ${system.source} build`, system]);
    else console.log('polyglot spec: no system ffmpeg ≥ 5 found; install Debian package ffmpeg to check that build too');
    let dir: string;
    let secret: string;
    let frames: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'loa-poly-'));
      // The "local file": 6 s of 3 kHz, so its airing would show in the length and in the pitch.
      secret = makeAudio(join(dir, 'secret.wav'), 'sine=frequency=3000:duration=6', ['-ac', '1']);
      // Bare MP3 frames (no ID3 tag): what the old ffprobe then calls mp3 while the old ffmpeg reads HLS.
      frames = makeAudio(join(dir, 'frames.mp3'), `sine=frequency=440:duration=${FIXTURE_DURATION_MS / 1000}`, ['-c:a', 'libmp3lame', '-b:a', '64k', '-id3v2_version', '0']);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    function polyglot(name: string, endList: boolean): string {
      const head = ['#EXTM3U', '#EXT-X-TARGETDURATION:10', '#EXTINF:6,', secret, ...(endList ? ['#EXT-X-ENDLIST'] : []), ''].join('\n');
      const path = join(dir, name);
      writeFileSync(path, Buffer.concat([Buffer.from(head), readFileSync(frames)]));
      return path;
    }

    describe.each(builds)('with %s', (_label, binaries) => {
      beforeEach(async () => {
        await start();
        await service.jobs.onModuleDestroy();
        ffmpeg = new FfmpegService(binaries);
        probe = new AudioProbeService(binaries);
        service = make({ mediaDir: root, maxUploadBytes: 1 << 30 });
        await service.jobs.onModuleInit();
      });
      afterAll(() => {
        ffmpeg = new FfmpegService();
        probe = new AudioProbeService();
      });

      it.each([
        ['with #EXT-X-ENDLIST', true],
        ['without #EXT-X-ENDLIST (a live playlist that never ends)', false],
      ])('%s: refused, or aired as its 3 s of MP3 only, never the local file, and without hanging', async (_l, endList) => {
        const temp = uploaded(polyglot(`poly-${endList}.mp3`, endList));
        const started = Date.now();
        const outcome = await service.uploads.upload(temp, 'x.mp3', 'user-1').then(
          async (accepted) => {
            await service.jobs.whenIdle();
            return service.media.get(accepted.id);
          },
          (e: unknown) => e,
        );
        expect(Date.now() - started).toBeLessThan(60_000);
        if (outcome instanceof LoaError) {
          expect(['media_not_audio', 'media_unreadable']).toContain(outcome.code);
          expect(await repo.count()).toBe(0);
          return;
        }
        const asset = outcome as MediaAsset;
        if (asset.status !== 'ready') {
          expect(asset.status).toBe('failed');
          return;
        }
        expect(asset.originalDurationMs).toBeLessThan(FIXTURE_DURATION_MS + 500);
        expect(asset.durationMs!).toBeLessThan(FIXTURE_DURATION_MS + 500);
        // Nothing of the 3 kHz tone: the broadcast file's energy above 2 kHz is far below its 440 Hz tone's.
        const path = store.pathOf(asset.sha256!, BROADCAST_EXT);
        const high = measureBand(path, 'highpass=f=2000:poles=2,highpass=f=2000:poles=2');
        const whole = measureBand(path, 'anull');
        expect(whole - high).toBeGreaterThan(20);
      });
    });
  });

  describe('lookups', () => {
    beforeEach(() => start());

    it('answers not_found for an unknown id or hash', async () => {
      await expect(service.media.get('6f1c2a52-4a7e-4f6e-9d0a-2f1d7c3b9e11')).rejects.toMatchObject({ code: 'not_found' });
      await expect(service.media.requireReady('6f1c2a52-4a7e-4f6e-9d0a-2f1d7c3b9e11')).rejects.toMatchObject({ code: 'not_found' });
      await expect(service.media.fileFor('a'.repeat(64))).rejects.toMatchObject({ code: 'not_found' });
    });

    it('answers media_not_ready while the asset is still converting, and lists newest first', async () => {
      const first = await service.uploads.upload(uploaded(fx.wav), 'a.wav', null);
      await expect(service.media.requireReady(first.id)).rejects.toMatchObject({ code: 'media_not_ready', status: 409 });
      const second = await service.uploads.upload(uploaded(fx.ogg), 'b.ogg', null);
      await service.jobs.whenIdle();
      expect((await service.media.list()).map((a) => a.id)).toEqual([second.id, first.id]);
    });
  });

  it('resumes at start-up a conversion that a crash left processing', async () => {
    await start();
    const temp = uploaded(fx.mp3);
    const accepted = await service.uploads.upload(temp, 'tone.mp3', null);
    // A shutdown mid-way aborts ffmpeg and leaves the row as a crash would.
    await service.jobs.onModuleDestroy();
    await repo.update(accepted.id, { status: 'processing', sha256: null, progress: 40 });

    const restarted = make({ mediaDir: root, maxUploadBytes: 1 << 30 });
    await restarted.jobs.onModuleInit();
    await restarted.jobs.whenIdle();

    expect(await restarted.media.get(accepted.id)).toMatchObject({ status: 'ready', progress: 100 });
  });

  it('after a crash mid-job removes the partial work file and runs the job again', async () => {
    await start();
    const accepted = await service.uploads.upload(uploaded(kinds['OGG/Vorbis'].path), 'a.ogg', null);
    await service.jobs.onModuleDestroy();
    const jobs = db.getRepository(MediaJob);
    // As a SIGKILL leaves it: the job running, a half-written file in the work folder.
    const partial = store.tempPath('.mp3');
    writeFileSync(partial, Buffer.alloc(1000, 0xff));
    await repo.update(accepted.id, { status: 'processing', sha256: null, progress: 60 });
    await jobs.update({ assetId: accepted.id }, { state: 'running', attempts: 1, workFile: partial });

    const restarted = make({ mediaDir: root, maxUploadBytes: 1 << 30 });
    await restarted.jobs.onModuleInit();
    await restarted.jobs.whenIdle();

    expect(existsSync(partial)).toBe(false);
    expect(await restarted.media.get(accepted.id)).toMatchObject({ status: 'ready' });
    expect(await jobs.findOneByOrFail({ assetId: accepted.id })).toMatchObject({ state: 'done', attempts: 2, workFile: null });
    expect(readdirSync(store.tmpDir)).toEqual([]);
    await restarted.jobs.onModuleDestroy();
  });

  it('gives up, with a reason, on a job that was cut short as often as allowed', async () => {
    await start();
    const accepted = await service.uploads.upload(uploaded(fx.wav), 'a.wav', null);
    await service.jobs.onModuleDestroy();
    const jobs = db.getRepository(MediaJob);
    await repo.update(accepted.id, { status: 'processing' });
    await jobs.update({ assetId: accepted.id }, { state: 'running', attempts: 3 });

    const restarted = make({ mediaDir: root, maxUploadBytes: 1 << 30, mediaJobMaxAttempts: 3 });
    await restarted.jobs.onModuleInit();
    await restarted.jobs.whenIdle();

    const failed = await restarted.media.get(accepted.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/dừng đột ngột 3 lần/);
    expect(await jobs.findOneByOrFail({ assetId: accepted.id })).toMatchObject({ state: 'failed' });
    await restarted.jobs.onModuleDestroy();
  });

  it('cancels a running conversion: ffmpeg stopped, no file kept, the change pushed', async () => {
    await start(undefined, undefined, { mediaJobConcurrency: 1 });
    const long = makeAudio(join(fixturesDir, 'long.wav'), speechLikeSource(120, 0.2), ['-ac', '1']);
    const seen: string[] = [];
    const accepted = await service.uploads.upload(uploaded(long), 'long.wav', null);
    const sub = service.media.changes(accepted.id).subscribe((a) => seen.push(`${a.status}:${a.progress}`));
    const deadline = Date.now() + 20_000;
    while ((await service.media.get(accepted.id)).progress < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    const cancelled = await service.jobs.cancel(accepted.id);
    await service.jobs.whenIdle();
    sub.unsubscribe();

    expect(cancelled).toMatchObject({ status: 'cancelled', sha256: null });
    expect(await service.media.get(accepted.id)).toMatchObject({ status: 'cancelled' });
    expect(await db.getRepository(MediaJob).findOneByOrFail({ assetId: accepted.id })).toMatchObject({ state: 'cancelled' });
    expect(seen.some((e) => /^processing:\d+$/.test(e) && Number(e.split(':')[1]) >= 10)).toBe(true);
    expect(seen).toContain(`cancelled:${cancelled.progress}`);
    expect(readdirSync(store.tmpDir)).toEqual([]);
    expect(storedFiles()).toEqual([`${accepted.originalSha256}.wav`]);
    await expect(service.jobs.cancel(accepted.id)).rejects.toMatchObject({ code: 'conflict', status: 409 });
  });

  it('marks the asset failed, with a reason in Vietnamese, when its original has vanished', async () => {
    await start();
    const accepted = await service.uploads.upload(uploaded(fx.wav), 'tone.wav', null);
    await service.jobs.onModuleDestroy();
    await repo.update(accepted.id, { status: 'processing' });
    rmSync(store.pathOf(accepted.originalSha256, accepted.originalExt));

    const restarted = make({ mediaDir: root, maxUploadBytes: 1 << 30 });
    await restarted.jobs.onModuleInit();
    await restarted.jobs.whenIdle();

    const failed = await restarted.media.get(accepted.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/tệp gốc/);
    await expect(restarted.media.requireReady(accepted.id)).rejects.toMatchObject({ code: 'media_not_ready' });
  });
});
