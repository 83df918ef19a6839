import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeAudio, measureLoudness, speechLikeSource } from './support/media-fixtures';
import { Api } from './support/api';
import { eventually, ServerProc, startServerProcess } from './support/processes';

const ENV = { MAX_UPLOAD_MB: '4', MAX_DURATION_S: '300', MEDIA_JOB_CONCURRENCY: '1' };

/** Every file under the content-addressed store, with whether its bytes still hash to its name. */
async function storeContents(mediaDir: string): Promise<{ name: string; intact: boolean }[]> {
  const root = join(mediaDir, 'sha256');
  const out: { name: string; intact: boolean }[] = [];
  for (const sub of await readdir(root)) {
    for (const name of await readdir(join(root, sub))) {
      const hash = createHash('sha256').update(await readFile(join(root, sub, name))).digest('hex');
      out.push({ name, intact: name.startsWith(hash + '.') });
    }
  }
  return out;
}

/**
 * The media pipeline on the real server process: loudness through the HTTP API, refusals, the server
 * killed in the middle of a normalisation, text bulletins, and progress over server-sent events.
 */
describe('broadcast-grade audio on the real server', () => {
  let dir: string;
  let server: ServerProc;
  let admin: Api;
  let long: string;
  let tooLong: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-e2e-audio-'));
    // Three minutes of speech-like sound: long enough that a kill lands inside the encoding pass.
    long = makeAudio(join(dir, 'chuong-trinh-dai.mp3'), speechLikeSource(180, 0.1), ['-ac', '1', '-c:a', 'libmp3lame', '-b:a', '48k']);
    tooLong = makeAudio(join(dir, 'qua-dai.mp3'), 'sine=frequency=440:duration=310:sample_rate=8000', ['-ac', '1', '-c:a', 'libmp3lame', '-b:a', '8k']);
    server = await startServerProcess(dir, { env: ENV });
    admin = new Api(server.url);
    await admin.login('admin', 'e2e-admin-password');
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a server killed (SIGKILL) in the middle of a normalisation finishes the job after restart, with no partial file', async () => {
    const upload = await admin.upload(long, 'Chương trình dài.mp3');
    expect(upload.status).toBe(201);
    const id = upload.body.id as string;
    await eventually('progress into the encoding pass', async () => {
      const asset = await admin.ok('GET', `/api/media/assets/${id}`);
      if (asset.status !== 'processing') throw new Error(`finished before the kill: ${asset.status}`);
      return asset.progress >= 30;
    }, 60_000);

    await server.kill();
    const leftBehind = await readdir(join(dir, 'media', 'tmp'));
    expect(leftBehind.length).toBeGreaterThan(0); // the half-written MP3 of the killed job
    expect((await storeContents(join(dir, 'media'))).every((f) => f.intact)).toBe(true);

    server = await startServerProcess(dir, { env: ENV });
    admin = new Api(server.url);
    await admin.login('admin', 'e2e-admin-password');
    const asset = await admin.waitReady(id, 120_000);

    expect(asset.progress).toBe(100);
    expect(await readdir(join(dir, 'media', 'tmp'))).toEqual([]);
    const stored = await storeContents(join(dir, 'media'));
    expect(stored.every((f) => f.intact)).toBe(true);
    expect(stored.map((f) => f.name).sort()).toEqual([`${asset.originalSha256}.mp3`, `${asset.sha256}.mp3`].sort());
    const measured = measureLoudness(join(dir, 'media', 'sha256', asset.sha256.slice(0, 2), `${asset.sha256}.mp3`));
    expect(Math.abs(measured.lufs - -16)).toBeLessThanOrEqual(0.5);
    expect(measured.truePeak).toBeLessThanOrEqual(-1);
    expect(Math.abs(asset.outputLufs - measured.lufs)).toBeLessThanOrEqual(0.1);
  }, 240_000);

  it('shows the measured loudness in the API and pushes progress over server-sent events (token in the query)', async () => {
    const file = makeAudio(join(dir, 'ban-tin.wav'), speechLikeSource(20, 0.05), ['-ac', '2']);
    const upload = await admin.upload(file, 'Bản tin sáng.wav');
    expect(upload.status).toBe(201);
    const id = upload.body.id as string;

    const res = await fetch(`${server.url}/api/media/assets/${id}/events?access_token=${admin.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text(); // the stream ends with the conversion
    const events = text
      .split('\n\n')
      .filter((block) => block.trim())
      .map((block) => {
        const field = (name: string) => block.split('\n').find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? '';
        return { type: field('event'), data: JSON.parse(field('data')) };
      });
    expect(events.length).toBeGreaterThan(0);
    const last = events[events.length - 1];
    expect(last.type).toBe('ready');
    expect(last.data).toMatchObject({ id, status: 'ready', progress: 100, targetLufs: -16 });
    for (const e of events.slice(0, -1)) expect(e.type).toBe('progress');

    const asset = await admin.ok('GET', `/api/media/assets/${id}`);
    expect(asset.inputLufs).toBeLessThan(-35);
    expect(asset.gainDb).toBeGreaterThan(15);
    expect(Math.abs(asset.outputLufs - -16)).toBeLessThanOrEqual(0.5);
    expect(asset.outputTruePeakDbtp).toBeLessThanOrEqual(-1);

    // The query token is taken on the event stream only, and checked like the header.
    expect((await fetch(`${server.url}/api/media/assets/${id}/events?access_token=not-a-token`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/media/assets/${id}/events`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/media/assets/${randomUUID()}/events?access_token=${admin.token}`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/media/assets/${id}?access_token=${admin.token}`)).status).toBe(401);
    // A finished conversion cannot be cancelled.
    const cancel = await admin.request('POST', `/api/media/assets/${id}/cancel`);
    expect(cancel.status).toBe(409);
  }, 120_000);

  it('turns a Vietnamese text bulletin into normalised speech', async () => {
    const res = await admin.request('POST', '/api/media/tts', {
      text: 'Thông báo: từ ngày 01/12/2026, Ủy ban nhân dân xã tiếp công dân vào sáng thứ Năm hằng tuần.',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ source: 'tts', status: 'processing' });
    const asset = await admin.waitReady(res.body.id, 60_000);
    expect(asset.durationMs).toBeGreaterThan(4000);
    expect(asset.durationMs).toBeLessThan(25_000);
    expect(Math.abs(asset.outputLufs - -16)).toBeLessThanOrEqual(0.5);

    const empty = await admin.request('POST', '/api/media/tts', { text: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('validation_failed');
  }, 90_000);

  it('keeps a per-chuyên-mục loudness target and normalises that chuyên mục’s uploads to it', async () => {
    const set = await admin.request('PUT', '/api/media/loudness-targets', { chuyenMuc: 'Cải cách hành chính', targetLufs: -23 });
    expect(set.status).toBe(200);
    expect((await admin.request('PUT', '/api/media/loudness-targets', { chuyenMuc: 'X', targetLufs: -3 })).status).toBe(400);
    expect(await admin.ok('GET', '/api/media/loudness-targets')).toEqual([expect.objectContaining({ chuyenMuc: 'Cải cách hành chính', targetLufs: -23 })]);

    const res = await admin.request('POST', '/api/media/tts', { text: 'Chuyên mục cải cách hành chính tháng này.', chuyenMuc: 'Cải cách hành chính' });
    expect(res.status).toBe(201);
    const asset = await admin.waitReady(res.body.id, 60_000);
    expect(asset.targetLufs).toBe(-23);
    expect(Math.abs(asset.outputLufs - -23)).toBeLessThanOrEqual(0.5);
  }, 90_000);

  describe('refusals leave nothing in the store or the database', () => {
    it.each([
      ['longer than the maximum duration (300 s)', 422, 'media_too_long', () => tooLong],
      ['larger than the upload limit (4 MB)', 413, 'payload_too_large', async () => {
        const p = join(dir, 'qua-lon.wav');
        await writeFile(p, randomBytes(5 * 1024 * 1024));
        return p;
      }],
    ] as const)('%s → %i %s', async (_label, status, code, make) => {
      const path = await make();
      const before = (await admin.ok('GET', '/api/media/assets')).length;
      const storedBefore = (await storeContents(join(dir, 'media'))).length;
      const res = await admin.upload(path, 'Tệp/../của xã.mp3');
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(res.body.message).toMatch(/[ạảãáàâăđêôơư]/);
      expect((await admin.ok('GET', '/api/media/assets')).length).toBe(before);
      expect((await storeContents(join(dir, 'media'))).length).toBe(storedBefore);
      expect(await readdir(join(dir, 'media', 'tmp'))).toEqual([]);
    }, 60_000);
  });
});
