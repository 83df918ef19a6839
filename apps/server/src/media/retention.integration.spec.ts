import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Api } from '../../../../test/support/api';
import { startInProcessServer } from '../../../../test/support/in-process';
import { MediaStore } from './media-store';
import { RetentionService } from './retention.service';
import { makeAudio, speechLikeSource } from '../../../../test/support/media-fixtures';

const DAY = 24 * 3600 * 1000;

/** The retention job on the real server and migrations, against real slots made through the API. */
describe('retention on SQLite with the real migrations', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let stationId: string;
  let store: MediaStore;

  beforeAll(async () => {
    const server = await startInProcessServer('loa-retention-');
    ({ dir, app, api } = server);
    store = new MediaStore(server.config.mediaDir);
    const unit = await api.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    stationId = (await api.ok('POST', '/api/stations', { unitId: unit.id, name: 'Trạm Cẩm Bình', code: 'cam-binh' })).station.id;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function asset(name: string, amplitude: number): Promise<any> {
    const file = makeAudio(join(dir, name), speechLikeSource(2, amplitude), ['-ac', '1']);
    const upload = await api.upload(file, name);
    expect(upload.status).toBe(201);
    return api.waitReady(upload.body.id);
  }

  async function airedAt(assetId: string, startMs: number): Promise<void> {
    const programme = await api.ok('POST', '/api/programmes', { title: `Chương trình ${assetId}`, chuyenMuc: 'Cải cách hành chính', mediaAssetId: assetId });
    await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(startMs).toISOString(), stationIds: [stationId] });
  }

  it('deletes the files of what aired more than six months ago, and keeps what is scheduled, recent or shared', async () => {
    const now = Date.now();
    const airedLongAgo = await asset('a.wav', 0.2);
    await airedAt(airedLongAgo.id, now + 3600_000);
    const airedRecently = await asset('b.wav', 0.1);
    await airedAt(airedRecently.id, now + 90 * DAY);
    const stillScheduled = await asset('c.wav', 0.05);
    await airedAt(stillScheduled.id, now + 240 * DAY);
    // The same bytes as the scheduled one, uploaded again and never used: its row expires, the files stay.
    const duplicate = await asset('c.wav', 0.05);
    expect(duplicate.sha256).toBe(stillScheduled.sha256);

    // Seven months on.
    const expired = await app.get(RetentionService).runOnce(new Date(now + 213 * DAY));

    expect(expired.sort()).toEqual([airedLongAgo.id, duplicate.id].sort());
    const status = async (id: string) => (await api.ok('GET', `/api/media/assets/${id}`)).status;
    expect(await status(airedLongAgo.id)).toBe('expired');
    expect(await status(duplicate.id)).toBe('expired');
    expect(await status(airedRecently.id)).toBe('ready');
    expect(await status(stillScheduled.id)).toBe('ready');
    expect(existsSync(store.pathOf(airedLongAgo.sha256, 'mp3'))).toBe(false);
    expect(existsSync(store.pathOf(airedLongAgo.originalSha256, 'wav'))).toBe(false);
    expect(existsSync(store.pathOf(stillScheduled.sha256, 'mp3'))).toBe(true);
    expect(existsSync(store.pathOf(stillScheduled.originalSha256, 'wav'))).toBe(true);
    expect(existsSync(store.pathOf(airedRecently.sha256, 'mp3'))).toBe(true);
    const gone = await api.request('GET', `/api/media/files/${airedLongAgo.sha256}`);
    expect(gone.status).toBe(404);

    // A second pass the same day changes nothing.
    expect(await app.get(RetentionService).runOnce(new Date(now + 213 * DAY))).toEqual([]);
  }, 90_000);
});
