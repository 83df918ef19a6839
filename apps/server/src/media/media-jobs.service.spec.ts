import { Logger } from '@nestjs/common';
import { asRepository } from '../../../../test/support/fakes/fakes';
import { FakeFfmpeg } from '../../../../test/support/fakes/ffmpeg.fake';
import { assetRow, InMemoryMediaRepository } from '../../../../test/support/fakes/media.fake';
import { InMemoryMediaStore } from '../../../../test/support/fakes/media-store.fake';
import { FakeClock } from '../../../../test/support/fakes/schedule-fixture';
import { ConversionService } from './conversion.service';
import type { MediaAsset } from './media-asset.entity';
import { MediaEvents } from './media-events';
import { MediaJobsService } from './media-jobs.service';
import type { MediaSettings } from './media-settings';
import type { MediaRepository } from './media.repository';
import { MediaService } from './media.service';

const NOW = Date.parse('2026-03-01T08:00:00.000Z');

/** One instance's jobs over a repository and store that other instances may share. */
function instance(repo: InMemoryMediaRepository, store: InMemoryMediaStore, settings: Partial<MediaSettings> = {}, clock = new FakeClock(NOW)) {
  const ffmpeg = new FakeFfmpeg(store);
  const config: MediaSettings = { mediaDir: '/nowhere', maxUploadBytes: 1, mediaJobConcurrency: 1, ...settings };
  const db = asRepository<MediaRepository>(repo);
  const events = new MediaEvents();
  const media = new MediaService(db, store, ffmpeg.asService(), events, config);
  const jobs = new MediaJobsService(db, store, new ConversionService(store, ffmpeg.asService(), ffmpeg.asProbe(), config), media, events, config, clock);
  return { ffmpeg, events, media, jobs, clock };
}

function setup(settings: Partial<MediaSettings> = {}) {
  const repo = new InMemoryMediaRepository();
  const store = new InMemoryMediaStore();
  return { repo, store, ...instance(repo, store, settings) };
}

/** An accepted upload: its original in the store, the asset processing, its job as given (queued by default). */
async function accepted(repo: InMemoryMediaRepository, store: InMemoryMediaStore, id: string, job: Partial<{ state: 'queued' | 'running'; attempts: number; workFile: string | null; heartbeatAt: string | null }> = {}) {
  store.files.set(store.pathOf(`orig-${id}`, 'wav'), Buffer.from(`original ${id}`));
  repo.assets.push(assetRow({ id, status: 'processing', sha256: null, size: null, durationMs: null, readyAt: null, progress: 0 }));
  return repo.insertJob({ assetId: id, kind: 'normalise', state: 'queued', attempts: 0, createdAt: '2026-03-01T07:00:00.000Z', ...job });
}

describe('MediaJobsService on in-memory fakes', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('claims a queued job at start, converts it, and marks the asset ready and the job done together', async () => {
    const { repo, store, jobs, events } = setup();
    const job = await accepted(repo, store, 'a1');
    const seen: string[] = [];
    events.of('a1').subscribe((a: MediaAsset) => seen.push(`${a.status}:${a.progress}`));

    await jobs.onModuleInit();
    await jobs.whenIdle();

    const asset = (await repo.asset('a1'))!;
    expect(asset).toMatchObject({ status: 'ready', progress: 100, error: null, readyAt: '2026-03-01T08:00:00.000Z', inputLufs: -30, outputLufs: -16, gainDb: expect.any(Number) });
    expect(store.stored()).toEqual([`${asset.sha256}.mp3`, 'orig-a1.wav'].sort());
    expect(store.workFiles()).toEqual([]);
    expect(await repo.job(job.id)).toMatchObject({ state: 'done', attempts: 1, workFile: null, startedAt: '2026-03-01T08:00:00.000Z', finishedAt: '2026-03-01T08:00:00.000Z' });
    expect(seen.at(-1)).toBe('ready:100');
    expect(seen.some((s) => /^processing:\d+$/.test(s))).toBe(true);
  });

  it('fails a silent recording with its reason, and one whose original is gone, keeping no work file', async () => {
    const { repo, store, ffmpeg, jobs } = setup();
    ffmpeg.analysis = { ...ffmpeg.analysis, reading: { integratedLufs: -75, truePeakDbtp: -60 } };
    const silent = await accepted(repo, store, 'silent');
    const lost = await accepted(repo, store, 'lost');
    store.files.delete(store.pathOf('orig-lost', 'wav'));

    await jobs.onModuleInit();
    await jobs.whenIdle();

    expect(await repo.asset('silent')).toMatchObject({ status: 'failed', error: expect.stringMatching(/im lặng/) });
    expect(await repo.job(silent.id)).toMatchObject({ state: 'failed', workFile: null });
    expect(await repo.asset('lost')).toMatchObject({ status: 'failed', error: expect.stringMatching(/tệp gốc/) });
    // Its job is closed too, not left queued for the next start to find.
    expect(await repo.job(lost.id)).toMatchObject({ state: 'failed', error: 'original missing', finishedAt: '2026-03-01T08:00:00.000Z' });
    expect(await repo.jobsIn('queued')).toEqual([]);
    expect(store.workFiles()).toEqual([]);
    expect(store.stored()).toEqual(['orig-silent.wav']);
  });

  it('after a crash runs a cut-short job again without its work file, and gives up on one cut short as often as allowed', async () => {
    const { repo, store, jobs } = setup({ mediaJobMaxAttempts: 3 });
    const partial = store.tempPath('.mp3');
    store.files.set(partial, Buffer.alloc(10));
    const again = await accepted(repo, store, 'again', { state: 'running', attempts: 1, workFile: partial });
    const hopeless = await accepted(repo, store, 'hopeless', { state: 'running', attempts: 3 });
    // An asset from before jobs were kept gets one.
    store.files.set(store.pathOf('orig-old', 'wav'), Buffer.from('original old'));
    repo.assets.push(assetRow({ id: 'old', status: 'processing', sha256: null }));

    await jobs.onModuleInit();
    await jobs.whenIdle();

    expect(store.discarded).toContain(partial);
    expect(await repo.job(again.id)).toMatchObject({ state: 'done', attempts: 2 });
    expect(await repo.asset('hopeless')).toMatchObject({ status: 'failed', error: expect.stringMatching(/dừng đột ngột 3 lần/) });
    expect(await repo.job(hopeless.id)).toMatchObject({ state: 'failed' });
    expect(await repo.asset('old')).toMatchObject({ status: 'ready' });
    expect(repo.jobs.filter((j) => j.assetId === 'old')).toEqual([expect.objectContaining({ state: 'done' })]);
  });

  it('with the table shared, leaves a job another live instance runs and takes up one whose heartbeat went stale', async () => {
    const { repo, store, jobs, clock } = setup({ sharedJobs: true });
    const workFile = store.tempPath('.mp3');
    const job = await accepted(repo, store, 'a1', { state: 'running', attempts: 1, workFile, heartbeatAt: new Date(NOW - 5_000).toISOString() });
    await jobs.onModuleInit();
    await jobs.whenIdle();
    expect(await repo.job(job.id)).toMatchObject({ state: 'running', attempts: 1, workFile });
    expect(repo.jobs).toHaveLength(1);
    await jobs.onModuleDestroy();

    clock.at = NOW + 5 * 60_000;
    const later = instance(repo, store, { sharedJobs: true }, clock);
    await later.jobs.onModuleInit();
    await later.jobs.whenIdle();
    await later.jobs.onModuleDestroy();
    expect(await repo.job(job.id)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('of two instances that queued the same job, only the one whose claim lands converts it', async () => {
    const repo = new InMemoryMediaRepository();
    const store = new InMemoryMediaStore();
    const job = await accepted(repo, store, 'a1');
    const [a, b] = [instance(repo, store, { sharedJobs: true }), instance(repo, store, { sharedJobs: true })];
    await Promise.all([a.jobs.onModuleInit(), b.jobs.onModuleInit()]);
    await Promise.all([a.jobs.whenIdle(), b.jobs.whenIdle()]);
    await Promise.all([a.jobs.onModuleDestroy(), b.jobs.onModuleDestroy()]);
    const encodes = [a, b].map((i) => i.ffmpeg.calls.filter((c) => c.startsWith('encodeMeasured') && !c.endsWith('null')).length);
    expect(encodes.sort()).toEqual([0, 1]);
    expect(await repo.job(job.id)).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('cancels a running conversion: its ffmpeg stopped, its work file gone, the change pushed; a finished one is a conflict', async () => {
    const { repo, store, ffmpeg, jobs, events } = setup();
    const job = await accepted(repo, store, 'a1');
    const encoding = ffmpeg.hold();
    const seen: string[] = [];
    events.of('a1').subscribe((a: MediaAsset) => seen.push(a.status));
    await jobs.onModuleInit();
    await encoding;

    const cancelled = await jobs.cancel('a1');
    await jobs.whenIdle();

    expect(cancelled).toMatchObject({ status: 'cancelled', error: expect.stringMatching(/huỷ/) });
    expect(await repo.job(job.id)).toMatchObject({ state: 'cancelled', workFile: null });
    expect(seen).toContain('cancelled');
    expect(store.workFiles()).toEqual([]);
    expect(store.stored()).toEqual(['orig-a1.wav']);
    await expect(jobs.cancel('a1')).rejects.toMatchObject({ code: 'conflict' });
    await expect(jobs.cancel('nothing')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('at shutdown leaves a running job to the next start, without counting the attempt against the file', async () => {
    const { repo, store, ffmpeg, jobs } = setup();
    const job = await accepted(repo, store, 'a1');
    const encoding = ffmpeg.hold();
    await jobs.onModuleInit();
    await encoding;

    await jobs.onModuleDestroy();

    expect(await repo.job(job.id)).toMatchObject({ state: 'queued', attempts: 0, workFile: null });
    expect(await repo.asset('a1')).toMatchObject({ status: 'processing' });
    expect(store.workFiles()).toEqual([]);
  });

  it('runs work given to runFirst ahead of waiting conversions, within the same places', async () => {
    const { repo, store, ffmpeg, jobs } = setup({ mediaJobConcurrency: 1 });
    await accepted(repo, store, 'a1');
    await accepted(repo, store, 'a2');
    const encoding = ffmpeg.hold();
    await jobs.onModuleInit();
    await encoding;
    const order: string[] = [];
    const check = jobs.runFirst(async () => (order.push(`check while ${repo.jobs.filter((j) => j.state === 'running').length} running`), 'checked'));
    ffmpeg.release();
    await expect(check).resolves.toBe('checked');
    await jobs.whenIdle();
    expect(order).toEqual(['check while 0 running']);
    expect(repo.jobs.map((j) => j.state)).toEqual(['done', 'done']);
  });
});
