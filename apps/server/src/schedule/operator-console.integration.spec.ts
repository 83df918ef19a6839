import { INestApplication } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StationAgenda } from '@loa/api-types';
import { Api } from '../../../../test/support/api';
import { makeTone } from '../../../../test/support/audio';
import { testDatabaseEnv } from '../../../../test/support/test-db';
import { startServer } from '../bootstrap';
import { AppConfig } from '../config/app-config';
import { ScheduleQueries } from './schedule-queries.service';

const DAY = 24 * 3600_000;

/** The commune operator's choices (TT39) through the HTTP API, on a fresh database with the real migrations. */
describe('the commune operator: declining normal items, ordering clashing priority items, only on its own stations', () => {
  let dir: string;
  let app: INestApplication;
  let admin: Api;
  let operatorA: Api;
  let operatorB: Api;
  let url: string;
  let schedule: ScheduleQueries;
  const st: Record<string, string> = {};
  let programmeId: string;
  let durationMs: number;

  /** An instant `days` from now at hh:mm:ss Việt Nam time, as UTC ISO. */
  const vnAt = (days: number, hhmmss: string) => {
    const d = new Date(Date.now() + 7 * 3600_000 + days * DAY);
    return new Date(`${d.toISOString().slice(0, 10)}T${hhmmss}+07:00`).toISOString();
  };

  async function as(username: string, role: string, unitId?: string): Promise<Api> {
    await admin.ok('POST', '/api/users', { username, displayName: username, password: `${username}-password-1`, role, ...(unitId ? { unitId } : {}) });
    const api = new Api(url);
    await api.login(username, `${username}-password-1`);
    return api;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-oper-'));
    app = await startServer(
      AppConfig.fromEnv({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media'), LOA_ADMIN_PASSWORD: 'oper-admin-pw', LOG_LEVEL: 'error', ...(await testDatabaseEnv()) }),
    );
    url = await app.getUrl();
    schedule = app.get(ScheduleQueries);
    admin = new Api(url);
    await admin.login('admin', 'oper-admin-pw');
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Quảng Trị', kind: 'Tỉnh' });
    const a = await admin.ok('POST', '/api/units', { name: 'Xã Gio Linh', kind: 'Xã', parentId: province.id });
    const b = await admin.ok('POST', '/api/units', { name: 'Xã Gio Mỹ', kind: 'Xã', parentId: province.id });
    st.a = (await admin.ok('POST', '/api/stations', { unitId: a.id, name: 'Đài xã Gio Linh', code: 'gio-linh' })).station.id;
    st.b = (await admin.ok('POST', '/api/stations', { unitId: b.id, name: 'Đài xã Gio Mỹ', code: 'gio-my' })).station.id;
    const upload = await admin.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    const ready = await admin.waitReady(upload.body.id);
    durationMs = ready.durationMs;
    programmeId = (await admin.ok('POST', '/api/programmes', { title: 'Bản tin tỉnh', chuyenMuc: 'Cải cách hành chính', mediaAssetId: upload.body.id })).id;
    operatorA = await as('canbo.giolinh', 'operator', a.id);
    operatorB = await as('canbo.giomy', 'operator', b.id);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a normal item is declined with a reason: gone from the agent, shown as declined; priority and khẩn cấp items cannot be declined (422)', async () => {
    const normal = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnAt(1, '07:00:00'), stationIds: [st.a, st.b] });
    const priority = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnAt(1, '08:00:00'), stationIds: [st.a], priority: 'priority' });
    const emergency = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnAt(1, '09:00:00'), stationIds: [st.a], priority: 'emergency' });

    await operatorA.ok('POST', `/api/slots/${normal.id}/airings`, { action: 'cancel', occurrenceAt: normal.startAt, stationId: st.a, reason: 'Trùng giờ họp dân ở nhà văn hoá' });
    const snapshot = await schedule.snapshotFor(st.a);
    expect(snapshot.items.map((i) => i.slotId)).not.toContain(normal.id);
    expect((await schedule.snapshotFor(st.b)).items.map((i) => i.slotId)).toContain(normal.id);
    const agenda = await operatorA.ok<StationAgenda>('GET', `/api/stations/${st.a}/agenda`);
    expect(agenda.airings.find((x) => x.slotId === normal.id)).toMatchObject({
      startAt: null,
      own: false,
      priority: 'normal',
      declined: { by: 'canbo.giolinh', reason: 'Trùng giờ họp dân ở nhà văn hoá' },
    });
    expect(agenda.airings.find((x) => x.slotId === priority.id)).toMatchObject({ priority: 'priority', declined: null, startAt: priority.startAt });

    for (const slot of [priority, emergency]) {
      const refused = await operatorA.request('POST', `/api/slots/${slot.id}/airings`, { action: 'cancel', occurrenceAt: slot.startAt, stationId: st.a, reason: 'không muốn' });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('not_declinable');
      expect(refused.body.message).toMatch(/bắt buộc phát/);
    }
    expect((await schedule.snapshotFor(st.a)).items.map((i) => i.slotId)).toEqual(expect.arrayContaining([priority.id, emergency.id]));
    // Another commune's operator reaches neither the airing nor the station.
    expect((await operatorB.request('POST', `/api/slots/${normal.id}/airings`, { action: 'cancel', occurrenceAt: normal.startAt, stationId: st.a })).status).toBe(403);
    expect((await operatorB.request('GET', `/api/stations/${st.a}/agenda`)).status).toBe(403);
  });

  it('the order the operator chooses for two clashing priority items reaches the agent snapshot in that order, and can be changed or dropped', async () => {
    const first = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnAt(2, '06:00:00'), stationIds: [st.a], priority: 'priority' });
    const second = await admin.ok('POST', '/api/slots', { programmeId, startAt: new Date(Date.parse(first.startAt) + 1000).toISOString(), stationIds: [st.a], priority: 'priority', startMode: 'soft' });
    const agenda = await operatorA.ok<StationAgenda>('GET', `/api/stations/${st.a}/agenda`);
    const clash = agenda.clashes.find((c) => c.a.slotId === first.id && c.b.slotId === second.id);
    expect(clash).toMatchObject({ a: { at: first.startAt }, b: { at: second.startAt }, order: null });
    const inSnapshot = async () =>
      (await schedule.snapshotFor(st.a)).items.filter((i) => i.slotId === first.id || i.slotId === second.id).map((i) => ({ slotId: i.slotId, startAt: i.startAt, startMode: i.startMode }));

    // The later one first: the earlier waits until it has played, and yields should it run late.
    const order = await operatorA.ok('POST', `/api/stations/${st.a}/airing-orders`, { firstSlotId: second.id, firstAt: second.startAt, secondSlotId: first.id, secondAt: first.startAt });
    const secondEnds = new Date(Date.parse(second.startAt) + durationMs).toISOString();
    expect(await inSnapshot()).toEqual([
      { slotId: second.id, startAt: second.startAt, startMode: 'soft' },
      { slotId: first.id, startAt: secondEnds, startMode: 'soft' },
    ]);
    const after = await operatorA.ok<StationAgenda>('GET', `/api/stations/${st.a}/agenda`);
    expect(after.clashes.find((c) => c.a.slotId === first.id)?.order).toMatchObject({ id: order.id, first: { slotId: second.id }, second: { slotId: first.id } });
    expect(after.airings.find((x) => x.slotId === first.id)).toMatchObject({ plannedAt: first.startAt, startAt: secondEnds });
    const timeline = await operatorA.ok('GET', `/api/stations/${st.a}/timeline?from=${encodeURIComponent(first.startAt)}&to=${encodeURIComponent(new Date(Date.parse(first.startAt) + 60_000).toISOString())}`);
    expect(timeline.items.map((i: { slotId: string }) => i.slotId)).toEqual([second.id, first.id]);

    // Chosen again the other way round: one order for the pair, the earlier first.
    await operatorA.ok('POST', `/api/stations/${st.a}/airing-orders`, { firstSlotId: first.id, firstAt: first.startAt, secondSlotId: second.id, secondAt: second.startAt });
    expect(await operatorA.ok('GET', `/api/stations/${st.a}/airing-orders`)).toHaveLength(1);
    const firstEnds = new Date(Date.parse(first.startAt) + durationMs).toISOString();
    expect(await inSnapshot()).toEqual([
      { slotId: first.id, startAt: first.startAt, startMode: 'hard' },
      { slotId: second.id, startAt: firstEnds, startMode: 'soft' },
    ]);

    // A new slot right after the waiting item's own end but inside where the order moved it clashes with it there.
    const afterUnmoved = Math.ceil((Date.parse(second.startAt) + durationMs) / 1000) * 1000;
    expect(afterUnmoved).toBeLessThan(Date.parse(firstEnds) + durationMs);
    const refused = await admin.request('POST', '/api/slots', { programmeId, startAt: new Date(afterUnmoved).toISOString(), stationIds: [st.a], priority: 'priority' });
    expect(refused.status).toBe(409);
    expect(refused.body.details.clashes).toEqual([expect.objectContaining({ slotId: second.id, startAt: firstEnds })]);

    // The change is in the audit trail with who made it.
    const audit = await admin.ok('GET', '/api/audit?entity=airing_order');
    expect(audit.items ?? audit).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'insert' })]));

    // Another commune's operator cannot read, order or drop it; an order of another station is not there for it.
    const [current] = await operatorA.ok('GET', `/api/stations/${st.a}/airing-orders`);
    expect((await operatorB.request('POST', `/api/stations/${st.a}/airing-orders`, { firstSlotId: second.id, firstAt: second.startAt, secondSlotId: first.id, secondAt: first.startAt })).status).toBe(403);
    expect((await operatorB.request('DELETE', `/api/stations/${st.a}/airing-orders/${current.id}`)).status).toBe(403);
    expect((await operatorB.request('GET', `/api/stations/${st.a}/airing-orders`)).status).toBe(403);
    expect((await operatorB.request('DELETE', `/api/stations/${st.b}/airing-orders/${current.id}`)).status).toBe(404);
    expect((await operatorB.request('POST', `/api/stations/${st.b}/airing-orders`, { firstSlotId: second.id, firstAt: second.startAt, secondSlotId: first.id, secondAt: first.startAt })).status).toBe(404);

    await operatorA.ok('DELETE', `/api/stations/${st.a}/airing-orders/${current.id}`);
    expect(await inSnapshot()).toEqual([
      { slotId: first.id, startAt: first.startAt, startMode: 'hard' },
      { slotId: second.id, startAt: second.startAt, startMode: 'soft' },
    ]);
  });

  it('an order is refused, with a Vietnamese reason, for items that are not two clashing priority ones', async () => {
    const p1 = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnAt(3, '06:00:00'), stationIds: [st.a], priority: 'priority' });
    const p2 = await admin.ok('POST', '/api/slots', { programmeId, startAt: vnAt(3, '07:00:00'), stationIds: [st.a], priority: 'priority' });
    const normal = await admin.ok('POST', '/api/slots', { programmeId, startAt: new Date(Date.parse(p1.startAt) + 1000).toISOString(), stationIds: [st.a], startMode: 'soft' });
    const apart = await operatorA.request('POST', `/api/stations/${st.a}/airing-orders`, { firstSlotId: p2.id, firstAt: p2.startAt, secondSlotId: p1.id, secondAt: p1.startAt });
    expect(apart.status).toBe(422);
    expect(apart.body).toMatchObject({ code: 'order_invalid', message: expect.stringMatching(/không trùng giờ/) });
    const withNormal = await operatorA.request('POST', `/api/stations/${st.a}/airing-orders`, { firstSlotId: normal.id, firstAt: normal.startAt, secondSlotId: p1.id, secondAt: p1.startAt });
    expect(withNormal.status).toBe(422);
    expect(withNormal.body.message).toMatch(/ưu tiên/);
    const missing = await operatorA.request('POST', `/api/stations/${st.a}/airing-orders`, { firstSlotId: p1.id, firstAt: vnAt(3, '06:30:00'), secondSlotId: p2.id, secondAt: p2.startAt });
    expect(missing.status).toBe(404);
    const bad = await operatorA.request('POST', `/api/stations/${st.a}/airing-orders`, { firstSlotId: 'x', firstAt: 'hôm qua', secondSlotId: p2.id, secondAt: p2.startAt });
    expect(bad.status).toBe(400);
    expect(await operatorA.ok('GET', `/api/stations/${st.a}/airing-orders`)).toHaveLength(0);
  });
});
