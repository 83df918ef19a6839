import { dataSourceOptions } from '../database/data-source';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentsHost, Catch, ExceptionFilter, INestApplication, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken, getRepositoryToken } from '@nestjs/typeorm';
import { AccessPolicy } from '../access/access-policy';
import { AccessRepository } from '../access/access.repository';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { AudioProbeService } from './audio-probe.service';
import { FfmpegService } from './ffmpeg.service';
import { LoudnessTarget } from './loudness-target.entity';
import { MediaAsset } from './media-asset.entity';
import { MediaEvents } from './media-events';
import { MediaJob } from './media-job.entity';
import { MediaStorage, MediaStore } from './media-store';
import { MediaAccess } from './media-access';
import { MediaController } from './media.controller';
import { MediaRepository } from './media.repository';
import { ConversionService } from './conversion.service';
import { LoudnessTargetsService } from './loudness-targets.service';
import { MediaJobsService } from './media-jobs.service';
import type { MediaSettings } from './media-settings';
import { MediaUploadService } from './media-upload.service';
import { MediaService } from './media.service';
import { AudioFixtures, makeAudioFixtures } from '../../../../test/support/media-fixtures';
import { EspeakEngine } from './tts/espeak-engine';
import { TTS_ENGINE } from './tts/tts-engine';
import { TtsService } from './tts/tts.service';
import { UploadInterceptor } from './upload.interceptor';

/** Stands in for the application's global filter: a LoaError becomes {statusCode, code, message}. */
@Catch(LoaError)
class LoaErrorFilter implements ExceptionFilter {
  catch(err: LoaError, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(err.status).json({ statusCode: err.status, code: err.code, message: err.message });
  }
}

describe('Media routes over HTTP', () => {
  // A conversion starts several ffmpeg processes, slow to start on a busy machine.
  jest.setTimeout(60_000);
  const maxUploadBytes = 200_000;
  let fixturesDir: string;
  let fx: AudioFixtures;
  let root: string;
  let db: DataSource;
  let app: INestApplication;
  let jobs: MediaJobsService;
  let uploads: MediaUploadService;
  let store: MediaStorage;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    fixturesDir = mkdtempSync(join(tmpdir(), 'loa-fx-'));
    fx = makeAudioFixtures(fixturesDir);
    root = mkdtempSync(join(tmpdir(), 'loa-media-http-'));
    // Test-only: schema from the entity; the application itself runs migrations.
    db = new DataSource(dataSourceOptions({ engine: 'sqlite', path: ':memory:' }));
    await db.initialize();
    const settings: MediaSettings & Pick<AppConfig, 'tts'> = { mediaDir: root, maxUploadBytes, tts: { engine: 'espeak', voice: 'vi' } };

    const moduleRef = await Test.createTestingModule({
      controllers: [MediaController],
      providers: [
        { provide: AppConfig, useValue: settings },
        { provide: getRepositoryToken(MediaAsset), useValue: db.getRepository(MediaAsset) },
        { provide: getRepositoryToken(MediaJob), useValue: db.getRepository(MediaJob) },
        { provide: getRepositoryToken(LoudnessTarget), useValue: db.getRepository(LoudnessTarget) },
        { provide: TTS_ENGINE, useValue: new EspeakEngine() },
        MediaEvents,
        Clock,
        TtsService,
        { provide: MediaStorage, useValue: new MediaStore(root) },
        FfmpegService,
        AudioProbeService,
        MediaRepository,
        MediaService,
        LoudnessTargetsService,
        ConversionService,
        MediaJobsService,
        MediaUploadService,
        { provide: getDataSourceToken(), useValue: db },
        AccessPolicy,
        AccessRepository,
        MediaAccess,
        UploadInterceptor,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('api');
    app.useGlobalFilters(new LoaErrorFilter());
    // The real guard sets the principal; here every request is an editor.
    const editor: Principal = { kind: 'user', userId: 'u-editor', username: 'bien.tap', role: 'editor', unitId: null };
    app.use((req: Request & { principal?: Principal }, _res: Response, next: NextFunction) => {
      req.principal = editor;
      next();
    });
    await app.init();
    jobs = app.get(MediaJobsService);
    uploads = app.get(MediaUploadService);
    store = app.get(MediaStorage);
  });

  afterAll(async () => {
    await app.close();
    await db.destroy();
    rmSync(root, { recursive: true, force: true });
    rmSync(fixturesDir, { recursive: true, force: true });
  });

  const server = () => app.getHttpServer() as Parameters<typeof request>[0];

  describe('an uploaded MP3, once converted, downloads with Range support', () => {
    let sha256: string;
    let broadcast: Buffer;

    beforeAll(async () => {
      const res = await request(server()).post('/api/media').attach('file', fx.mp3, 'Thời sự sáng.mp3').expect(201);
      expect(res.body).toMatchObject({ status: 'processing', originalName: 'Thời sự sáng.mp3', createdBy: 'u-editor' });
      expect(res.body).not.toHaveProperty('originalExt');
      await jobs.whenIdle();
      const asset = await request(server()).get(`/api/media/assets/${res.body.id as string}`).expect(200);
      expect(asset.body.status).toBe('ready');
      expect(asset.body).toHaveProperty('loudnessWarning', null);
      sha256 = asset.body.sha256 as string;
      broadcast = readFileSync(store.pathOf(sha256, 'mp3'));
      const list = await request(server()).get('/api/media/assets').expect(200);
      expect(list.body.map((a: { id: string }) => a.id)).toEqual([res.body.id]);
    });

    it('serves the whole file with its type, length and sha256 ETag', async () => {
      const res = await request(server()).get(`/api/media/files/${sha256}`).buffer(true).expect(200);
      expect(res.headers['content-type']).toBe('audio/mpeg');
      expect(res.headers['content-length']).toBe(String(broadcast.length));
      expect(res.headers['accept-ranges']).toBe('bytes');
      expect(res.headers['etag']).toBe(`"${sha256}"`);
      expect(createHash('sha256').update(res.body as Buffer).digest('hex')).toBe(sha256);
    });

    it('serves bytes=0-99 as 206 with Content-Range', async () => {
      const res = await request(server()).get(`/api/media/files/${sha256}`).set('Range', 'bytes=0-99').buffer(true).expect(206);
      expect(res.headers['content-range']).toBe(`bytes 0-99/${broadcast.length}`);
      expect((res.body as Buffer).equals(broadcast.subarray(0, 100))).toBe(true);
    });

    it('resumes from an offset with bytes=N-', async () => {
      const from = broadcast.length - 1000;
      const res = await request(server()).get(`/api/media/files/${sha256}`).set('Range', `bytes=${from}-`).buffer(true).expect(206);
      expect((res.body as Buffer).equals(broadcast.subarray(from))).toBe(true);
    });

    it('answers 416 with the size for a range beyond the end', async () => {
      const res = await request(server()).get(`/api/media/files/${sha256}`).set('Range', `bytes=${broadcast.length}-`).expect(416);
      expect(res.headers['content-range']).toBe(`bytes */${broadcast.length}`);
      expect(res.body.code).toBe('range_not_satisfiable');
    });

    it('answers 304 to a client that already has it', async () => {
      await request(server()).get(`/api/media/files/${sha256}`).set('If-None-Match', `"${sha256}"`).expect(304);
    });
  });

  it('refuses an upload over the size limit with 413 payload_too_large and keeps nothing', async () => {
    const res = await request(server()).post('/api/media').attach('file', fx.wav, 'big.wav');
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
    expect(res.body.message).toMatch(/quá lớn/);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it('refuses with 429 an upload beyond the user’s uploads at once, before its bytes are stored', async () => {
    const held = [await uploads.reserveUpload('u-editor', 0), await uploads.reserveUpload('u-editor', 0)];
    try {
      const res = await request(server()).post('/api/media').attach('file', fx.mp3, 'a.mp3').expect(429);
      expect(res.body.code).toBe('too_many_requests');
      expect(res.body.message).toMatch(/cùng lúc/);
      expect(readdirSync(store.tmpDir)).toEqual([]);
    } finally {
      held.forEach((release) => release());
    }
  });

  it('refuses a text file named .mp3 with 422 media_not_audio', async () => {
    const res = await request(server()).post('/api/media').attach('file', fx.textAsMp3, 'notes.mp3').expect(422);
    expect(res.body.code).toBe('media_not_audio');
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it('answers 400 validation_failed when the file field is missing or misnamed', async () => {
    const none = await request(server()).post('/api/media').field('title', 'x').expect(400);
    expect(none.body.code).toBe('validation_failed');
    const wrongField = await request(server()).post('/api/media').attach('audio', fx.mp3, 'a.mp3').expect(400);
    expect(wrongField.body.code).toBe('validation_failed');
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it('validates ids and hashes before looking anything up', async () => {
    expect((await request(server()).get('/api/media/assets/not-a-uuid').expect(400)).body.code).toBe('validation_failed');
    expect((await request(server()).get('/api/media/files/..%2F..%2Fetc%2Fpasswd').expect(400)).body.code).toBe('validation_failed');
    expect((await request(server()).get(`/api/media/files/${'0'.repeat(64)}`).expect(404)).body.code).toBe('not_found');
  });
});
