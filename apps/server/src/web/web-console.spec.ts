import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { mountWebConsole } from './web-console';

@Controller('ping')
class PingController {
  @Get()
  ping() {
    return { pong: true };
  }
}

@Module({ controllers: [PingController] })
class TinyModule {}

async function appWith(webDir: string): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(TinyModule, { logger: false });
  app.setGlobalPrefix('api');
  mountWebConsole(app, webDir);
  await app.init();
  return app;
}

describe('the web console beside the API', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-web-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves the built app, its assets, and index.html for any page path; the API keeps its routes and its 404s', async () => {
    const web = join(dir, 'built');
    await mkdir(join(web, 'assets'), { recursive: true });
    await writeFile(join(web, 'index.html'), '<!doctype html><title>Loa app</title>');
    await writeFile(join(web, 'assets', 'app-1234.js'), 'console.log(1)');
    const app = await appWith(web);
    const http = app.getHttpServer();

    const root = await request(http).get('/');
    expect(root.status).toBe(200);
    expect(root.text).toContain('Loa app');
    expect(root.headers['cache-control']).toBe('no-cache');

    const deep = await request(http).get('/lich-phat-song/tuan');
    expect(deep.status).toBe(200);

    const replay = await request(http).get('/nghe-lai/ht-cam-binh?days=7');
    expect(replay.status).toBe(301);
    expect(replay.headers.location).toBe('/api/nghe-lai/ht-cam-binh?days=7');
    expect(deep.text).toContain('Loa app');

    const asset = await request(http).get('/assets/app-1234.js');
    expect(asset.text).toBe('console.log(1)');
    expect(asset.headers['cache-control']).toContain('immutable');

    expect((await request(http).get('/api/ping')).body).toEqual({ pong: true });
    const missing = await request(http).get('/api/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.text).not.toContain('Loa app');
    expect((await request(http).post('/somewhere')).status).toBe(404);
    await app.close();
  });

  it('without a build, answers page paths with a Vietnamese note and still serves the API', async () => {
    const app = await appWith(join(dir, 'never-built'));
    const http = app.getHttpServer();
    const root = await request(http).get('/tong-quan');
    expect(root.status).toBe(200);
    expect(root.text).toContain('giao diện web chưa được dựng');
    expect(root.text).toContain('npm run build');
    expect((await request(http).get('/api/ping')).body).toEqual({ pong: true });
    await app.close();
  });
});
