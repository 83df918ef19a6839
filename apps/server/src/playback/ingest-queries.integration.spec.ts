import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlaybackEvent } from '@loa/protocol';
import { Api } from '../../../../test/support/api';
import { makeTone } from '../../../../test/support/audio';
import { startInProcessServer } from '../../../../test/support/in-process';
import { countQueries } from '../../../../test/support/query-count';
import { eventually } from '../../../../test/support/processes';
import { TEST_ENGINE } from '../../../../test/support/test-db';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import type { UnitOfWork } from '../database/unit-of-work';
import { LogbookChainRepository } from '../logbook/logbook-chain.repository';
import { LogbookWriter } from '../logbook/logbook-writer';
import { SealKeys } from '../logbook/seal-keys';
import { ScheduleQueries } from '../schedule/schedule-queries.service';
import { occurrenceIdOf } from '../schedule/snapshot';
import { PlaybackRepository } from './playback.repository';
import { PlaybackService } from './playback.service';

/** Statements the ingest may send per event of a batch of ten: a fixed few per batch, none per event. */
const MAX_QUERIES_PER_EVENT = 5;

/** What the ingest asks of the database per agent event, and an event sent to two instances at once, on the engine under test. */
describe('agent event ingest on the database', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let stationIds: string[];
  let programmeId: string;
  let hoursAhead = 2;

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-ingestq-'));
    const unit = await api.ok('POST', '/api/units', { name: 'Tỉnh Quảng Trị', kind: 'Tỉnh' });
    stationIds = [];
    for (let i = 0; i < 10; i++) {
      const { station } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: `Trạm ${i}`, code: `tram-${i}` });
      stationIds.push(station.id);
    }
    const upload = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    expect(upload.status).toBe(201);
    await api.waitReady(upload.body.id);
    programmeId = (await api.ok('POST', '/api/programmes', { title: 'Bản tin thời sự', chuyenMuc: 'Thời sự', mediaAssetId: upload.body.id })).id;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A slot on every station, an hour after the last one; its occurrence on all of them. */
  async function airing(): Promise<{ slotId: string; startAt: string; occurrenceId: string }> {
    const startAt = new Date(Date.now() + hoursAhead++ * 3600_000).toISOString();
    const slot = await api.ok('POST', '/api/slots', { programmeId, startAt, stationIds });
    return { slotId: slot.id, startAt: slot.startAt, occurrenceId: occurrenceIdOf(slot.id, slot.startAt) };
  }

  const finished = (a: { slotId: string; startAt: string; occurrenceId: string }): PlaybackEvent => ({
    id: randomUUID(),
    kind: 'finished',
    occurrenceId: a.occurrenceId,
    slotId: a.slotId,
    plannedAt: a.startAt,
    startedAt: a.startAt,
    endedAt: new Date(Date.parse(a.startAt) + 2000).toISOString(),
    playedMs: 2000,
    startErrorMs: 0.4,
  });

  async function lineCount(stationId: string, occurrenceId: string): Promise<number> {
    const p = TEST_ENGINE === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    const rows = await app.get(DataSource).query(`SELECT COUNT(*) AS n FROM "logbook_line" WHERE "stationId" = ${p[0]} AND "occurrenceId" = ${p[1]}`, [stationId, occurrenceId]);
    return Number(rows[0].n);
  }

  it(`stores ten final events of one agent's frame, with their lines, in at most ${MAX_QUERIES_PER_EVENT} statements per event`, async () => {
    const airings = [];
    for (let i = 0; i < 10; i++) airings.push(await airing());
    const events = airings.map(finished);
    const count = countQueries(app.get(DataSource));
    let result;
    try {
      result = await app.get(PlaybackService).ingest(stationIds[0], events);
    } finally {
      count.stop();
    }
    expect(result).toEqual({ acked: events.map((e) => e.id), rejected: [] });
    for (const a of airings) expect(await lineCount(stationIds[0], a.occurrenceId)).toBe(1);
    expect(count.errors).toEqual([]);
    expect(count.queries / events.length).toBeLessThanOrEqual(MAX_QUERIES_PER_EVENT);
  });

  it(`stores the final events of ten agents arriving together in at most ${MAX_QUERIES_PER_EVENT} statements per event, and a resend of them in fewer`, async () => {
    const a = await airing();
    const events = stationIds.map(() => finished(a));
    const playback = app.get(PlaybackService);
    const count = countQueries(app.get(DataSource));
    try {
      const results = await Promise.all(stationIds.map((id, i) => playback.ingest(id, [events[i]])));
      expect(results.map((r) => r.acked)).toEqual(events.map((e) => [e.id]));
      expect(count.queries / events.length).toBeLessThanOrEqual(MAX_QUERIES_PER_EVENT);
      const first = count.queries;
      const again = await Promise.all(stationIds.map((id, i) => playback.ingest(id, [events[i]])));
      expect(again.map((r) => r.acked)).toEqual(events.map((e) => [e.id]));
      expect(count.queries - first).toBeLessThan(first);
    } finally {
      count.stop();
    }
    for (const id of stationIds) expect(await lineCount(id, a.occurrenceId)).toBe(1);
    expect(count.errors).toEqual([]);
  });

  /**
   * The other instance: its own ingest queue and logbook writer, on its own connection, holding its
   * transaction open (event and line written, not committed) until `release`; `inside` resolves once it is.
   */
  function otherInstanceHoldingItsTransaction(): { other: PlaybackService; inside: Promise<void>; release: () => void } {
    const db = app.get(DataSource);
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held: Pick<UnitOfWork, 'run' | 'engine'> = {
      engine: TEST_ENGINE,
      run: (work) =>
        db.transaction(async (m) => {
          const out = await work(m);
          entered();
          await gate;
          return out;
        }),
    };
    const other = new PlaybackService(
      held as UnitOfWork,
      app.get(PlaybackRepository),
      app.get(Clock),
      app.get(ScheduleQueries),
      new LogbookWriter(app.get(AppConfig), app.get(SealKeys), app.get(LogbookChainRepository)),
    );
    return { other, inside, release };
  }

  it('an event sent to two instances at the same moment is stored once, written once, and acknowledged by both without an error', async () => {
    const a = await airing();
    const event = finished(a);
    const db = app.get(DataSource);
    const { other, inside, release } = otherInstanceHoldingItsTransaction();
    const count = countQueries(db);
    try {
      const there = other.ingest(stationIds[3], [event]);
      await inside;
      const here = app.get(PlaybackService).ingest(stationIds[3], [event]);
      if (TEST_ENGINE === 'postgres') {
        // This instance has reached the other's uncommitted row and waits for its outcome.
        await eventually(
          'the second instance waiting on the first',
          async () => Number((await db.query(`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0].n) > 0,
          20_000,
        );
      }
      release();
      expect(await there).toEqual({ acked: [event.id], rejected: [] });
      expect(await here).toEqual({ acked: [event.id], rejected: [] });
    } finally {
      release();
      count.stop();
    }
    expect(count.errors).toEqual([]);
    expect(await lineCount(stationIds[3], a.occurrenceId)).toBe(1);
    const p = TEST_ENGINE === 'postgres' ? '$1' : '?';
    expect(Number((await db.query(`SELECT COUNT(*) AS n FROM "playback_event" WHERE "id" = ${p}`, [event.id]))[0].n)).toBe(1);
  });

  it('two different final events of one airing sent to two instances: the first line stays, both are acknowledged, and the batch of the second goes through with the other agents in it', async () => {
    const a = await airing();
    const played = finished(a);
    // Sent first to the other instance, whose answer the agent never got; then, after its link moved, it
    // reported the same airing otherwise (cut by an emergency), under a new id.
    const cut: PlaybackEvent = { ...finished(a), id: randomUUID(), kind: 'failed', reason: 'preempted', playedMs: 900, endedAt: new Date(Date.parse(a.startAt) + 900).toISOString() };
    const neighbour = finished(a);
    const db = app.get(DataSource);
    const { other, inside, release } = otherInstanceHoldingItsTransaction();
    const playback = app.get(PlaybackService);
    const count = countQueries(db);
    let runs: jest.SpyInstance | null = null;
    let transactions = 0;
    try {
      const there = other.ingest(stationIds[5], [played]);
      await inside;
      // This instance's transactions from here: a batch that failed would be rolled back and its agents' events done again one by one.
      runs = jest.spyOn(db, 'transaction');
      // Both agents' frames reach this instance together: one batch, one transaction.
      const here = [playback.ingest(stationIds[5], [cut]), playback.ingest(stationIds[6], [neighbour])];
      if (TEST_ENGINE === 'postgres') {
        // This instance has read the airing (no line yet) and waits for the station's chain.
        await eventually(
          'the second instance waiting on the first',
          async () => Number((await db.query(`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0].n) > 0,
          20_000,
        );
      }
      release();
      expect(await there).toEqual({ acked: [played.id], rejected: [] });
      expect(await Promise.all(here)).toEqual([
        { acked: [cut.id], rejected: [] },
        { acked: [neighbour.id], rejected: [] },
      ]);
    } finally {
      release();
      count.stop();
      transactions = runs?.mock.calls.length ?? 0;
      runs?.mockRestore();
    }
    // One transaction for both agents, and no statement failed: the batch was not rolled back and done again.
    expect(transactions).toBe(1);
    expect(count.errors).toEqual([]);
    const p = TEST_ENGINE === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    const lines = (await db.query(`SELECT "result", "revision" FROM "logbook_line" WHERE "stationId" = ${p[0]} AND "occurrenceId" = ${p[1]}`, [stationIds[5], a.occurrenceId])) as { result: string; revision: number }[];
    expect(lines).toEqual([{ result: 'complete', revision: 0 }]);
    expect(await lineCount(stationIds[6], a.occurrenceId)).toBe(1);
    // Both reports are kept as the station's events.
    const stored = (await db.query(`SELECT "id" FROM "playback_event" WHERE "stationId" = ${p[0]} AND "occurrenceId" = ${p[1]}`, [stationIds[5], a.occurrenceId])) as { id: string }[];
    expect(stored.map((r) => r.id).sort()).toEqual([played.id, cut.id].sort());
    // The chains have no gap: positions 1…n.
    for (const stationId of [stationIds[5], stationIds[6]]) {
      const chain = (await db.query(`SELECT COUNT(*) AS n, MAX("chainPos") AS pos FROM "logbook_line" WHERE "stationId" = ${p[0]}`, [stationId]))[0];
      expect(Number(chain.pos)).toBe(Number(chain.n));
    }
  });
});
