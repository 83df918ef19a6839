import { INestApplication } from '@nestjs/common';
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { open, type Entry } from 'yauzl';
import { ZipFile } from 'yazl';
import { Api } from '../../../../test/support/api';
import { startInProcessServer } from '../../../../test/support/in-process';
import { runCli } from '../cli';
import { LineDraft, LogbookWriter } from '../logbook/logbook-writer';
import { RetentionService } from '../media/retention.service';
import { makeAudio, speechLikeSource } from '../../../../test/support/media-fixtures';
import { MANIFEST_PATH, SIGNATURE_PATH, signedBytes, type DossierManifest, type ManifestSignature } from './dossier-manifest';

const DAY = 86_400_000;
/** First quarter of 2026, in Vietnam's time. */
const Q1 = { from: '2026-01-01T00:00:00+07:00', to: '2026-04-01T00:00:00+07:00' };
const BULLETIN =
  'Thông báo của Ủy ban nhân dân xã về việc tiếp nhận hồ sơ thủ tục hành chính trực tuyến: từ ngày 05/01/2026, ' +
  'người dân nộp hồ sơ đăng ký hộ tịch, chứng thực và đất đai qua Cổng dịch vụ công quốc gia, không cần đến trụ sở. ' +
  'Mọi thắc mắc xin liên hệ bộ phận một cửa, số điện thoại 0239 3861 234, trong giờ hành chính các ngày làm việc.';

type Station = { id: string; name: string; unitId: string; code: string };

/** Every entry of a ZIP, by name, with its bytes: for a dossier of a few files. */
function readZip(path: string): Promise<{ name: string; data: Buffer }[]> {
  return new Promise((resolve, reject) => {
    open(path, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out: { name: string; data: Buffer }[] = [];
      zip.on('entry', (entry: Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.push({ name: entry.fileName, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** A ZIP of the given entries, as a tamperer would rebuild one. */
function writeZip(path: string, entries: { name: string; data: Buffer }[]): Promise<void> {
  const zip = new ZipFile();
  for (const e of entries) zip.addBuffer(e.data, e.name);
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => {
      writeFileSync(path, Buffer.concat(chunks));
      resolve();
    });
    zip.outputStream.on('error', reject);
  });
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the dossier (hồ sơ tuyên truyền) of a seeded quarter', () => {
  let dir: string;
  let app: INestApplication;
  let admin: Api;
  let inspectorA: Api;
  const stations: Record<'a' | 'b', Station> = {} as Record<'a' | 'b', Station>;
  let unitA: string;
  let unitB: string;
  let province: string;
  let cchc: { id: string; sha256: string; assetId: string };
  let bulletin: { id: string; sha256: string; assetId: string };
  let keysPem: string;

  async function download(api: Api, query: string, file: string): Promise<number> {
    const res = await fetch(`${api.baseUrl}/api/logbook/dossier?${query}`, { headers: { authorization: `Bearer ${api.token}` } });
    writeFileSync(join(dir, file), Buffer.from(await res.arrayBuffer()));
    if (res.status === 200) expect(res.headers.get('content-type')).toBe('application/zip');
    return res.status;
  }

  beforeAll(async () => {
    ({ dir, app, api: admin } = await startInProcessServer('loa-dossier-'));
    province = (await admin.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' })).id;
    unitA = (await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã', parentId: province })).id;
    unitB = (await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Vịnh', kind: 'Xã', parentId: province })).id;
    stations.a = (await admin.ok('POST', '/api/stations', { unitId: unitA, name: 'Trạm Cẩm Bình', code: 'cam-binh' })).station;
    stations.b = (await admin.ok('POST', '/api/stations', { unitId: unitB, name: 'Trạm Cẩm Vịnh', code: 'cam-vinh' })).station;
    await admin.ok('POST', '/api/users', { username: 'kiemtra-a', displayName: 'Kiểm tra xã Cẩm Bình', password: 'kiem-tra-mat-khau-1', role: 'inspector', unitId: unitA });
    await admin.ok('POST', '/api/users', { username: 'kiemtra-tinh', displayName: 'Kiểm tra tỉnh', password: 'kiem-tra-mat-khau-2', role: 'inspector', unitId: province });
    inspectorA = new Api(admin.baseUrl);
    await inspectorA.login('kiemtra-a', 'kiem-tra-mat-khau-1');

    const upload = await admin.upload(makeAudio(join(dir, 'cchc.wav'), speechLikeSource(2, 0.2), ['-ac', '1']), 'cchc.wav');
    const audio = await admin.waitReady(upload.body.id);
    const cchcProgramme = await admin.ok('POST', '/api/programmes', { title: 'Chuyên mục Cải cách hành chính tháng 1', chuyenMuc: 'Cải cách hành chính', mediaAssetId: audio.id });
    cchc = { id: cchcProgramme.id, sha256: audio.sha256, assetId: audio.id };
    const spoken = await admin.ok('POST', '/api/media/tts', { text: BULLETIN, chuyenMuc: 'Tin bài' });
    const speech = await admin.waitReady(spoken.id, 120_000);
    const bulletinProgramme = await admin.ok('POST', '/api/programmes', { title: 'Thông báo dịch vụ công trực tuyến', chuyenMuc: 'Tin bài', mediaAssetId: speech.id });
    bulletin = { id: bulletinProgramme.id, sha256: speech.sha256, assetId: speech.id };

    const chuyenMuc = (await admin.ok('GET', '/api/chuyen-muc')) as { id: string; name: string }[];
    const cchcId = chuyenMuc.find((c) => c.name === 'Cải cách hành chính')!.id;
    await admin.ok('POST', '/api/plan-targets', { name: 'Mỗi tháng một chuyên mục CCHC', chuyenMucId: cchcId, scope: 'station', stationId: stations.a.id, minPerMonth: 1 });

    // The quarter: at station A the CCHC programme every 10 days and the bulletin twice, one missed airing;
    // at station B the CCHC programme once.
    const start = Date.parse(Q1.from);
    const line = (s: Station, k: number, at: number, programme: { id: string }, title: string, result: LineDraft['result']): LineDraft => {
      const t = new Date(at).toISOString();
      const aired = result !== 'missed';
      return {
        stationId: s.id,
        stationName: s.name,
        unitId: s.unitId,
        occurrenceId: `q1-${s.code}-${k}`,
        slotId: randomUUID(),
        programmeId: programme.id,
        programmeTitle: title,
        chuyenMuc: programme === bulletin ? 'Tin bài' : 'Cải cách hành chính',
        topic: null,
        speakerClusters: null,
        source: 'relay',
        priority: 'normal',
        plannedStart: t,
        actualStart: aired ? t : null,
        endedAt: aired ? new Date(at + 2000).toISOString() : null,
        durationMs: aired ? 2000 : null,
        plannedDurationMs: 2000,
        startErrorMs: aired ? 1 : null,
        result,
        reason: aired ? null : 'missed',
        detail: null,
        recordedBy: 'tự động',
        createdAt: new Date(at + 3000).toISOString(),
      };
    };
    const drafts: LineDraft[] = [];
    for (let k = 0; k < 9; k++) drafts.push(line(stations.a, k, start + k * 10 * DAY + 0.25 * DAY, cchc, 'Chuyên mục Cải cách hành chính tháng 1', 'complete'));
    drafts.push(line(stations.a, 9, start + 20 * DAY, bulletin, 'Thông báo dịch vụ công trực tuyến', 'complete'));
    drafts.push(line(stations.a, 10, start + 50 * DAY, bulletin, 'Thông báo dịch vụ công trực tuyến', 'partial'));
    drafts.push(line(stations.a, 11, start + 60 * DAY, cchc, 'Chuyên mục Cải cách hành chính tháng 1', 'missed'));
    drafts.push(line(stations.b, 0, start + 30 * DAY, cchc, 'Chuyên mục Cải cách hành chính tháng 1', 'complete'));
    drafts.sort((x, y) => x.createdAt.localeCompare(y.createdAt));
    await app.get(DataSource).transaction((m) => app.get(LogbookWriter).append(m, drafts));

    const keys = await admin.ok('GET', '/api/logbook/keys');
    keysPem = (keys.keys as { publicKeyPem: string }[]).map((k) => k.publicKeyPem).join('\n');
    writeFileSync(join(dir, 'keys.pem'), keysPem);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds the logbook, the report, the aired audio, the whole bulletin text and the targets, each matching its signed manifest', async () => {
    expect(await download(inspectorA, `stationId=${stations.a.id}&from=${encodeURIComponent(Q1.from)}&to=${encodeURIComponent(Q1.to)}`, 'a.zip')).toBe(200);
    const entries = await readZip(join(dir, 'a.zip'));
    const byName = new Map(entries.map((e) => [e.name, e.data]));
    const manifestBytes = byName.get(MANIFEST_PATH)!;
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as DossierManifest;
    const signature = JSON.parse(byName.get(SIGNATURE_PATH)!.toString('utf8')) as ManifestSignature;

    // The signature is the server's: checked with the public key published at GET /api/logbook/keys.
    const keys = (await admin.ok('GET', '/api/logbook/keys')) as { current: string; keys: { fingerprint: string; publicKeyPem: string }[] };
    expect(manifest.keyFingerprint).toBe(keys.current);
    expect(signature.keyFingerprint).toBe(keys.current);
    const key = createPublicKey(keys.keys.find((k) => k.fingerprint === keys.current)!.publicKeyPem);
    expect(verify(null, signedBytes(manifestBytes), key, Buffer.from(signature.signature, 'base64'))).toBe(true);
    expect(verify(null, signedBytes(Buffer.concat([manifestBytes, Buffer.from(' ')])), key, Buffer.from(signature.signature, 'base64'))).toBe(false);

    // Entry by entry: every listed file is there with its sha256 and size, and nothing else is.
    expect(manifest.files.length).toBeGreaterThan(8);
    for (const f of manifest.files) {
      const data = byName.get(f.path);
      expect({ path: f.path, present: data !== undefined }).toEqual({ path: f.path, present: true });
      expect({ path: f.path, sha256: createHash('sha256').update(data!).digest('hex'), size: data!.length }).toEqual({ path: f.path, sha256: f.sha256, size: f.size });
    }
    expect(entries.map((e) => e.name).sort()).toEqual([...manifest.files.map((f) => f.path), MANIFEST_PATH, SIGNATURE_PATH].sort());

    const names = manifest.files.map((f) => f.path);
    for (const expected of ['nhat-ky/nhat-ky-tuyen-truyen.xlsx', 'nhat-ky/nhat-ky-tuyen-truyen.pdf', 'bao-cao/bao-cao-dinh-ky.xlsx', 'bao-cao/bao-cao-dinh-ky.pdf', 'chi-tieu/chi-tieu-ke-hoach.json', 'am-thanh/danh-sach.json']) {
      expect(names).toContain(expected);
    }
    expect(byName.get('nhat-ky/nhat-ky-tuyen-truyen.pdf')!.subarray(0, 5).toString()).toBe('%PDF-');
    expect(byName.get('nhat-ky/nhat-ky-tuyen-truyen.xlsx')!.subarray(0, 2).toString()).toBe('PK');
    // The aired audio, byte for byte as the store holds it (its name is its sha256).
    const mp3s = entries.filter((e) => e.name.endsWith('.mp3'));
    expect(mp3s.map((e) => createHash('sha256').update(e.data).digest('hex')).sort()).toEqual([cchc.sha256, bulletin.sha256].sort());
    // The bulletin's whole text, not the 60-character label.
    const texts = entries.filter((e) => e.name.startsWith('van-ban/'));
    expect(texts).toHaveLength(1);
    expect(texts[0].data.toString('utf8')).toContain(BULLETIN);
    // The targets, month by month, for this station only.
    const targets = JSON.parse(byName.get('chi-tieu/chi-tieu-ke-hoach.json')!.toString('utf8'));
    expect(targets.targets).toHaveLength(1);
    expect(targets.targets[0].months.map((m: { month: string; status: string }) => [m.month, m.status])).toEqual([
      ['2026-01', 'met'],
      ['2026-02', 'met'],
      ['2026-03', 'met'],
    ]);
    const audio = JSON.parse(byName.get('am-thanh/danh-sach.json')!.toString('utf8'));
    expect(audio.find((a: { programmeId: string }) => a.programmeId === cchc.id).airings).toBe(9);
    expect(manifest.scope.stations.map((s) => s.code)).toEqual(['cam-binh']);

    // And offline, with the published key.
    const ok = await cli(['dossier', 'verify', join(dir, 'a.zip'), '--public-key', join(dir, 'keys.pem')]);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('Hồ sơ nguyên vẹn');
  }, 60_000);

  it('with ?audio=links lists the audio with its sha256 and download path instead of holding it', async () => {
    expect(await download(admin, `unitId=${province}&from=${encodeURIComponent(Q1.from)}&to=${encodeURIComponent(Q1.to)}&audio=links`, 'links.zip')).toBe(200);
    const entries = await readZip(join(dir, 'links.zip'));
    expect(entries.filter((e) => e.name.endsWith('.mp3'))).toEqual([]);
    const list = JSON.parse(entries.find((e) => e.name === 'am-thanh/danh-sach.json')!.data.toString('utf8')) as { programmeId: string; sha256: string; download: string; airings: number }[];
    const row = list.find((a) => a.programmeId === cchc.id)!;
    expect(row).toMatchObject({ sha256: cchc.sha256, download: `/api/media/files/${cchc.sha256}`, airings: 10 });
    const file = await fetch(`${admin.baseUrl}${row.download}`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(createHash('sha256').update(Buffer.from(await file.arrayBuffer())).digest('hex')).toBe(cchc.sha256);
    expect((await cli(['dossier', 'verify', join(dir, 'links.zip'), '--public-key', join(dir, 'keys.pem')])).code).toBe(0);
  }, 60_000);

  it('a tampered dossier fails `loa dossier verify` with a clear message and exit code 1', async () => {
    const entries = await readZip(join(dir, 'a.zip'));
    const keyFile = join(dir, 'keys.pem');

    // A bulletin's text rewritten, the ZIP rebuilt around it.
    const edited = entries.map((e) => (e.name.startsWith('van-ban/') ? { ...e, data: Buffer.from(e.data.toString('utf8').replace('0239 3861 234', '0239 0000 000')) } : e));
    await writeZip(join(dir, 'edited.zip'), edited);
    const r1 = await cli(['dossier', 'verify', join(dir, 'edited.zip'), '--public-key', keyFile]);
    expect(r1.code).toBe(1);
    expect(r1.err).toMatch(/HỎNG.*\n.*van-ban\/.*đã bị thay đổi \(mã SHA-256 không khớp\)/);

    // The manifest rewritten to match, its signature kept: the signature no longer holds.
    const manifest = JSON.parse(entries.find((e) => e.name === MANIFEST_PATH)!.data.toString('utf8')) as DossierManifest;
    for (const f of manifest.files) {
      const data = edited.find((e) => e.name === f.path)!.data;
      f.sha256 = createHash('sha256').update(data).digest('hex');
      f.size = data.length;
    }
    await writeZip(join(dir, 'resigned.zip'), edited.map((e) => (e.name === MANIFEST_PATH ? { ...e, data: Buffer.from(JSON.stringify(manifest, null, 2)) } : e)));
    const r2 = await cli(['dossier', 'verify', join(dir, 'resigned.zip'), '--public-key', keyFile]);
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('Chữ ký của danh mục tệp không khớp');

    // A file taken out, and one slipped in.
    await writeZip(join(dir, 'missing.zip'), [...entries.filter((e) => !e.name.endsWith('.pdf')), { name: 'them.txt', data: Buffer.from('x') }]);
    const r3 = await cli(['dossier', 'verify', join(dir, 'missing.zip'), '--public-key', keyFile]);
    expect(r3.code).toBe(1);
    expect(r3.err).toContain('Thiếu tệp "nhat-ky/nhat-ky-tuyen-truyen.pdf"');
    expect(r3.err).toContain('Tệp "them.txt" không có trong danh mục');

    // Bytes flipped in the ZIP itself.
    const raw = readFileSync(join(dir, 'a.zip'));
    raw[Math.floor(raw.length / 3)] ^= 0xff;
    writeFileSync(join(dir, 'flipped.zip'), raw);
    const r4 = await cli(['dossier', 'verify', join(dir, 'flipped.zip'), '--public-key', keyFile]);
    expect(r4.code).toBe(1);
    expect(r4.err).toMatch(/HỎNG/);

    // Another server's key.
    const { publicKey } = await import('node:crypto').then((c) => c.generateKeyPairSync('ed25519'));
    writeFileSync(join(dir, 'other.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const r5 = await cli(['dossier', 'verify', join(dir, 'a.zip'), '--public-key', join(dir, 'other.pem')]);
    expect(r5.code).toBe(1);
    expect(r5.err).toContain('không có trong các khóa công khai được tin cậy');
  }, 60_000);

  it('refuses a bad request with a stable code and a Vietnamese message, and another unit’s station', async () => {
    const q = (s: string) => inspectorA.request('GET', `/api/logbook/dossier?${s}`);
    const noFrom = await q(`stationId=${stations.a.id}&to=${encodeURIComponent(Q1.to)}`);
    expect(noFrom.status).toBe(400);
    expect(noFrom.body.code).toBe('validation_failed');
    const backwards = await q(`stationId=${stations.a.id}&from=${encodeURIComponent(Q1.to)}&to=${encodeURIComponent(Q1.from)}`);
    expect(backwards.status).toBe(400);
    expect(backwards.body).toMatchObject({ code: 'validation_failed', message: 'Thời điểm kết thúc phải sau thời điểm bắt đầu.' });
    const badAudio = await q(`stationId=${stations.a.id}&from=${encodeURIComponent(Q1.from)}&to=${encodeURIComponent(Q1.to)}&audio=all`);
    expect(badAudio.status).toBe(400);
    const sibling = await q(`stationId=${stations.b.id}&from=${encodeURIComponent(Q1.from)}&to=${encodeURIComponent(Q1.to)}`);
    expect(sibling.status).toBe(403);
    expect(sibling.body.code).toBe('forbidden');
    const siblingUnit = await q(`unitId=${unitB}&from=${encodeURIComponent(Q1.from)}&to=${encodeURIComponent(Q1.to)}`);
    expect(siblingUnit.status).toBe(403);
    const unknown = await q(`stationId=${randomUUID()}&from=${encodeURIComponent(Q1.from)}&to=${encodeURIComponent(Q1.to)}`);
    expect(unknown.status).toBe(404);
  });

  it('retention keeps aired audio until an inspector has closed every station’s dossier for the period, and the closing is audited', async () => {
    const retention = app.get(RetentionService);
    const later = new Date(Date.now() + 220 * DAY);
    const status = async (id: string) => (await admin.ok('GET', `/api/media/assets/${id}`)).status;
    expect(await retention.runOnce(later)).toEqual([]);
    expect(await status(cchc.assetId)).toBe('ready');

    // Unit A's inspector closes A's quarter; the CCHC programme also aired at B, still open.
    const close = (api: Api, body: object) => api.request('POST', '/api/logbook/dossier/closures', body);
    const refused = await close(inspectorA, { unitId: unitB, from: Q1.from, to: Q1.to });
    expect(refused.status).toBe(403);
    const future = await close(inspectorA, { unitId: unitA, from: Q1.from, to: new Date(Date.now() + DAY).toISOString() });
    expect(future.status).toBe(400);
    expect(future.body.code).toBe('validation_failed');
    const closedA = await close(inspectorA, { unitId: unitA, from: Q1.from, to: Q1.to, note: 'Đã kiểm tra hồ sơ quý I' });
    expect(closedA.status).toBe(201);
    expect(closedA.body.closed).toBe(1);
    // The bulletin aired only at A: it may go; the CCHC programme waits for B.
    expect(await retention.runOnce(later)).toEqual([bulletin.assetId]);
    expect(await status(cchc.assetId)).toBe('ready');

    // Before RETENTION_MONTHS, a closed dossier still keeps its audio.
    const inspectorProvince = new Api(admin.baseUrl);
    await inspectorProvince.login('kiemtra-tinh', 'kiem-tra-mat-khau-2');
    expect((await close(inspectorProvince, { stationId: stations.b.id, from: Q1.from, to: Q1.to })).status).toBe(201);
    expect(await retention.runOnce(new Date(Date.now() + 30 * DAY))).toEqual([]);

    // Every station closed and the period long past: now it may go.
    expect(await retention.runOnce(later)).toEqual([cchc.assetId]);
    expect(await status(cchc.assetId)).toBe('expired');

    const trail = await admin.ok('GET', '/api/audit?entity=dossier_closure');
    const items = (trail.items ?? trail) as { action: string; actorName: string; after: Record<string, unknown> }[];
    expect(items.map((i) => [i.action, i.actorName]).sort()).toEqual([
      ['insert', 'kiemtra-a'],
      ['insert', 'kiemtra-tinh'],
    ]);
    const listed = (await inspectorA.ok('GET', '/api/logbook/dossier/closures')) as { stationId: string }[];
    expect(listed.map((c) => c.stationId)).toEqual([stations.a.id]);
  }, 60_000);
});
