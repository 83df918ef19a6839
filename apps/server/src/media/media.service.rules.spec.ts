import { asRepository } from '../../../../test/support/fakes/fakes';
import { FakeFfmpeg } from '../../../../test/support/fakes/ffmpeg.fake';
import { assetRow, InMemoryMediaRepository } from '../../../../test/support/fakes/media.fake';
import { InMemoryMediaStore } from '../../../../test/support/fakes/media-store.fake';
import { MediaEvents } from './media-events';
import type { MediaRepository } from './media.repository';
import { MediaService, type ReadyMediaAsset } from './media.service';

const SHA = 'a'.repeat(64);

function setup() {
  const repo = new InMemoryMediaRepository();
  const store = new InMemoryMediaStore();
  const ffmpeg = new FakeFfmpeg(store);
  const events = new MediaEvents();
  const service = new MediaService(asRepository<MediaRepository>(repo), store, ffmpeg.asService(), events, { mediaDir: '/nowhere', maxUploadBytes: 1 });
  return { repo, store, ffmpeg, events, service };
}

describe('MediaService rules on in-memory assets', () => {
  it('says why an asset cannot be scheduled yet, and names one that does not exist', async () => {
    const { repo, service } = setup();
    repo.assets.push(assetRow({ id: 'busy', status: 'processing' }), assetRow({ id: 'gone', status: 'expired' }), assetRow({ id: 'done' }));
    await expect(service.requireReady('busy')).rejects.toMatchObject({ code: 'media_not_ready', message: expect.stringMatching(/đang được chuyển đổi/) });
    await expect(service.requireReady('gone')).rejects.toMatchObject({ code: 'media_not_ready', message: expect.stringMatching(/thời hạn lưu trữ/) });
    await expect(service.requireReady('done')).resolves.toMatchObject({ id: 'done' });
    await expect(service.get('nothing')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lets an agent fetch a file only while an approved slot on its own station airs it', async () => {
    const { repo, service } = setup();
    repo.airings.set('s-a1 sha-x', '2026-03-02T00:00:00.000Z');
    expect(await service.stationMayRead('s-a1', 'sha-x', '2026-03-01T00:00:00.000Z')).toBe(true);
    expect(await service.stationMayRead('s-b1', 'sha-x', '2026-03-01T00:00:00.000Z')).toBe(false);
    expect(await service.stationMayRead('s-a1', 'sha-x', '2026-03-03T00:00:00.000Z')).toBe(false);
  });

  it('serves a ready asset’s broadcast file, and not_found for a bad hash, an asset not ready, or a file gone from the store', async () => {
    const { repo, store, service } = setup();
    repo.assets.push(assetRow({ id: 'done', sha256: SHA }), assetRow({ id: 'busy', status: 'processing', sha256: 'b'.repeat(64) }));
    store.files.set(store.pathOf(SHA, 'mp3'), Buffer.alloc(321));
    expect(await service.fileFor(SHA)).toEqual({ sha256: SHA, path: store.pathOf(SHA, 'mp3'), size: 321 });
    await expect(service.fileFor('../etc/passwd')).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.fileFor('b'.repeat(64))).rejects.toMatchObject({ code: 'not_found' });
    store.files.clear();
    await expect(service.fileFor(SHA)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('measures a file’s live gain once and keeps it, answering with the true-peak ceiling', async () => {
    const { repo, store, ffmpeg, service } = setup();
    repo.assets.push(assetRow({ id: 'done', sha256: SHA, outputLufs: -16, liveGainDb: null }));
    store.files.set(store.pathOf(SHA, 'mp3'), Buffer.alloc(10));
    // The live encode comes out half a LU quieter than the file: the gain makes up for it.
    let measures = 0;
    ffmpeg.measureFiltered = async () => ({ integratedLufs: -16, truePeakDbtp: -2 });
    ffmpeg.encodeMeasured = async () => (measures++, { integratedLufs: -16.5, truePeakDbtp: -2 });
    const asset = (await repo.asset('done')) as ReadyMediaAsset;
    expect(await service.liveGain(asset)).toEqual({ db: 0.5, ceilingDbtp: -1 });
    expect((await repo.asset('done'))!.liveGainDb).toBe(0.5);
    expect(await service.liveGain((await repo.asset('done')) as ReadyMediaAsset)).toEqual({ db: 0.5, ceilingDbtp: -1 });
    expect(measures).toBe(1);
  });

  it('settles on the end of a conversion, or answers as the asset stands when it takes too long', async () => {
    const { repo, events, service } = setup();
    repo.assets.push(assetRow({ id: 'busy', status: 'processing' }), assetRow({ id: 'slow', status: 'processing' }));
    const settled = service.settled('busy', 5_000);
    await new Promise((r) => setImmediate(r));
    await repo.updateAsset({ id: 'busy' }, { status: 'ready' });
    events.emit((await repo.asset('busy'))!);
    await expect(settled).resolves.toMatchObject({ id: 'busy', status: 'ready' });
    await expect(service.settled('slow', 10)).resolves.toMatchObject({ id: 'slow', status: 'processing' });
  });

  it('lists newest first', async () => {
    const { repo, service } = setup();
    repo.assets.push(assetRow({ id: 'old', createdAt: '2026-01-01T00:00:00.000Z' }), assetRow({ id: 'new', createdAt: '2026-02-01T00:00:00.000Z' }));
    expect((await service.list()).map((a) => a.id)).toEqual(['new', 'old']);
  });
});
