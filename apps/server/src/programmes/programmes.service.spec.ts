import { FakeClock } from '../../../../test/support/fakes/schedule-fixture';
import { FakeChuyenMucRepository, FakeProgrammesRepository } from '../../../../test/support/fakes/programmes.repository.fake';
import type { Principal } from '../auth/principal';
import { LoaError } from '../common/errors';
import type { ReadyMediaAsset } from '../media/media.service';
import { CCHC, ChuyenMucService } from './chuyen-muc.service';
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
      if (id !== 'ready') throw new LoaError('invalid_state', 'Tệp âm thanh này đang được chuyển đổi, chưa dùng được. Hãy đợi đến khi xong.');
      return { id, status: 'ready', sha256: 'a'.repeat(64), size: 1, durationMs: 1000, spokenText: 'Kính thưa bà con' } as ReadyMediaAsset;
    },
  };
  // Programmes made by "elsewhere" belong to another unit.
  const access = {
    async filterOwned<T>(_who: Principal, rows: readonly T[], ownerOf: (row: T) => string | null) {
      return rows.filter((r) => ownerOf(r) !== 'elsewhere');
    },
  };
  const programmes = new ProgrammesService(programmeStore, media, chuyenMuc, access, clock);
  return { chuyenMucStore, programmeStore, chuyenMuc, programmes };
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
