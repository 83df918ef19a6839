import { asRepository, partial } from '../../../../test/support/fakes/fakes';
import { audioFacts, FakeFfmpeg } from '../../../../test/support/fakes/ffmpeg.fake';
import { assetRow, InMemoryMediaRepository } from '../../../../test/support/fakes/media.fake';
import { InMemoryMediaStore } from '../../../../test/support/fakes/media-store.fake';
import { FakeClock } from '../../../../test/support/fakes/schedule-fixture';
import { LoudnessTargetsService } from './loudness-targets.service';
import type { MediaJobsService } from './media-jobs.service';
import type { MediaSettings } from './media-settings';
import { MediaUploadService } from './media-upload.service';
import type { MediaRepository } from './media.repository';

const MB = 1024 * 1024;
const NOW = Date.parse('2026-03-01T08:00:00.000Z');

function setup(settings: Partial<MediaSettings> = {}) {
  const repo = new InMemoryMediaRepository();
  const store = new InMemoryMediaStore();
  const ffmpeg = new FakeFfmpeg(store);
  const clock = new FakeClock(NOW);
  const config: MediaSettings = { mediaDir: '/nowhere', maxUploadBytes: 100 * MB, ...settings };
  const enqueued: string[] = [];
  let placesTaken = 0;
  const jobs = partial<MediaJobsService>('jobs', {
    enqueue: (id: string) => void enqueued.push(id),
    runFirst: <T>(work: () => Promise<T>) => (placesTaken++, work()),
  });
  const targets = new LoudnessTargetsService(asRepository<MediaRepository>(repo), config, clock);
  const service = new MediaUploadService(asRepository<MediaRepository>(repo), store, ffmpeg.asProbe(), jobs, targets, config, clock);
  /** Where multer would leave an upload of `bytes` bytes. */
  const arrived = (bytes: number, fill = 1): string => {
    const temp = store.tempPath('.upload');
    store.files.set(temp, Buffer.alloc(bytes, fill));
    return temp;
  };
  return { repo, store, ffmpeg, targets, service, enqueued, arrived, placesTaken: () => placesTaken };
}

describe('MediaUploadService on in-memory fakes', () => {
  it('keeps the original under its hash, records the asset processing with a queued job, and queues it here', async () => {
    const { repo, store, ffmpeg, targets, service, enqueued, arrived, placesTaken } = setup({ maxDurationMs: 600_000 });
    await targets.setTarget('Cải cách hành chính', -23, 'u');
    const temp = arrived(100_000);
    ffmpeg.probes.set(temp, { ok: true, audio: audioFacts({ formatName: 'mov,mp4,m4a,3gp,3g2,mj2', codec: 'aac', durationMs: 61_000 }) });
    ffmpeg.decodes = { decodedMs: 60_500, errors: [] };

    const asset = await service.upload(temp, 'C:\\Ghi âm\\bản\u0007 tin.m4a', 'u-1', { chuyenMuc: ' Cải cách hành chính ' });

    expect(asset).toMatchObject({
      status: 'processing',
      originalName: 'bản tin.m4a',
      originalExt: 'm4a',
      originalSize: 100_000,
      originalFormat: 'mov,mp4,m4a,3gp,3g2,mj2/aac',
      originalDurationMs: 60_500,
      chuyenMuc: 'Cải cách hành chính',
      targetLufs: -23,
      source: 'upload',
      createdBy: 'u-1',
      createdAt: '2026-03-01T08:00:00.000Z',
      progress: 0,
      sha256: null,
    });
    expect(store.stored()).toEqual([`${asset.originalSha256}.m4a`]);
    expect(store.workFiles()).toEqual([]);
    expect(repo.jobs).toEqual([expect.objectContaining({ assetId: asset.id, kind: 'normalise', state: 'queued', attempts: 0 })]);
    expect(enqueued).toEqual([repo.jobs[0].id]);
    // The decode check stops just past the longest programme, in a place among the conversions.
    expect(ffmpeg.calls).toContain(`checkDecodes ${temp} 601000`);
    expect(placesTaken()).toBe(1);
  });

  it.each([
    ['an empty file', 'media_empty', (f: ReturnType<typeof setup>) => f.arrived(0)],
    ['a file that does not probe as audio', 'media_not_audio', (f: ReturnType<typeof setup>) => {
      const temp = f.arrived(100_000);
      f.ffmpeg.probes.set(temp, { ok: false, reason: 'no audio stream' });
      return temp;
    }],
    ['a file that declares more than the longest programme', 'media_too_long', (f: ReturnType<typeof setup>) => {
      const temp = f.arrived(100 * MB);
      f.ffmpeg.probes.set(temp, { ok: true, audio: audioFacts({ durationMs: 5 * 3600_000 }) });
      return temp;
    }],
    ['a file whose decoder reports errors', 'media_unreadable', (f: ReturnType<typeof setup>) => {
      f.ffmpeg.decodes = { decodedMs: 60_000, errors: ['Invalid data found'] };
      return f.arrived(100_000);
    }],
    ['a file that decodes far less than it declares (cut short)', 'media_unreadable', (f: ReturnType<typeof setup>) => {
      f.ffmpeg.decodes = { decodedMs: 20_000, errors: [] };
      return f.arrived(100_000);
    }],
    ['a small file that would become a broadcast file many times its size', 'media_too_sparse', (f: ReturnType<typeof setup>) => f.arrived(1000)],
  ])('refuses %s with %s, keeping nothing', async (_label, code, make) => {
    const fixture = setup();
    const temp = make(fixture);
    await expect(fixture.service.upload(temp, 'x.mp3', 'u-1')).rejects.toMatchObject({ code, message: expect.stringMatching(/[ăâđêôơư]/) });
    expect(fixture.store.files.size).toBe(0);
    expect(fixture.repo.assets).toEqual([]);
    expect(fixture.repo.jobs).toEqual([]);
    expect(fixture.enqueued).toEqual([]);
  });

  it('refuses a declared overlong file before decoding it, and a chuyên mục name that is not text', async () => {
    const { ffmpeg, service, arrived, store } = setup();
    const long = arrived(100 * MB);
    ffmpeg.probes.set(long, { ok: true, audio: audioFacts({ durationMs: 5 * 3600_000 }) });
    await expect(service.upload(long, 'x.wav', null)).rejects.toMatchObject({ code: 'media_too_long', message: expect.stringMatching(/5 giờ 00 phút.*tối đa 4 giờ 00 phút/) });
    expect(ffmpeg.calls.filter((c) => c.startsWith('checkDecodes'))).toEqual([]);
    await expect(service.upload(arrived(100_000), 'x.wav', null, { chuyenMuc: 42 })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(store.files.size).toBe(0);
  });

  it('takes spoken text in as an upload of its own source, keeping the text', async () => {
    const { service, enqueued } = setup();
    const asset = await service.uploadSpeech(Buffer.alloc(100_000, 2), 'Thông báo', 'u-1', 'Thời sự', 'Thông báo lịch tiếp dân.');
    expect(asset).toMatchObject({ source: 'tts', spokenText: 'Thông báo lịch tiếp dân.', chuyenMuc: 'Thời sự', originalName: 'Thông báo' });
    expect(enqueued).toHaveLength(1);
  });

  it('counts what a user kept in the last 24 hours against the daily allowance, and no one else\'s', async () => {
    const { repo, service } = setup({ uploadConcurrentPerUser: 2, uploadDailyBytesPerUser: 10 * MB });
    const recent = new Date(NOW - 3600_000).toISOString();
    repo.assets.push(assetRow({ id: 'mine', createdBy: 'u', originalSize: 8 * MB, createdAt: recent }));
    repo.assets.push(assetRow({ id: 'old', createdBy: 'u', originalSize: 8 * MB, createdAt: '2020-01-01T00:00:00.000Z' }));
    repo.assets.push(assetRow({ id: 'theirs', createdBy: 'v', originalSize: 8 * MB, createdAt: recent }));
    await expect(service.reserveUpload('u', 3 * MB)).rejects.toMatchObject({ code: 'too_many_requests', details: { usedBytes: 8 * MB } });
    const release = await service.reserveUpload('u', 1 * MB);
    const second = await service.reserveUpload('v', 1 * MB);
    await expect(service.reserveUpload('v', 1 * MB).then((r) => r())).resolves.toBeUndefined();
    release();
    second();
  });

  it('holds a user to UPLOAD_CONCURRENT_PER_USER places at once, counting what is arriving against the day', async () => {
    const { service } = setup({ uploadConcurrentPerUser: 2, uploadDailyBytesPerUser: 10 * MB });
    const first = await service.reserveUpload('u', 4 * MB);
    await expect(service.reserveUpload('u', 7 * MB)).rejects.toMatchObject({ code: 'too_many_requests', details: { usedBytes: 4 * MB } });
    const second = await service.reserveUpload('u', 1 * MB);
    await expect(service.reserveUpload('u', 0)).rejects.toMatchObject({ code: 'too_many_requests', details: { limit: 2 } });
    first();
    first();
    (await service.reserveUpload('u', 7 * MB))();
    second();
  });
});
