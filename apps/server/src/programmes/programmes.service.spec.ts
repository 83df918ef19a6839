import { FakeClock } from '../../../../test/support/fakes/schedule-fixture';
import { FakeChuyenMucRepository, FakeProgrammesRepository } from '../../../../test/support/fakes/programmes.repository.fake';
import type { Principal } from '../auth/principal';
import { LoaError } from '../common/errors';
import type { ReadyMediaAsset } from '../media/media.service';
import { CCHC, ChuyenMucService } from './chuyen-muc.service';
import { DomainEvents, type DomainEvent } from '../common/events';
import { LanguagesService } from '../languages/languages.service';
import type { Language } from '../languages/language.entity';
import { LanguagesRepository } from '../languages/languages.repository';
import { ProgrammesService } from './programmes.service';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const editor: Principal = { kind: 'user', userId: 'u1', username: 'bien-tap', role: 'editor', unitId: 'province' };

function fixture() {
  const chuyenMucStore = new FakeChuyenMucRepository();
  const programmeStore = new FakeProgrammesRepository();
  const clock = new FakeClock(NOW);
  const chuyenMuc = new ChuyenMucService(chuyenMucStore, clock, { requireAccess: async () => undefined });
  const media = {
    async requireReady(id: string): Promise<ReadyMediaAsset> {
      if (id === 'khmer') return { id, status: 'ready', sha256: 'b'.repeat(64), size: 1, durationMs: 900, spokenText: null } as ReadyMediaAsset;
      if (id === 'long') return { id, status: 'ready', sha256: 'c'.repeat(64), size: 1, durationMs: 61_000, spokenText: null } as ReadyMediaAsset;
      if (id !== 'ready') throw new LoaError('invalid_state', 'Tệp âm thanh này đang được chuyển đổi, chưa dùng được. Hãy đợi đến khi xong.');
      return { id, status: 'ready', sha256: 'a'.repeat(64), size: 1, durationMs: 1000, spokenText: 'Kính thưa bà con' } as ReadyMediaAsset;
    },
  };
  // Programmes made by "elsewhere" belong to another unit.
  const access = {
    async filterOwned<T>(_who: Principal, rows: readonly T[], ownerOf: (row: T) => string | null) {
      return rows.filter((r) => ownerOf(r) !== 'elsewhere');
    },
    // Programmes made by "above" are read here (shared downward) but not changed.
    async requireOwned(_who: Principal, _action: string, ownerId: string | null, message?: string) {
      if (ownerId === 'above') throw new LoaError('forbidden', message ?? 'forbidden');
    },
    // "u1" works at the province, which has a commune below it; "commune-user" at that commune.
    async units() {
      return [{ id: 'province', parentId: null }, { id: 'commune', parentId: 'province' }];
    },
    async unitsOfUsers(ids: readonly (string | null)[]) {
      const of: Record<string, string | null> = { u1: 'province', 'commune-user': 'commune', elsewhere: 'other', 'no-unit': null };
      return new Map(ids.filter((id): id is string => id !== null).map((id) => [id, of[id] ?? null]));
    },
  };
  const languages = new LanguagesService(new MemoryLanguages(), clock);
  const events = new DomainEvents();
  const emitted: DomainEvent[] = [];
  events.stream.subscribe((e) => emitted.push(e));
  const programmes = new ProgrammesService(programmeStore, media, chuyenMuc, access, clock, languages, events);
  return { chuyenMucStore, programmeStore, chuyenMuc, programmes, languages, emitted };
}

class MemoryLanguages extends LanguagesRepository {
  rows: Language[] = [];
  async all() {
    return [...this.rows].sort((a, b) => a.code.localeCompare(b.code));
  }
  async get(code: string) {
    return this.rows.find((l) => l.code === code) ?? null;
  }
  async insert(row: Language) {
    this.rows.push({ ...row });
    return { ...row };
  }
  async insertMissing(rows: readonly Language[]) {
    for (const r of rows) if (!this.rows.some((l) => l.code === r.code)) this.rows.push({ ...r });
  }
}

describe('programmes and chuyên mục on in-memory stores', () => {
  it('seeds Cải cách hành chính with its topics once, and refuses a second chuyên mục with its name or code', async () => {
    const f = fixture();
    await f.chuyenMuc.onApplicationBootstrap();
    await f.chuyenMuc.onApplicationBootstrap();
    const [cchc] = await f.chuyenMuc.list();
    expect(cchc).toMatchObject({ code: 'CCHC', name: CCHC.name, createdAt: '2026-06-01T00:00:00.000Z' });
    expect(cchc.topics).toHaveLength(CCHC.topics.length);
    await expect(f.chuyenMuc.create(` ${CCHC.name} `, 'KHAC')).rejects.toMatchObject({ code: 'conflict' });
    await expect(f.chuyenMuc.create('Khác', 'CCHC')).rejects.toMatchObject({ code: 'conflict' });
    await expect(f.chuyenMuc.addTopic(cchc.id, 'Cải cách thể chế')).rejects.toMatchObject({ code: 'conflict' });
    expect(await f.chuyenMuc.setDeadAir(cchc.id, 30)).toMatchObject({ id: cchc.id, deadAirSeconds: 30 });
    expect((await f.chuyenMuc.get(cchc.id)).deadAirSeconds).toBe(30);
  });

  it('a programme named after a chuyên mục is filed under it, with its topic; a topic of another chuyên mục is refused', async () => {
    const f = fixture();
    await f.chuyenMuc.onApplicationBootstrap();
    const [cchc] = await f.chuyenMuc.list();
    const other = await f.chuyenMuc.create('Thời sự', 'TS');
    const topic = cchc.topics[0];
    const p = await f.programmes.create({ title: ' Thủ tục đất đai ', chuyenMuc: 'cải cách hành chính', mediaAssetId: 'ready', topicId: topic.id }, 'u1');
    expect(p).toMatchObject({ title: 'Thủ tục đất đai', chuyenMucId: cchc.id, topicId: topic.id, spokenText: 'Kính thưa bà con', createdAt: '2026-06-01T00:00:00.000Z' });
    await expect(f.programmes.create({ title: 'x', chuyenMuc: other.name, mediaAssetId: 'ready', topicId: topic.id }, 'u1')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(f.programmes.create({ title: 'x', chuyenMuc: 'Khác', mediaAssetId: 'processing' }, 'u1')).rejects.toMatchObject({ code: 'invalid_state' });
    expect(f.programmeStore.rows).toHaveLength(1);
  });

  it('another unit’s programme is not there for this author: not listed, and 404 on its own', async () => {
    const f = fixture();
    const mine = await f.programmes.create({ title: 'Của tỉnh', chuyenMuc: 'Khác', mediaAssetId: 'ready' }, 'u1');
    const theirs = await f.programmes.create({ title: 'Của xã khác', chuyenMuc: 'Khác', mediaAssetId: 'ready' }, 'elsewhere');
    expect((await f.programmes.list(editor)).map((p) => p.id)).toEqual([mine.id]);
    expect((await f.programmes.get(mine.id, editor)).title).toBe('Của tỉnh');
    await expect(f.programmes.get(theirs.id, editor)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('languages are seeded once with Vietnamese, Khmer, Hmong, Ê Đê and Tày; an admin adds one with a valid new code, in Vietnamese errors otherwise', async () => {
    const f = fixture();
    await f.languages.onApplicationBootstrap();
    await f.languages.onApplicationBootstrap();
    const codes = (await f.languages.list()).map((l) => l.code);
    expect(codes).toEqual(expect.arrayContaining(['vi', 'km', 'hmn', 'ede', 'tay']));
    expect(new Set(codes).size).toBe(codes.length);
    expect(await f.languages.create(' KHB ', ' Tiếng Lự ')).toMatchObject({ code: 'khb', name: 'Tiếng Lự' });
    await expect(f.languages.create('km', 'Khmer lần hai')).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('Tiếng Khmer') });
    await expect(f.languages.create('xyz', 'tiếng khmer')).rejects.toMatchObject({ code: 'conflict' });
    await expect(f.languages.create('Khmer!', 'Khmer')).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('Mã ngôn ngữ') });
    await expect(f.languages.create('abc', '  ')).rejects.toMatchObject({ code: 'validation_failed', details: { field: 'name' } });
    await expect(f.languages.checkPreference(['km', 'km'])).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(f.languages.checkPreference(['km', 'zz'])).rejects.toMatchObject({ code: 'validation_failed', details: { unknown: ['zz'] } });
    expect(await f.languages.checkPreference(['hmn', 'vi', 'km'])).toEqual(['hmn', 'vi', 'km']);
  });

  it('a Khmer version is added with its own audio, listed with the programme, and the stations airing it are sent their schedule again', async () => {
    const f = fixture();
    await f.languages.onApplicationBootstrap();
    const p = await f.programmes.create({ title: 'CCHC tháng 6', chuyenMuc: 'Khác', mediaAssetId: 'ready' }, 'u1');
    f.programmeStore.airings.push({ programmeId: p.id, stationId: 'st-1', startAt: '2026-06-01T22:30:00.000Z' }, { programmeId: p.id, stationId: 'st-2', startAt: '2026-05-20T00:00:00.000Z' });
    const v = await f.programmes.addVersion(p.id, { language: 'KM', mediaAssetId: 'khmer' }, editor);
    expect(v).toMatchObject({ programmeId: p.id, language: 'km', mediaAssetId: 'khmer', createdBy: 'u1' });
    expect((await f.programmes.get(p.id, editor)).versions.map((x) => x.language)).toEqual(['km']);
    expect((await f.programmes.list(editor))[0].versions).toHaveLength(1);
    // Only the station with an airing still ahead (or just past) is sent a new snapshot.
    expect(f.programmeStore.raised).toEqual(['st-1']);
    expect(f.emitted).toContainEqual({ type: 'schedule.changed', stationIds: ['st-1'] });

    await expect(f.programmes.addVersion(p.id, { language: 'km', mediaAssetId: 'khmer' }, editor)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('Tiếng Khmer') });
    await expect(f.programmes.addVersion(p.id, { language: 'vi', mediaAssetId: 'khmer' }, editor)).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('tiếng Việt') });
    await expect(f.programmes.addVersion(p.id, { language: 'zz', mediaAssetId: 'khmer' }, editor)).rejects.toMatchObject({ code: 'not_found' });
    await expect(f.programmes.addVersion(p.id, { language: 'hmn', mediaAssetId: 'processing' }, editor)).rejects.toMatchObject({ code: 'invalid_state' });
    // The slot keeps the Vietnamese audio's time on air: a longer version would run into the next programme.
    await expect(f.programmes.addVersion(p.id, { language: 'hmn', mediaAssetId: 'long' }, editor)).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('1:01') });
    expect(f.programmeStore.versions).toHaveLength(1);

    await f.programmes.removeVersion(p.id, 'km', editor);
    expect(f.programmeStore.versions).toHaveLength(0);
    expect(f.programmeStore.raised).toEqual(['st-1', 'st-1']);
    await expect(f.programmes.removeVersion(p.id, 'km', editor)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a unit below reads an upper level’s programme but adds no version to it; another unit’s programme is 404', async () => {
    const f = fixture();
    await f.languages.onApplicationBootstrap();
    const above = await f.programmes.create({ title: 'Của tỉnh', chuyenMuc: 'Khác', mediaAssetId: 'ready' }, 'above');
    const theirs = await f.programmes.create({ title: 'Của xã khác', chuyenMuc: 'Khác', mediaAssetId: 'ready' }, 'elsewhere');
    await expect(f.programmes.addVersion(above.id, { language: 'km', mediaAssetId: 'khmer' }, editor)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(f.programmes.addVersion(theirs.id, { language: 'km', mediaAssetId: 'khmer' }, editor)).rejects.toMatchObject({ code: 'not_found' });
    expect(f.programmeStore.versions).toHaveLength(0);
  });

  it('is public by default for CCHC and the upper level, not for a commune’s own notice nor a khẩn cấp announcement; the author may change it', async () => {
    const f = fixture();
    await f.chuyenMuc.onApplicationBootstrap();
    const make = (chuyenMuc: string, by: string | null, extra: { public?: boolean } = {}) => f.programmes.create({ title: 't', chuyenMuc, mediaAssetId: 'ready', ...extra }, by);
    expect((await make('Cải cách hành chính', 'commune-user')).public).toBe(true);
    expect((await make('Thông báo của xã', 'commune-user')).public).toBe(false);
    expect((await make('Thời sự', 'u1')).public).toBe(true);
    expect((await make('Thời sự', 'no-unit')).public).toBe(true);
    expect((await make('Thông báo khẩn cấp', 'u1')).public).toBe(false);
    expect((await make('thông báo khẩn cấp', null)).public).toBe(false);
    const chosen = await make('Thông báo khẩn cấp', 'u1', { public: true });
    expect(chosen.public).toBe(true);

    const local = await make('Thông báo của xã', 'commune-user');
    expect(await f.programmes.setPublic(local.id, true, editor)).toMatchObject({ id: local.id, public: true });
    expect((await f.programmeStore.get(local.id))?.public).toBe(true);
  });

  it('refuses a change of the public flag from a unit that did not make the programme', async () => {
    const f = fixture();
    const provincial = await f.programmes.create({ title: 'Của tỉnh', chuyenMuc: 'Khác', mediaAssetId: 'ready' }, 'u1');
    const commune: Principal = { kind: 'user', userId: 'commune-user', username: 'xa', role: 'operator', unitId: 'commune' };
    const f2 = { ...f, programmes: new ProgrammesService(f.programmeStore, { requireReady: async () => { throw new Error('unused'); } }, f.chuyenMuc, {
      filterOwned: async <T,>(_w: Principal, rows: readonly T[], _o: (r: T) => string | null, action?: 'read' | 'write') => (action === 'write' ? [] : [...rows]),
      requireOwned: async () => undefined,
      units: async () => [],
      unitsOfUsers: async () => new Map(),
    }, new FakeClock(NOW), f.languages, new DomainEvents()) };
    await expect(f2.programmes.setPublic(provincial.id, false, commune)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await f.programmeStore.get(provincial.id))?.public).toBe(true);
  });

  it('renames and retires a chuyên mục and its topics; a retired topic is refused for a new programme, names stay unique', async () => {
    const f = fixture();
    await f.chuyenMuc.onApplicationBootstrap();
    const cds = await f.chuyenMuc.create('Chuyển đổi số', 'CDS');
    const topic = await f.chuyenMuc.addTopic(cds.id, 'Dữ liệu số');
    const admin: Principal = { kind: 'user', userId: 'a1', username: 'admin', role: 'admin', unitId: null };
    await expect(f.chuyenMuc.update(cds.id, { name: CCHC.name }, admin)).rejects.toMatchObject({ code: 'conflict' });
    expect(await f.chuyenMuc.update(cds.id, { name: ' Chuyển đổi số quốc gia ', deadAirSeconds: 20 }, admin)).toMatchObject({ name: 'Chuyển đổi số quốc gia', deadAirSeconds: 20 });
    expect(await f.chuyenMuc.renameTopicAs(topic.id, 'Dữ liệu số quốc gia', admin)).toMatchObject({ name: 'Dữ liệu số quốc gia' });
    expect(await f.chuyenMuc.retireTopicAs(topic.id, admin)).toMatchObject({ retiredAt: '2026-06-01T00:00:00.000Z' });
    await expect(f.chuyenMuc.link('CDS', topic.id)).rejects.toMatchObject({ code: 'validation_failed' });
    const cchc = (await f.chuyenMuc.list()).find((c) => c.code === 'CCHC')!;
    await expect(f.chuyenMuc.retireAs(cchc.id, admin)).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await f.chuyenMuc.retireAs(cds.id, admin)).toMatchObject({ retiredAt: '2026-06-01T00:00:00.000Z' });
    await expect(f.chuyenMuc.addTopic(cds.id, 'Khác')).rejects.toMatchObject({ code: 'validation_failed' });
    expect(f.chuyenMucStore.rows.find((c) => c.id === cds.id)).toMatchObject({ name: 'Chuyển đổi số quốc gia', retiredAt: '2026-06-01T00:00:00.000Z' });
  });

  it('lets only an admin bound to no unit rename or retire what every unit shares', async () => {
    const store = new FakeChuyenMucRepository();
    const refusing = { requireAccess: async () => Promise.reject(new LoaError('forbidden', 'Chỉ quản trị viên cấp cao nhất.')) };
    const service = new ChuyenMucService(store, new FakeClock(NOW), refusing);
    const cds = await service.create('Chuyển đổi số', 'CDS');
    const provinceAdmin: Principal = { kind: 'user', userId: 'a2', username: 'qt-tinh', role: 'admin', unitId: 'province' };
    await expect(service.update(cds.id, { name: 'Khác' }, provinceAdmin)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.retireAs(cds.id, provinceAdmin)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await service.update(cds.id, { deadAirSeconds: 30 }, provinceAdmin)).toMatchObject({ name: 'Chuyển đổi số', deadAirSeconds: 30 });
    expect(store.rows[0]).toMatchObject({ name: 'Chuyển đổi số', retiredAt: null });
  });
});
