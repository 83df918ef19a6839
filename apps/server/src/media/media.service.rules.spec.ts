import { Clock } from '../common/clock';
import { asRepository, unused } from '../../../../test/support/fakes/fakes';
import { assetRow, InMemoryMediaRepository } from '../../../../test/support/fakes/media.fake';
import type { FfmpegService } from './ffmpeg.service';
import { MediaEvents } from './media-events';
import type { MediaStorage } from './media-store';
import type { MediaRepository } from './media.repository';
import { MediaService } from './media.service';

const MB = 1024 * 1024;

function setup() {
  const repo = new InMemoryMediaRepository();
  const service = new MediaService(asRepository<MediaRepository>(repo), unused<MediaStorage>('store'), unused<FfmpegService>('ffmpeg'), new MediaEvents(), {
    mediaDir: '/nowhere',
    maxUploadBytes: 100 * MB,
    uploadConcurrentPerUser: 2,
    uploadDailyBytesPerUser: 10 * MB,
  }, new Clock());
  return { repo, service };
}

describe('MediaService rules on in-memory assets', () => {
  it('counts what a user kept in the last 24 hours against the daily allowance, and no one else\'s', async () => {
    const { repo, service } = setup();
    const recent = new Date(Date.now() - 3600_000).toISOString();
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

  it('cancels a conversion still running, with its open jobs, and refuses to cancel a finished one', async () => {
    const { repo, service } = setup();
    repo.assets.push(assetRow({ id: 'busy', status: 'processing' }), assetRow({ id: 'done' }));
    await repo.insertJob({ assetId: 'busy', state: 'running', createdAt: '2026-01-01T00:00:00.000Z' });
    await expect(service.cancel('busy')).resolves.toMatchObject({ status: 'cancelled' });
    expect(repo.jobs[0]).toMatchObject({ state: 'cancelled', workFile: null });
    await expect(service.cancel('done')).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.requireReady('busy')).rejects.toMatchObject({ code: 'media_not_ready' });
    await expect(service.requireReady('done')).resolves.toMatchObject({ id: 'done' });
    await expect(service.get('nothing')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('normalises a chuyên mục to its own loudness target, else the global one, and names a missing one', async () => {
    const { service } = setup();
    await expect(service.setTarget('   ', -20, 'u')).rejects.toMatchObject({ code: 'validation_failed' });
    await service.setTarget(' Thời sự ', -20, 'u');
    expect(await service.targetFor('Thời sự')).toBe(-20);
    expect(await service.targetFor('Ca nhạc')).toBe(-16);
    expect(await service.targetFor(null)).toBe(-16);
    await service.removeTarget('Thời sự');
    await expect(service.removeTarget('Thời sự')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lets an agent fetch a file only while an approved slot on its own station airs it', async () => {
    const { repo, service } = setup();
    repo.airings.set('s-a1 sha-x', '2026-03-02T00:00:00.000Z');
    expect(await service.stationMayRead('s-a1', 'sha-x', '2026-03-01T00:00:00.000Z')).toBe(true);
    expect(await service.stationMayRead('s-b1', 'sha-x', '2026-03-01T00:00:00.000Z')).toBe(false);
    expect(await service.stationMayRead('s-a1', 'sha-x', '2026-03-03T00:00:00.000Z')).toBe(false);
  });
});
