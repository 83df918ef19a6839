import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { dataSourceOptions, openDatabase } from '../database/data-source';
import { AudioProbeService } from './audio-probe.service';
import { FfmpegService } from './ffmpeg.service';
import { MediaAsset } from './media-asset.entity';
import { MediaJob } from './media-job.entity';
import { MediaStore } from './media-store';
import { MediaRepository } from './media.repository';
import { BROADCAST_EXT } from './media.service';
import { mediaServices, type MediaServices } from '../../../../test/support/media-services';
import { makeAudio } from '../../../../test/support/media-fixtures';

/**
 * Two server instances on one database and one shared MEDIA_DIR (here two data sources on one SQLite file,
 * each with its own store object on the same folder), taking conversions from the same job table.
 */
describe('conversion jobs shared by several instances', () => {
  jest.setTimeout(120_000);
  let dir: string;
  let root: string;
  let tone: string;
  const sources: DataSource[] = [];
  const services: MediaServices[] = [];

  beforeAll(() => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'loa-shared-jobs-'));
    tone = makeAudio(join(dir, 'tone.wav'), 'sine=frequency=440:duration=3', ['-ac', '1']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(() => {
    root = mkdtempSync(join(dir, 'media-'));
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.jobs.onModuleDestroy();
    for (const d of sources.splice(0)) await d.destroy();
  });

  async function instance(dbPath: string): Promise<{ service: MediaServices; store: MediaStore; db: DataSource }> {
    const db = await openDatabase(dataSourceOptions({ engine: 'sqlite', path: dbPath }));
    sources.push(db);
    const store = new MediaStore(root);
    const service = mediaServices(new MediaRepository(db), store, { ffmpeg: new FfmpegService(), probe: new AudioProbeService() }, {
      mediaDir: root,
      maxUploadBytes: 1 << 30,
      sharedJobs: true,
    }, new Clock());
    services.push(service);
    return { service, store, db };
  }

  /** An upload left queued: accepted by an instance that stopped before converting it. */
  async function queuedUpload(dbPath: string): Promise<string> {
    const first = await instance(dbPath);
    await first.service.jobs.onModuleInit();
    const temp = first.store.tempPath('.upload');
    copyFileSync(tone, temp);
    const accepted = await first.service.uploads.upload(temp, 'tone.wav', null);
    await first.service.jobs.onModuleDestroy();
    services.splice(services.indexOf(first.service), 1);
    await first.db.getRepository(MediaJob).update({ assetId: accepted.id }, { state: 'queued', workFile: null, attempts: 0 });
    await first.db.getRepository(MediaAsset).update({ id: accepted.id }, { status: 'processing', progress: 0 });
    return accepted.id;
  }

  it('a queued conversion both instances find is claimed and run by one of them only', async () => {
    const dbPath = join(root, 'loa.sqlite');
    const assetId = await queuedUpload(dbPath);
    const [a, b] = [await instance(dbPath), await instance(dbPath)];
    const imports = [jest.spyOn(a.store, 'importFile'), jest.spyOn(b.store, 'importFile')];
    // Both start at once and both put the queued job in their queue.
    await Promise.all([a.service.jobs.onModuleInit(), b.service.jobs.onModuleInit()]);
    await Promise.all([a.service.jobs.whenIdle(), b.service.jobs.whenIdle()]);

    const broadcastImports = imports.flatMap((spy) => spy.mock.calls).filter(([, ext]) => ext === BROADCAST_EXT);
    expect(broadcastImports).toHaveLength(1);
    expect(await a.service.media.get(assetId)).toMatchObject({ status: 'ready' });
    expect(await a.db.getRepository(MediaJob).findOneByOrFail({ assetId })).toMatchObject({ state: 'done', attempts: 1 });
  });

  it('an instance starting leaves alone a job another live instance runs, and takes up one whose instance went quiet', async () => {
    const dbPath = join(root, 'loa.sqlite');
    const assetId = await queuedUpload(dbPath);
    const a = await instance(dbPath);
    const jobs = a.db.getRepository(MediaJob);
    // As another instance leaves it mid-conversion: running, its work file being written, its heartbeat fresh.
    const workFile = a.store.tempPath('.mp3');
    await a.store.init();
    writeFileSync(workFile, Buffer.alloc(1000, 0xff));
    await jobs.update({ assetId }, { state: 'running', attempts: 1, workFile, heartbeatAt: new Date().toISOString() });
    await a.service.jobs.onModuleInit();
    await a.service.jobs.whenIdle();
    expect(existsSync(workFile)).toBe(true);
    expect(await jobs.findOneByOrFail({ assetId })).toMatchObject({ state: 'running', attempts: 1 });
    expect(await jobs.countBy({ assetId })).toBe(1);

    // That instance dies: its heartbeat stops. The next instance to look takes the job up and finishes it.
    await jobs.update({ assetId }, { heartbeatAt: new Date(Date.now() - 5 * 60_000).toISOString() });
    const b = await instance(dbPath);
    await b.service.jobs.onModuleInit();
    await b.service.jobs.whenIdle();
    expect(existsSync(workFile)).toBe(false);
    expect(await b.service.media.get(assetId)).toMatchObject({ status: 'ready' });
    expect(await jobs.findOneByOrFail({ assetId })).toMatchObject({ state: 'done', attempts: 2 });
  });
});
