import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { open, type Entry } from 'yauzl';
import { join } from 'node:path';
import type { PlaybackEvent, ScheduleItem } from '@loa/protocol';
import { Api } from '../../../../test/support/api';
import { makeTone } from '../../../../test/support/audio';
import { startInProcessServer } from '../../../../test/support/in-process';
import { PlaybackService } from '../playback/playback.service';
import { ScheduleQueries } from '../schedule/schedule-queries.service';
import { occurrenceIdOf } from '../schedule/snapshot';

/** Language versions (Decree 49/2024 Art. 8) on the real server, migrations and media pipeline. */
describe('a programme in Vietnamese and Khmer on three stations', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let schedule: ScheduleQueries;
  const st = { khmer: '', hmong: '', plain: '' };
  const tokens = { khmer: '' };
  let programmeId: string;
  let vi: { id: string; sha256: string };
  let km: { id: string; sha256: string };
  let longer: { id: string; sha256: string };
  let unitId: string;

  /** The bytes of one entry of a ZIP file. */
  function zipEntry(path: string, name: string): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      open(path, { lazyEntries: true }, (err, zip) => {
        if (err) return reject(err);
        zip.on('entry', (entry: Entry) => {
          if (entry.fileName !== name) return zip.readEntry();
          zip.openReadStream(entry, (e, stream) => {
            if (e) return reject(e);
            const chunks: Buffer[] = [];
            stream.on('data', (c: Buffer) => chunks.push(c));
            stream.on('end', () => {
              zip.close();
              resolve(Buffer.concat(chunks));
            });
          });
        });
        zip.on('end', () => resolve(null));
        zip.on('error', reject);
        zip.readEntry();
      });
    });
  }

  async function converted(name: string, frequency: number, seconds: number) {
    const upload = await api.upload(await makeTone(join(dir, name), { frequency, seconds }));
    expect(upload.status).toBe(201);
    return api.waitReady(upload.body.id) as Promise<{ id: string; sha256: string }>;
  }

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-lang-'));
    schedule = app.get(ScheduleQueries);
    const unit = await api.ok('POST', '/api/units', { name: 'Tỉnh Sóc Trăng', kind: 'Tỉnh' });
    unitId = unit.id;
    for (const key of ['khmer', 'hmong', 'plain'] as const) {
      const { station, token } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: `Trạm ${key}`, code: `tram-${key}` });
      st[key] = station.id;
      if (key === 'khmer') tokens.khmer = token;
    }
    vi = await converted('vi.wav', 440, 2);
    // The same pipeline normalises every version: a quieter, shorter Khmer reading.
    km = await converted('km.wav', 660, 1.5);
    longer = await converted('long.wav', 550, 3);
    programmeId = (await api.ok('POST', '/api/programmes', { title: 'CCHC tháng 12', chuyenMuc: 'Cải cách hành chính', mediaAssetId: vi.id })).id;
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('languages are data: seeded with Vietnamese and Khmer, an admin adds one, a bad one is refused in Vietnamese', async () => {
    const codes = (await api.ok('GET', '/api/languages')).map((l: { code: string }) => l.code);
    expect(codes).toEqual(expect.arrayContaining(['vi', 'km', 'hmn', 'ede', 'tay']));
    const bad = await api.request('POST', '/api/languages', { code: 'Khmer Krom', name: 'Khmer Krom' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('Mã ngôn ngữ') });
    expect((await api.request('POST', '/api/languages', { code: 'km', name: 'Khmer' })).status).toBe(409);
    expect(await api.ok('POST', '/api/languages', { code: 'khb', name: 'Tiếng Lự' })).toMatchObject({ code: 'khb', name: 'Tiếng Lự' });
    expect((await api.ok('GET', '/api/languages')).map((l: { code: string }) => l.code)).toContain('khb');
  });

  it('a station’s language preference is set in order and checked; an unknown language changes nothing', async () => {
    expect(await api.ok('PATCH', `/api/stations/${st.khmer}`, { languages: ['km', 'vi'] })).toMatchObject({ languages: ['km', 'vi'] });
    expect(await api.ok('PATCH', `/api/stations/${st.hmong}`, { languages: ['hmn'] })).toMatchObject({ languages: ['hmn'] });
    const unknown = await api.request('PATCH', `/api/stations/${st.plain}`, { languages: ['km', 'zz'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('"zz"') });
    const twice = await api.request('PATCH', `/api/stations/${st.plain}`, { languages: ['km', 'km'] });
    expect(twice.status).toBe(400);
    const listed = await api.ok('GET', '/api/stations');
    expect(listed.find((s: { id: string }) => s.id === st.plain).languages).toEqual([]);
  });

  it('the Khmer version airs on the station that prefers Khmer, Vietnamese elsewhere, and each logbook line names its version', async () => {
    const slot = await api.ok('POST', '/api/slots', { programmeId, startAt: new Date(Date.now() + 3 * 3600_000).toISOString(), stationIds: Object.values(st) });
    const item = async (stationId: string) => (await schedule.snapshotFor(stationId)).items.find((i) => i.slotId === slot.id) as ScheduleItem;
    const versionBefore = (await schedule.snapshotFor(st.khmer)).version;
    expect((await item(st.khmer)).media.sha256).toBe(vi.sha256);

    // A version in Vietnamese is the programme's own audio; a longer one would overrun the slot.
    const asVi = await api.request('POST', `/api/programmes/${programmeId}/versions`, { language: 'vi', mediaAssetId: km.id });
    expect(asVi.status).toBe(400);
    expect(asVi.body.message).toContain('tiếng Việt');
    const tooLong = await api.request('POST', `/api/programmes/${programmeId}/versions`, { language: 'km', mediaAssetId: longer.id });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toContain('dài');

    const version = await api.ok('POST', `/api/programmes/${programmeId}/versions`, { language: 'km', mediaAssetId: km.id });
    expect(version).toMatchObject({ programmeId, language: 'km', mediaAssetId: km.id });
    expect((await api.ok('GET', `/api/programmes/${programmeId}`)).versions).toEqual([expect.objectContaining({ language: 'km', mediaAssetId: km.id })]);
    expect((await api.request('POST', `/api/programmes/${programmeId}/versions`, { language: 'km', mediaAssetId: km.id })).status).toBe(409);

    // The station that prefers Khmer is sent the Khmer file under a new schedule version; the others the Vietnamese.
    const khmer = await item(st.khmer);
    expect(khmer).toMatchObject({ language: 'km', media: { sha256: km.sha256, url: `/api/media/files/${km.sha256}` } });
    expect((await schedule.snapshotFor(st.khmer)).version).toBeGreaterThan(versionBefore);
    for (const other of [st.hmong, st.plain]) {
      const vietnamese = await item(other);
      expect(vietnamese.media.sha256).toBe(vi.sha256);
      expect('language' in vietnamese).toBe(false);
    }

    // Its agent may download the Khmer file, as it may the programme's own audio.
    const download = await fetch(`${api.baseUrl}/api/media/files/${km.sha256}`, { headers: { authorization: `Bearer ${tokens.khmer}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).length).toBeGreaterThan(1000);

    // Each agent reports what it played; the Khmer agent names its version.
    const occurrenceId = occurrenceIdOf(slot.id, slot.startAt);
    const finished = (language?: string): PlaybackEvent => ({
      id: randomUUID(),
      kind: 'finished',
      occurrenceId,
      slotId: slot.id,
      plannedAt: slot.startAt,
      startedAt: slot.startAt,
      endedAt: new Date(Date.parse(slot.startAt) + 1500).toISOString(),
      playedMs: 1500,
      ...(language ? { language } : {}),
    });
    const playback = app.get(PlaybackService);
    await playback.ingest(st.khmer, [finished('km')]);
    await playback.ingest(st.hmong, [finished()]);
    await playback.ingest(st.plain, [finished()]);
    const lines = (await api.ok('GET', `/api/logbook?from=${encodeURIComponent(slot.startAt)}`)).items as { stationId: string; language: string }[];
    expect(Object.fromEntries(lines.map((l) => [l.stationId, l.language]))).toEqual({ [st.khmer]: 'km', [st.hmong]: 'vi', [st.plain]: 'vi' });
    // The version is in each line's hash: the chain still verifies.
    expect((await api.ok('GET', '/api/logbook/verify')).ok).toBe(true);
    const csv = await api.request('GET', `/api/logbook/export.csv?stationId=${st.khmer}&from=${encodeURIComponent(slot.startAt)}`);
    expect(csv.text).toContain('CCHC tháng 12 (bản Tiếng Khmer)');

    // The dossier holds the audio of each version that aired, counted apart.
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const res = await fetch(`${api.baseUrl}/api/logbook/dossier?unitId=${unitId}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&audio=links`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(res.status).toBe(200);
    await writeFile(join(dir, 'dossier.zip'), Buffer.from(await res.arrayBuffer()));
    const list = JSON.parse(String(await zipEntry(join(dir, 'dossier.zip'), 'am-thanh/danh-sach.json'))) as { programmeId: string; title: string; sha256: string; airings: number }[];
    expect(list.filter((a) => a.programmeId === programmeId).map((a) => [a.title, a.sha256, a.airings])).toEqual([
      ['CCHC tháng 12', vi.sha256, 2],
      ['CCHC tháng 12 (bản Tiếng Khmer)', km.sha256, 1],
    ]);

    // Removing the version sends the Vietnamese file back to the station that preferred Khmer.
    const removed = await api.request('DELETE', `/api/programmes/${programmeId}/versions/km`);
    expect(removed.status).toBe(204);
    expect((await item(st.khmer)).media.sha256).toBe(vi.sha256);
    expect((await api.request('DELETE', `/api/programmes/${programmeId}/versions/km`)).status).toBe(404);
    const trail = await api.ok('GET', '/api/audit?entity=programme_version');
    expect(trail.items.map((e: { action: string }) => e.action)).toEqual(['delete', 'insert']);
  }, 60_000);
});
