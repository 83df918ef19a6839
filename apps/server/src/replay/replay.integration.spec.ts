import type { INestApplication } from '@nestjs/common';
import { XMLParser } from 'fast-xml-parser';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Api } from '../../../../test/support/api';
import { makeTone } from '../../../../test/support/audio';
import { startInProcessServer } from '../../../../test/support/in-process';
import type { LogbookSource } from '../logbook/logbook-line.entity';
import { LineDraft, LogbookWriter } from '../logbook/logbook-writer';
import { replayKey } from './replay.service';

const DAY = 24 * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** 05:30 in Vietnam, `daysAgo` days back. */
function morning(daysAgo: number): number {
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  return today - daysAgo * DAY - 1.5 * 3600_000;
}

describe('the public replay page ("Nghe lại"), its feed and its audio', () => {
  let dir: string;
  let app: INestApplication;
  let admin: Api;
  let operator: Api;
  let base: string;
  const programmes: Record<string, { id: string; title: string; mediaAssetId: string }> = {};
  let assetSize = 0;
  let addresses = 0;
  /** Every test asks from its own address, so the per-address limit counts only what it means to. */
  const from = () => `198.51.100.${++addresses}`;

  async function pub(path: string, address: string, headers: Record<string, string> = {}) {
    const res = await fetch(base + path, { headers: { 'x-forwarded-for': address, ...headers }, redirect: 'manual' });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body, text: body.toString('utf8') };
  }

  beforeAll(async () => {
    ({ dir, app, api: admin } = await startInProcessServer('loa-replay-', { TRUST_PROXY: 'loopback', REPLAY_RATE_PER_MINUTE: '12', REPLAY_DAYS: '30' }));
    base = admin.baseUrl;
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh', code: 'HT' });
    const camBinh = await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã', parentId: province.id, code: 'ht-cam-binh' });
    const camThanh = await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Thành', kind: 'Xã', parentId: province.id, code: 'ht-cam-thanh' });
    const here = (await admin.ok('POST', '/api/stations', { unitId: camBinh.id, name: 'Đài xã Cẩm Bình', code: 'cam-binh' })).station;
    const there = (await admin.ok('POST', '/api/stations', { unitId: camThanh.id, name: 'Đài xã Cẩm Thành', code: 'cam-thanh' })).station;
    await admin.ok('POST', '/api/users', { username: 'xa-cam-binh', displayName: 'Cán bộ đài xã', password: 'operator-pw-1', role: 'operator', unitId: camBinh.id });
    operator = new Api(base);
    await operator.login('xa-cam-binh', 'operator-pw-1');

    const upload = await admin.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    const asset = await admin.waitReady(upload.body.id);
    assetSize = asset.size;
    const make = async (api: Api, key: string, title: string, chuyenMuc: string) => {
      programmes[key] = await api.ok('POST', '/api/programmes', { title, chuyenMuc, mediaAssetId: asset.id });
    };
    await make(admin, 'cchc', 'CCHC tháng 11: dịch vụ công trực tuyến', 'Cải cách hành chính');
    await make(operator, 'local', 'Thông báo họp tổ dân phố', 'Thông báo của xã');
    await make(admin, 'emergency', 'Khẩn cấp: bão số 9 đổ bộ', 'Thông báo khẩn cấp');
    await make(admin, 'elsewhere', 'Chỉ phát ở Cẩm Thành', 'Cải cách hành chính');
    await make(admin, 'old', 'Chương trình của hai tháng trước', 'Cải cách hành chính');
    await make(admin, 'missed', 'Chương trình không lên sóng', 'Cải cách hành chính');

    const line = (station: { id: string; name: string; unitId: string }, key: string, at: number, source: LogbookSource, result: LineDraft['result'] = 'complete'): LineDraft => ({
      stationId: station.id,
      stationName: station.name,
      unitId: station.unitId,
      occurrenceId: `occ-${randomUUID()}`,
      slotId: randomUUID(),
      programmeId: programmes[key].id,
      programmeTitle: programmes[key].title,
      chuyenMuc: 'x',
      topic: null,
      speakerClusters: null,
      source,
      priority: source === 'emergency' ? 'emergency' : 'normal',
      plannedStart: iso(at),
      actualStart: result === 'missed' ? null : iso(at + 2),
      endedAt: result === 'missed' ? null : iso(at + 2000),
      durationMs: result === 'missed' ? null : 2000,
      plannedDurationMs: 2000,
      startErrorMs: result === 'missed' ? null : 2,
      result,
      reason: result === 'missed' ? 'media_missing' : null,
      detail: null,
      recordedBy: 'tự động',
      createdAt: iso(at + 3000),
    });
    await app.get(DataSource).transaction(async (m) => {
      await app.get(LogbookWriter).append(m, [
        line(here, 'cchc', morning(3), 'relay'),
        line(here, 'cchc', morning(2), 'relay'),
        line(here, 'local', morning(2) + 3600_000, 'local'),
        line(here, 'emergency', morning(1), 'emergency'),
        line(here, 'old', morning(45), 'relay'),
        line(here, 'missed', morning(1) + 600_000, 'relay', 'missed'),
      ]);
      await app.get(LogbookWriter).append(m, [line(there, 'elsewhere', morning(1), 'relay')]);
    });
    // Tomorrow's airing, for the coming schedule; and a commune-only one that stays off it.
    await admin.ok('POST', '/api/slots', { programmeId: programmes.cchc.id, startAt: iso(Date.now() + DAY), stationIds: [here.id] });
    await admin.ok('POST', '/api/slots', { programmeId: programmes.local.id, startAt: iso(Date.now() + DAY + 3600_000), stationIds: [here.id] });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('programmes take their public default: CCHC and the province’s yes, the commune’s own notice and a khẩn cấp announcement no', async () => {
    const seen = await admin.ok<{ id: string; public: boolean }[]>('GET', '/api/programmes');
    const flag = (key: string) => seen.find((p) => p.id === programmes[key].id)?.public;
    expect([flag('cchc'), flag('local'), flag('emergency'), flag('elsewhere')]).toEqual([true, false, false, true]);
  });

  it('lists, without sign-in, the public programme that aired at the commune, with chuyên mục, air time, a player and the coming schedule; hides the rest', async () => {
    const page = await pub('/api/nghe-lai/ht-cam-binh', from());
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('public, max-age=60');
    expect(page.text).toContain('Nghe lại: Xã Cẩm Bình');
    expect(page.text).toContain(programmes.cchc.title);
    expect(page.text).toContain('Chuyên mục: Cải cách hành chính');
    const at = new Date(morning(2) + 7 * 3600_000);
    expect(page.text).toContain(`Phát lúc 05:30 ngày ${String(at.getUTCDate()).padStart(2, '0')}/${String(at.getUTCMonth() + 1).padStart(2, '0')}/${at.getUTCFullYear()} (2 lần trong 30 ngày)`);
    expect(page.text).toContain(`<audio controls preload="none" src="/api/nghe-lai/ht-cam-binh/audio/${replayKey(programmes.cchc.id)}.mp3"`);
    for (const hidden of ['local', 'emergency', 'elsewhere', 'old', 'missed']) expect([hidden, page.text.includes(programmes[hidden].title)]).toEqual([hidden, false]);
    // Coming: tomorrow's public airing, not the commune's own notice.
    const coming = page.text.slice(page.text.indexOf('Sắp phát'));
    expect(coming).toContain(programmes.cchc.title);
    expect(coming).not.toContain(programmes.local.title);
    // No internal id of the unit, station or programme is on the page.
    expect(page.text).not.toContain(programmes.cchc.id);
    expect(page.text).not.toContain(programmes.cchc.mediaAssetId);
  });

  it('plays the listed audio, whole and by range, and answers 304 to a visitor who has the page', async () => {
    const address = from();
    const audio = await pub(`/api/nghe-lai/ht-cam-binh/audio/${replayKey(programmes.cchc.id)}.mp3`, address);
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toBe('audio/mpeg');
    expect(audio.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(audio.body.length).toBe(assetSize);
    const part = await pub(`/api/nghe-lai/ht-cam-binh/audio/${replayKey(programmes.cchc.id)}.mp3`, address, { range: 'bytes=0-99' });
    expect(part.status).toBe(206);
    expect(part.body.length).toBe(100);

    const page = await pub('/api/nghe-lai/ht-cam-binh', address);
    const etag = page.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await pub('/api/nghe-lai/ht-cam-binh', address, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('answers 404 for any audio but that: a private or another commune’s programme, a file hash, a path out of the store', async () => {
    const address = from();
    const paths = [
      `/api/nghe-lai/ht-cam-binh/audio/${replayKey(programmes.local.id)}.mp3`,
      `/api/nghe-lai/ht-cam-binh/audio/${replayKey(programmes.emergency.id)}.mp3`,
      `/api/nghe-lai/ht-cam-binh/audio/${replayKey(programmes.elsewhere.id)}.mp3`,
      `/api/nghe-lai/ht-cam-binh/audio/${programmes.cchc.id}.mp3`,
      `/api/nghe-lai/ht-cam-binh/audio/..%2F..%2Fdata%2Floa.sqlite`,
      `/api/nghe-lai/ht-cam-binh/audio/${replayKey(programmes.cchc.id)}.mp3%00.txt`,
    ];
    for (const path of paths) {
      const res = await pub(path, address);
      expect([path, res.status]).toEqual([path, 404]);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'not_found' });
    }
    // The other commune's page has its own programme and not this one's.
    const there = await pub('/api/nghe-lai/ht-cam-thanh', address);
    expect(there.text).toContain(programmes.elsewhere.title);
    expect(there.text).not.toContain(programmes.cchc.title);
  });

  it('refuses a wrong number of days or an unknown commune in Vietnamese, and never answers to an internal id', async () => {
    const address = from();
    for (const days of ['abc', '0', '31', '1.5', '-2']) {
      const res = await pub(`/api/nghe-lai/ht-cam-binh?days=${days}`, address);
      expect([days, res.status]).toEqual([days, 400]);
      expect(res.text).toContain('Số ngày (days) phải là số nguyên từ 1 đến 30.');
    }
    const feed = await pub('/api/nghe-lai/ht-cam-binh/feed.xml?days=99', address);
    expect(feed.status).toBe(400);
    expect(JSON.parse(feed.text)).toMatchObject({ code: 'validation_failed', details: { field: 'days' } });
    const units = await admin.ok<{ id: string; code: string }[]>('GET', '/api/units');
    const unitId = units.find((u) => u.code === 'ht-cam-binh')!.id;
    for (const slug of ['khong-co', unitId, 'HT%2F..%2Fht-cam-binh', '%3Cscript%3E']) {
      const res = await pub(`/api/nghe-lai/${slug}`, address);
      expect([slug, res.status]).toEqual([slug, 404]);
      expect(res.text).toContain('Không có trang nghe lại này.');
    }
    const narrow = await pub('/api/nghe-lai/ht-cam-binh?days=1', address);
    expect(narrow.status).toBe(200);
    const aired = narrow.text.slice(0, narrow.text.indexOf('Sắp phát'));
    expect(aired).toContain('Chưa có chương trình nào được phát lại trong 1 ngày qua.');
    expect(aired).not.toContain(programmes.cchc.title);
  });

  it('its feed is RSS 2.0 with one enclosure per programme whose length is the file’s, and guids that stay the same', async () => {
    const address = from();
    const res = await pub('/api/nghe-lai/ht-cam-binh/feed.xml', address);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/rss\+xml/);
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => name === 'item' });
    const doc = parser.parse(res.text);
    expect(doc.rss['@_version']).toBe('2.0');
    const channel = doc.rss.channel;
    expect(channel.title).toBe('Nghe lại: Xã Cẩm Bình');
    expect(channel.link).toBe(`${base}/api/nghe-lai/ht-cam-binh`);
    expect(typeof channel.description).toBe('string');
    expect(channel.language).toBe('vi');
    expect(channel.item).toHaveLength(1);
    const [item] = channel.item;
    expect(item.title).toBe(programmes.cchc.title);
    expect(item.guid).toMatchObject({ '#text': `urn:loa:nghe-lai:${replayKey(programmes.cchc.id)}`, '@_isPermaLink': 'false' });
    expect(new Date(item.pubDate).toISOString()).toBe(iso(morning(2)));
    expect(item.pubDate).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const enclosure = item.enclosure;
    expect(enclosure['@_type']).toBe('audio/mpeg');
    expect(enclosure['@_url']).toBe(`${base}/api/nghe-lai/ht-cam-binh/audio/${replayKey(programmes.cchc.id)}.mp3`);
    const file = await pub(new URL(enclosure['@_url']).pathname, address);
    expect(Number(enclosure['@_length'])).toBe(file.body.length);
    expect(Number(enclosure['@_length'])).toBe(assetSize);
    const again = parser.parse((await pub('/api/nghe-lai/ht-cam-binh/feed.xml', address)).text);
    expect(again.rss.channel.item[0].guid['#text']).toBe(item.guid['#text']);
  });

  it('shows the commune’s own notice once its operator makes it public; the province’s programme is not the commune’s to hide', async () => {
    const address = from();
    expect((await operator.request('PATCH', `/api/programmes/${programmes.cchc.id}/public`, { public: false })).status).toBe(403);
    expect((await operator.request('PATCH', `/api/programmes/${programmes.local.id}/public`, { public: 'yes' })).body).toMatchObject({ code: 'validation_failed' });
    expect(await operator.ok('PATCH', `/api/programmes/${programmes.local.id}/public`, { public: true })).toMatchObject({ id: programmes.local.id, public: true });
    const page = await pub('/api/nghe-lai/ht-cam-binh', address);
    expect(page.text).toContain(programmes.local.title);
    expect(page.text).not.toContain(programmes.emergency.title);
    await operator.ok('PATCH', `/api/programmes/${programmes.local.id}/public`, { public: false });
    expect((await pub('/api/nghe-lai/ht-cam-binh', address)).text).not.toContain(programmes.local.title);
  });

  it('answers 429 with Retry-After to an address that asks too often, and keeps serving the others', async () => {
    const address = from();
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await pub('/api/nghe-lai/ht-cam-binh/feed.xml', address)).status);
    expect(statuses.slice(0, 12).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(12)).toEqual([429, 429]);
    const refused = await pub('/api/nghe-lai/ht-cam-binh', address);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.text).toContain('Bạn mở trang nghe lại quá nhiều lần.');
    expect((await pub('/api/nghe-lai/ht-cam-binh', from())).status).toBe(200);
  });

  it('after a merger the absorbed commune’s address leads to the merged commune’s page, which lists both communes’ airings', async () => {
    const address = from();
    const units = await admin.ok<{ id: string; code: string }[]>('GET', '/api/units');
    const camThanh = units.find((u) => u.code === 'ht-cam-thanh')!;
    const camBinh = units.find((u) => u.code === 'ht-cam-binh')!;
    await admin.ok('POST', `/api/units/${camThanh.id}/merge`, { intoId: camBinh.id });
    const moved = await pub('/api/nghe-lai/ht-cam-thanh', address);
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('/api/nghe-lai/ht-cam-binh');
    expect((await pub('/api/nghe-lai/ht-cam-thanh/feed.xml', address)).headers.get('location')).toBe('/api/nghe-lai/ht-cam-binh/feed.xml');
    const merged = await pub('/api/nghe-lai/ht-cam-binh', address);
    expect(merged.text).toContain(programmes.elsewhere.title);
    expect(merged.text).toContain(programmes.cchc.title);
  });
});
