import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlaybackEvent } from '@loa/protocol';
import { Api } from '../../../../test/support/api';
import { TEST_ENGINE } from '../../../../test/support/test-db';
import { startInProcessServer } from '../../../../test/support/in-process';
import { makeTone } from '../../../../test/support/audio';
import { occurrenceIdOf } from '../schedule/snapshot';
import { PlaybackService } from './playback.service';

/** The server on a fresh SQLite file with its real migrations, driven through its HTTP API. */
describe('schedule and logbook on SQLite with the real migrations', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let stationIds: string[];
  let programmeId: string;

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-int-'));
    const unit = await api.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    stationIds = [];
    for (const code of ['cam-binh', 'cam-vinh']) {
      const { station } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: `Trạm ${code}`, code });
      stationIds.push(station.id);
    }
    const upload = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    expect(upload.status).toBe(201);
    await api.waitReady(upload.body.id);
    programmeId = (await api.ok('POST', '/api/programmes', { title: 'CCHC tháng 11', chuyenMuc: 'Cải cách hành chính', mediaAssetId: upload.body.id })).id;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every migration and keeps SQLite in WAL mode', async () => {
    const db = app.get(DataSource);
    expect(await db.showMigrations()).toBe(false);
    if (TEST_ENGINE === 'postgres') {
      // Instants are stored as instants, never as a local wall time.
      const kinds = (await db.query(`SELECT DISTINCT data_type FROM information_schema.columns WHERE table_schema = 'public' AND data_type LIKE 'timestamp%'`)) as { data_type: string }[];
      expect(kinds.map((k) => k.data_type)).toEqual(['timestamp with time zone']);
      return;
    }
    const [{ journal_mode }] = await db.query('PRAGMA journal_mode');
    expect(journal_mode).toBe('wal');
  });

  it('refuses a second programme over the first on a shared station, naming the clash', async () => {
    const startAt = new Date(Date.now() + 3600_000).toISOString();
    const first = await api.ok('POST', '/api/slots', { programmeId, startAt, stationIds });
    const clash = await api.request('POST', '/api/slots', { programmeId, startAt, stationIds: [stationIds[1]] });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('conflict');
    expect(clash.body.details.clashes).toEqual([expect.objectContaining({ slotId: first.id, stationId: stationIds[1] })]);
    await api.ok('DELETE', `/api/slots/${first.id}`);
    // Once cancelled, the time is free again.
    const again = await api.request('POST', '/api/slots', { programmeId, startAt, stationIds: [stationIds[1]] });
    expect(again.status).toBe(201);
  });

  it('refuses a slot in the past and one with an unknown station, storing nothing', async () => {
    const before = (await api.ok('GET', '/api/slots')).length;
    const past = await api.request('POST', '/api/slots', { programmeId, startAt: '2020-01-01T05:30:00+07:00', stationIds });
    expect(past.status).toBe(422);
    const unknown = await api.request('POST', '/api/slots', { programmeId, startAt: new Date(Date.now() + 7200_000).toISOString(), stationIds: [randomUUID()] });
    expect(unknown.status).toBe(404);
    expect((await api.ok('GET', '/api/slots')).length).toBe(before);
  });

  it('stores each event once and writes one logbook line per station and airing, however often it is sent', async () => {
    const startAt = new Date(Date.now() + 5 * 3600_000).toISOString();
    const slot = await api.ok('POST', '/api/slots', { programmeId, startAt, stationIds });
    const occurrenceId = occurrenceIdOf(slot.id, slot.startAt);
    const playback = app.get(PlaybackService);
    const finished = (stationId: string): PlaybackEvent => ({
      id: randomUUID(),
      kind: 'finished',
      occurrenceId,
      slotId: slot.id,
      plannedAt: slot.startAt,
      startedAt: slot.startAt,
      endedAt: new Date(Date.parse(slot.startAt) + 2000).toISOString(),
      playedMs: 2000,
      startErrorMs: 0.4,
    });
    const a = finished(stationIds[0]);
    const b = finished(stationIds[1]);
    expect((await playback.ingest(stationIds[0], [a, a])).acked).toEqual([a.id, a.id]);
    await playback.ingest(stationIds[0], [a]);
    // A second final event for the same airing (a different id) adds no line either.
    await playback.ingest(stationIds[0], [{ ...a, id: randomUUID() }]);
    await playback.ingest(stationIds[1], [b]);

    const lines = (await api.ok('GET', `/api/logbook?from=${encodeURIComponent(slot.startAt)}`)).items;
    expect(lines).toHaveLength(2);
    expect(lines.map((l: { stationId: string }) => l.stationId).sort()).toEqual([...stationIds].sort());
    expect(lines[0]).toMatchObject({ result: 'complete', programmeTitle: 'CCHC tháng 11', chuyenMuc: 'Cải cách hành chính', recordedBy: 'tự động' });
    // Written in the ingest transaction, numbered and linked into each station's chain.
    expect(lines[0]).toMatchObject({ number: 1, chainPos: 1, prevHash: '0'.repeat(64), revision: 0 });
    expect((await api.ok('GET', '/api/logbook/verify')).ok).toBe(true);
  });

  it('refuses an event for a slot that is not on the sending station', async () => {
    const startAt = new Date(Date.now() + 9 * 3600_000).toISOString();
    const slot = await api.ok('POST', '/api/slots', { programmeId, startAt, stationIds: [stationIds[0]] });
    const event: PlaybackEvent = { id: randomUUID(), kind: 'failed', reason: 'missed', occurrenceId: occurrenceIdOf(slot.id, slot.startAt), slotId: slot.id, plannedAt: slot.startAt };
    const result = await app.get(PlaybackService).ingest(stationIds[1], [event]);
    expect(result.rejected).toHaveLength(1);
    const lines = (await api.ok('GET', `/api/logbook?stationId=${stationIds[1]}&from=${encodeURIComponent(slot.startAt)}`)).items;
    expect(lines).toHaveLength(0);
  });

  it('when one agent’s events cannot be stored, the others committed with them are stored all the same', async () => {
    const startAt = new Date(Date.now() + 11 * 3600_000).toISOString();
    const slot = await api.ok('POST', '/api/slots', { programmeId, startAt, stationIds });
    const occurrenceId = occurrenceIdOf(slot.id, slot.startAt);
    const playback = app.get(PlaybackService);
    const started = (): PlaybackEvent => ({ id: randomUUID(), kind: 'started', occurrenceId, slotId: slot.id, plannedAt: slot.startAt, startedAt: slot.startAt, startErrorMs: 1 });
    const results = await Promise.allSettled([
      ...Array.from({ length: 30 }, (_, i) => playback.ingest(stationIds[i % 2], [started()])),
      playback.ingest(randomUUID(), [started()]), // no such station: its transaction fails
      ...Array.from({ length: 30 }, (_, i) => playback.ingest(stationIds[i % 2], [started()])),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(60);
    expect(results[30].status).toBe('rejected');
    const stored = await app.get(DataSource).query(`SELECT COUNT(*) AS n FROM "playback_event" WHERE "occurrenceId" = ${TEST_ENGINE === 'postgres' ? '$1' : '?'}`, [occurrenceId]);
    expect(Number(stored[0].n)).toBe(60);
  });

  /** How many transactions a burst of 60 agents' started events (`each` per agent) is committed in. */
  async function burst(hoursAhead: number, each: number): Promise<number> {
    const startAt = new Date(Date.now() + hoursAhead * 3600_000).toISOString();
    const slot = await api.ok('POST', '/api/slots', { programmeId, startAt, stationIds });
    const occurrenceId = occurrenceIdOf(slot.id, slot.startAt);
    const playback = app.get(PlaybackService);
    const db = app.get(DataSource);
    const transactions = jest.spyOn(db.manager, 'transaction');
    const started = (): PlaybackEvent => ({ id: randomUUID(), kind: 'started', occurrenceId, slotId: slot.id, plannedAt: slot.startAt, startedAt: slot.startAt, startErrorMs: 1 });
    try {
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => playback.ingest(stationIds[i % 2], Array.from({ length: each }, started))));
      expect(results.every((r) => r.acked.length === each && r.rejected.length === 0)).toBe(true);
      return transactions.mock.calls.length;
    } finally {
      transactions.mockRestore();
    }
  }

  it('commits a burst from many agents in fewer transactions than agents', async () => {
    // One transaction holds it; a second is room for a background job committing meanwhile.
    expect(await burst(13, 1)).toBeLessThanOrEqual(2);
  });

  it('on SQLite a transaction takes no more than 200 events, so the event loop is not held long; on PostgreSQL up to 1000', async () => {
    const count = await burst(15, 10);
    if (TEST_ENGINE === 'postgres') expect(count).toBeLessThanOrEqual(2);
    else expect(count).toBeGreaterThanOrEqual(3);
  });

  it('exports the logbook as CSV with a BOM and Vietnamese headers', async () => {
    const res = await api.request('GET', '/api/logbook/export.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.text.charCodeAt(0)).toBe(0xfeff);
    const rows = res.text.trim().split('\r\n');
    expect(rows[0]).toContain('Chương trình');
    // The header, the lines, then the seal key's fingerprint and the newest seal.
    expect(rows.length).toBe(5);
    expect(rows[1]).toContain('Phát đủ');
    expect(rows[4]).toMatch(/^"?Niêm phong cuối: /);
  });

  it('lets an inspector read the logbook but not schedule', async () => {
    await api.ok('POST', '/api/users', { username: 'thanhtra', displayName: 'Thanh tra', password: 'inspector-pw-1', role: 'inspector' });
    const inspector = new Api(api.baseUrl);
    await inspector.login('thanhtra', 'inspector-pw-1');
    expect((await inspector.request('GET', '/api/logbook')).status).toBe(200);
    const refused = await inspector.request('POST', '/api/slots', { programmeId, startAt: new Date(Date.now() + 86400_000).toISOString(), stationIds });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
  });

  it('a whole outbox sent at once chains its airings in one append, a repeated final event adding nothing', async () => {
    const base = Date.now() + 30 * 3600_000;
    const slots = [];
    for (const offset of [0, 3600_000]) slots.push(await api.ok('POST', '/api/slots', { programmeId, startAt: new Date(base + offset).toISOString(), stationIds: [stationIds[0]] }));
    const finished = (slot: { id: string; startAt: string }): PlaybackEvent => ({
      id: randomUUID(),
      kind: 'finished',
      occurrenceId: occurrenceIdOf(slot.id, slot.startAt),
      slotId: slot.id,
      plannedAt: slot.startAt,
      startedAt: slot.startAt,
      endedAt: new Date(Date.parse(slot.startAt) + 2000).toISOString(),
      playedMs: 2000,
      startErrorMs: 0.5,
    });
    const first = finished(slots[0]);
    const result = await app.get(PlaybackService).ingest(stationIds[0], [first, { ...first, id: randomUUID() }, finished(slots[1])]);
    expect(result.acked).toHaveLength(3);
    expect(result.rejected).toEqual([]);

    const lines = (await api.ok('GET', `/api/logbook?stationId=${stationIds[0]}&from=${encodeURIComponent(slots[0].startAt)}`)).items;
    expect(lines.map((l: { occurrenceId: string }) => l.occurrenceId)).toEqual(slots.map((s) => occurrenceIdOf(s.id, s.startAt)));
    expect(lines[1].chainPos).toBe(lines[0].chainPos + 1);
    expect(lines[1].number).toBe(lines[0].number + 1);
    expect(lines[1].prevHash).toBe(lines[0].lineHash);
    expect((await api.ok('GET', `/api/logbook/verify?stationId=${stationIds[0]}`)).ok).toBe(true);
  });

  it('writes the capture’s proof-of-air verdict and dead air onto the chained line, and keeps dead-air stretches from statuses', async () => {
    const startAt = new Date(Date.now() + 7 * 3600_000).toISOString();
    const slot = await api.ok('POST', '/api/slots', { programmeId, startAt, stationIds });
    const occurrenceId = occurrenceIdOf(slot.id, slot.startAt);
    const playback = app.get(PlaybackService);
    const base = { kind: 'finished' as const, occurrenceId, slotId: slot.id, plannedAt: slot.startAt, startedAt: slot.startAt, endedAt: new Date(Date.parse(slot.startAt) + 2000).toISOString(), playedMs: 2000 };
    await playback.ingest(stationIds[0], [{ id: randomUUID(), ...base, air: { verdict: 'confirmed', confirmedMs: 1900, coveragePct: 95.4, offsetMs: 12 } }]);
    await playback.ingest(stationIds[1], [{ id: randomUUID(), ...base, air: { verdict: 'not_confirmed', confirmedMs: 0, coveragePct: 0, offsetMs: null }, deadAirMs: 1500 }]);
    const lines = (await api.ok('GET', `/api/logbook?from=${encodeURIComponent(slot.startAt)}&to=${encodeURIComponent(new Date(Date.parse(slot.startAt) + 1000).toISOString())}`)).items;
    const byStation = new Map(lines.map((l: { stationId: string }) => [l.stationId, l]));
    expect(byStation.get(stationIds[0])).toMatchObject({ airVerdict: 'confirmed', airConfirmedMs: 1900, airCoveragePct: 95, airOffsetMs: 12, deadAirMs: null });
    expect(byStation.get(stationIds[1])).toMatchObject({ airVerdict: 'not_confirmed', airConfirmedMs: 0, airCoveragePct: 0, airOffsetMs: null, deadAirMs: 1500 });
    expect((await api.ok('GET', '/api/logbook/verify')).ok).toBe(true);

    const deadAir = { since: '2026-12-01T22:30:05.000Z', occurrenceId, live: false };
    await playback.deadAirChanged(stationIds[0], undefined, deadAir);
    await playback.deadAirChanged(stationIds[0], deadAir, deadAir);
    expect(await playback.deadAirOf(stationIds[0])).toEqual([expect.objectContaining({ ...deadAir, clearedAt: null })]);
    await playback.deadAirChanged(stationIds[0], deadAir, null);
    const [closed] = await playback.deadAirOf(stationIds[0]);
    expect(closed.clearedAt).not.toBeNull();
  });

  it('an announcement the station aired from its own console becomes one line of its logbook, as its own programme or its own khẩn cấp', async () => {
    const playback = app.get(PlaybackService);
    const at = new Date(Date.now() - 3600_000).toISOString();
    const ended = new Date(Date.parse(at) + 4000).toISOString();
    const airing = (priority: 'normal' | 'emergency', clusterIds?: string[]) => {
      const occurrenceId = `local:${randomUUID()}`;
      const local = { title: `Thông báo họp dân (${priority})`, kind: 'text' as const, priority, durationMs: 4000, ...(clusterIds ? { clusterIds } : {}) };
      const started: PlaybackEvent = { id: randomUUID(), kind: 'started', occurrenceId, slotId: occurrenceId, plannedAt: at, startedAt: at, startErrorMs: 0, local };
      const finished: PlaybackEvent = { id: randomUUID(), kind: 'finished', occurrenceId, slotId: occurrenceId, plannedAt: at, startedAt: at, endedAt: ended, playedMs: 4000, local };
      return { occurrenceId, started, finished };
    };
    const own = airing('normal');
    const alarm = airing('emergency', ['cum-1', 'cum-2']);
    // Sent, then sent again after a lost ack, then a second final event with a new id: still one line each.
    for (const batch of [[own.started, own.finished, alarm.finished], [own.started, own.finished, alarm.finished], [{ ...own.finished, id: randomUUID() }]]) {
      const result = await playback.ingest(stationIds[1], batch);
      expect(result.rejected).toEqual([]);
    }
    const lines = (await api.ok('GET', `/api/logbook?stationId=${stationIds[1]}&from=${encodeURIComponent(at)}&to=${encodeURIComponent(ended)}`)).items;
    const byOccurrence = new Map(lines.map((l: { occurrenceId: string }) => [l.occurrenceId, l]));
    expect(lines).toHaveLength(2);
    expect(byOccurrence.get(own.occurrenceId)).toMatchObject({ source: 'local', priority: 'normal', chuyenMuc: 'Thông báo tại trạm', programmeTitle: 'Thông báo họp dân (normal)', result: 'complete', speakerClusters: null });
    expect(byOccurrence.get(alarm.occurrenceId)).toMatchObject({ source: 'emergency', priority: 'emergency', result: 'complete', speakerClusters: 'cum-1, cum-2' });
    expect((await api.ok('GET', `/api/logbook/verify?stationId=${stationIds[1]}`)).ok).toBe(true);
  });
});
