import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { LoaError } from '../common/errors';
import { BroadcastFormat, FfmpegService } from './ffmpeg.service';
import { LoudnessTarget } from './loudness-target.entity';
import { MediaAsset } from './media-asset.entity';
import { MediaEvents } from './media-events';
import { MediaJob } from './media-job.entity';
import { MediaStore } from './media-store';
import { BROADCAST_EXT, MediaService, MediaSettings } from './media.service';
import { AudioFixtures, FIXTURE_DURATION_MS, makeAudioFixtures, mp3PacketSizes } from './test-fixtures';

/** Test-only: an in-memory SQLite schema built from the entity; the application itself runs migrations. */
function testOnlyDataSource(): DataSource {
  return new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [MediaAsset, MediaJob, LoudnessTarget], synchronize: true });
}

/** Real ffmpeg, a real store in a temp folder and a real (in-memory) table. */
describe('MediaService with real ffmpeg', () => {
  const stereo96: BroadcastFormat = { sampleRate: 44100, channels: 2, bitrateKbps: 96 };
  let fixturesDir: string;
  let fx: AudioFixtures;
  let root: string;
  let db: DataSource;
  let repo: Repository<MediaAsset>;
  let store: MediaStore;
  let ffmpeg: FfmpegService;
  let service: MediaService;

  beforeAll(() => {
    Logger.overrideLogger(false);
    fixturesDir = mkdtempSync(join(tmpdir(), 'loa-fx-'));
    fx = makeAudioFixtures(fixturesDir);
    ffmpeg = new FfmpegService();
  });
  afterAll(() => rmSync(fixturesDir, { recursive: true, force: true }));

  async function start(broadcast?: BroadcastFormat): Promise<void> {
    root = mkdtempSync(join(tmpdir(), 'loa-media-'));
    db = testOnlyDataSource();
    await db.initialize();
    repo = db.getRepository(MediaAsset);
    store = new MediaStore(root);
    service = make({ mediaDir: root, maxUploadBytes: 1 << 30, broadcast });
    await service.onModuleInit();
  }

  function make(settings: MediaSettings): MediaService {
    return new MediaService(repo, db.getRepository(MediaJob), db.getRepository(LoudnessTarget), store, ffmpeg, new MediaEvents(), settings);
  }

  afterEach(async () => {
    await service.onModuleDestroy();
    await db.destroy();
    rmSync(root, { recursive: true, force: true });
  });

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
    const accepted = await service.upload(temp, name, 'user-1');
    expect(accepted.status).toBe('processing');
    expect(existsSync(temp)).toBe(false);
    await service.whenIdle();
    return service.get(accepted.id);
  }

  describe('turns audio into a broadcast MP3', () => {
    beforeEach(() => start(stereo96));

    it.each([
      ['WAV', () => fx.wav, 'wav/pcm_s16le', 'wav'],
      ['MP3', () => fx.mp3, 'mp3/mp3', 'mp3'],
      ['M4A (AAC)', () => fx.m4a, 'mov,mp4,m4a,3gp,3g2,mj2/aac', 'm4a'],
      ['OGG (Vorbis)', () => fx.ogg, 'ogg/vorbis', 'ogg'],
    ])('a %s upload becomes ready: 44.1 kHz, configured channels, CBR, same duration', async (_label, file, format, ext) => {
      const asset = await uploadAndWait(file(), 'Bản tin sáng.x');

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
      const probed = await ffmpeg.probe(path);
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

      expect(await service.fileFor(asset.sha256!)).toEqual({ sha256: asset.sha256, path, size: asset.size });
      expect(await service.requireReady(asset.id)).toMatchObject({ id: asset.id, status: 'ready' });
      expect(readdirSync(store.tmpDir)).toEqual([]);
    });

    it('keeps the original in the store beside the broadcast file', async () => {
      const asset = await uploadAndWait(fx.wav, 'tone.wav');
      expect(await store.has(asset.originalSha256, 'wav')).toBe(true);
      expect(storedFiles().sort()).toEqual([`${asset.originalSha256}.wav`, `${asset.sha256}.mp3`].sort());
    });
  });

  it('uses mono 96 kbps by default, for loudspeaker networks', async () => {
    await start();
    const asset = await uploadAndWait(fx.wav, 'tone.wav');
    expect(asset).toMatchObject({ status: 'ready', sampleRate: 44100, channels: 1, bitrateKbps: 96 });
  });

  describe('refuses what cannot be aired, keeping nothing', () => {
    beforeEach(() => start());

    it.each([
      ['an empty file', () => fx.empty, 'media_empty', 422],
      ['a text file named .mp3', () => fx.textAsMp3, 'media_not_audio', 422],
      ['an ffmpeg-made MP3 cut to half its bytes', () => fx.truncatedMp3, 'media_unreadable', 422],
    ])('%s → %s', async (_label, file, code, status) => {
      const temp = uploaded(file());

      const err = await service.upload(temp, 'x.mp3', 'user-1').then(
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

  describe('lookups', () => {
    beforeEach(() => start());

    it('answers not_found for an unknown id or hash', async () => {
      await expect(service.get('6f1c2a52-4a7e-4f6e-9d0a-2f1d7c3b9e11')).rejects.toMatchObject({ code: 'not_found' });
      await expect(service.requireReady('6f1c2a52-4a7e-4f6e-9d0a-2f1d7c3b9e11')).rejects.toMatchObject({ code: 'not_found' });
      await expect(service.fileFor('a'.repeat(64))).rejects.toMatchObject({ code: 'not_found' });
    });

    it('answers media_not_ready while the asset is still converting, and lists newest first', async () => {
      const first = await service.upload(uploaded(fx.wav), 'a.wav', null);
      await expect(service.requireReady(first.id)).rejects.toMatchObject({ code: 'media_not_ready', status: 409 });
      const second = await service.upload(uploaded(fx.ogg), 'b.ogg', null);
      await service.whenIdle();
      expect((await service.list()).map((a) => a.id)).toEqual([second.id, first.id]);
    });
  });

  it('resumes at start-up a conversion that a crash left processing', async () => {
    await start();
    const temp = uploaded(fx.mp3);
    const accepted = await service.upload(temp, 'tone.mp3', null);
    // A shutdown mid-way aborts ffmpeg and leaves the row as a crash would.
    await service.onModuleDestroy();
    await repo.update(accepted.id, { status: 'processing', sha256: null, progress: 40 });

    const restarted = make({ mediaDir: root, maxUploadBytes: 1 << 30 });
    await restarted.onModuleInit();
    await restarted.whenIdle();

    expect(await restarted.get(accepted.id)).toMatchObject({ status: 'ready', progress: 100 });
  });

  it('marks the asset failed, with a reason in Vietnamese, when its original has vanished', async () => {
    await start();
    const accepted = await service.upload(uploaded(fx.wav), 'tone.wav', null);
    await service.onModuleDestroy();
    await repo.update(accepted.id, { status: 'processing' });
    rmSync(store.pathOf(accepted.originalSha256, accepted.originalExt));

    const restarted = make({ mediaDir: root, maxUploadBytes: 1 << 30 });
    await restarted.onModuleInit();
    await restarted.whenIdle();

    const failed = await restarted.get(accepted.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/tệp gốc/);
    await expect(restarted.requireReady(accepted.id)).rejects.toMatchObject({ code: 'media_not_ready' });
  });
});
