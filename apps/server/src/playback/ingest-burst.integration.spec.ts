import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { PlaybackEvent } from '@loa/protocol';
import { Api } from '../../../../test/support/api';
import { makeTone } from '../../../../test/support/audio';
import { startInProcessServer } from '../../../../test/support/in-process';
import { countQueries } from '../../../../test/support/query-count';
import { TEST_ENGINE } from '../../../../test/support/test-db';
import { createStations } from '../../../../test/bench/bench-stations';
import { occurrenceIdOf } from '../schedule/snapshot';
import { PlaybackService } from './playback.service';

/** More agents than SQLite takes in one transaction (100), fewer than PostgreSQL does (1,000). */
const AGENTS = 150;

describe('a beat of events from many agents at once', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let stationIds: string[];
  let airing: { slotId: string; startAt: string; occurrenceId: string };

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-ingest-burst-'));
    const unit = await api.ok('POST', '/api/units', { name: 'Tỉnh Quảng Trị', kind: 'Tỉnh' });
    ({ stationIds } = await createStations(api, unit.id, AGENTS));
    const upload = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 1 }));
    await api.waitReady(upload.body.id);
    const programme = await api.ok('POST', '/api/programmes', { title: 'Bản tin', chuyenMuc: 'Thời sự', mediaAssetId: upload.body.id });
    const slot = await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(Date.now() + 3600_000).toISOString(), stationIds });
    airing = { slotId: slot.id, startAt: slot.startAt, occurrenceId: occurrenceIdOf(slot.id, slot.startAt) };
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`commits ${AGENTS} agents' final events in one transaction on PostgreSQL (two on SQLite), each with its line`, async () => {
    const events: PlaybackEvent[] = stationIds.map(() => ({
      id: randomUUID(),
      kind: 'finished',
      occurrenceId: airing.occurrenceId,
      slotId: airing.slotId,
      plannedAt: airing.startAt,
      startedAt: airing.startAt,
      endedAt: new Date(Date.parse(airing.startAt) + 1000).toISOString(),
      playedMs: 1000,
      startErrorMs: 0,
    }));
    const db = app.get(DataSource);
    const logger = db.logger as unknown as { logQuery: (query: string, ...rest: unknown[]) => unknown };
    const logQuery = logger.logQuery;
    let transactions = 0;
    logger.logQuery = (query: string, ...rest: unknown[]) => {
      if (/^\s*(BEGIN|START TRANSACTION)/i.test(query)) transactions++;
      return logQuery.call(logger, query, ...rest);
    };
    const count = countQueries(db);
    try {
      const playback = app.get(PlaybackService);
      const results = await Promise.all(stationIds.map((id, i) => playback.ingest(id, [events[i]])));
      expect(results.map((r) => r.acked)).toEqual(events.map((e) => [e.id]));
    } finally {
      count.stop();
      logger.logQuery = logQuery;
    }
    expect(count.errors).toEqual([]);
    expect(transactions).toBe(TEST_ENGINE === 'postgres' ? 1 : 2);
    const rows = (await db.query(`SELECT COUNT(*) AS n FROM "logbook_line" WHERE "occurrenceId" = ${TEST_ENGINE === 'postgres' ? '$1' : '?'}`, [airing.occurrenceId])) as { n: string | number }[];
    expect(Number(rows[0].n)).toBe(AGENTS);
  }, 60_000);
});
