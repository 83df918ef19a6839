import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { TEST_ENGINE, testDatabaseEnv } from '../../../../test/support/test-db';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions, openDatabase } from '../database/data-source';
import { LogbookLine } from './logbook-line.entity';
import { verifyStationChain } from './logbook-verify';
import { LogbookChainRepository } from './logbook-chain.repository';
import { LineDraft, LogbookWriter } from './logbook-writer';
import { SealKeys } from './seal-keys';

const STATIONS = ['station-a', 'station-b'];
const WRITERS = 3;
const APPENDS_PER_WRITER = 12;

function draft(stationId: string, n: number): LineDraft {
  const planned = new Date(Date.UTC(2026, 4, 1, 22, 30) + n * 3600_000).toISOString();
  return {
    stationId,
    stationName: `Trạm ${stationId}`,
    unitId: 'unit-1',
    occurrenceId: `occ-${randomUUID()}`,
    slotId: randomUUID(),
    programmeId: 'prog',
    programmeTitle: 'Chuyên mục CCHC',
    chuyenMuc: 'Cải cách hành chính',
    topic: null,
    speakerClusters: null,
    source: 'relay',
    priority: 'normal',
    plannedStart: planned,
    actualStart: planned,
    endedAt: planned,
    durationMs: 900_000,
    plannedDurationMs: 900_000,
    startErrorMs: 1,
    result: 'complete',
    reason: null,
    detail: null,
    recordedBy: 'tự động',
    // Written on one day: which instance commits first is not the order the lines were drafted in.
    createdAt: '2026-05-04T03:00:00.000Z',
  };
}

/**
 * Several server instances append to the same stations' logbooks at once: on PostgreSQL each instance is a
 * data source of its own on one database; on SQLite, one process's transactions overlap in time.
 */
describe(`logbook chains with concurrent writers (${TEST_ENGINE})`, () => {
  let dir: string;
  const sources: DataSource[] = [];
  const writers: LogbookWriter[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-chains-'));
    const config = AppConfig.fromEnv({ DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media'), ...(await testDatabaseEnv()) });
    const instances = config.database.engine === 'postgres' ? WRITERS : 1;
    // Started together, as instances of a cluster are: the migrations run once, under the advisory lock.
    sources.push(...(await Promise.all(Array.from({ length: instances }, () => openDatabase(dataSourceOptions(config.database))))));
    // Each instance has its own writer, as each server process does, all signing with the one seal key.
    const keys = new SealKeys(config);
    writers.push(...sources.map((db) => new LogbookWriter(config, keys, new LogbookChainRepository(db))));
  });

  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every chain unforked and its running numbers without a gap', async () => {
    let n = 0;
    const appends = Array.from({ length: WRITERS * APPENDS_PER_WRITER }, (_, i) => {
      const db = sources[i % sources.length];
      const writer = writers[i % sources.length];
      // Each append writes to both stations, in a different order every other time.
      const batch = (i % 2 ? [...STATIONS].reverse() : STATIONS).map((s) => draft(s, n++));
      return db.transaction((m) => writer.append(m, batch));
    });
    const results = await Promise.allSettled(appends);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);

    const db = sources[0];
    for (const stationId of STATIONS) {
      const lines = await db.getRepository(LogbookLine).find({ where: { stationId }, order: { chainPos: 'ASC' } });
      expect(lines).toHaveLength(WRITERS * APPENDS_PER_WRITER);
      expect(lines.map((l) => l.chainPos)).toEqual(lines.map((_, i) => i + 1));
      expect(lines.map((l) => l.number).sort((a, b) => a - b)).toEqual(lines.map((_, i) => i + 1));
      const report = await verifyStationChain(db.manager, stationId);
      expect(report).toMatchObject({ ok: true, checked: WRITERS * APPENDS_PER_WRITER });
    }
  });

  it('reads a batch\'s heads and running numbers of many stations in one query on PostgreSQL, numbering each year from 1', async () => {
    const db = sources[0];
    const writer = writers[0];
    const stations = Array.from({ length: 12 }, (_, i) => `station-batch-${i}`);
    // Each station's first lines late on 31 December, local time; the next batch runs into the new year.
    const at = (k: number) => ({ plannedStart: new Date(Date.UTC(2026, 11, 31, 15, 0) + k * 1800_000).toISOString(), createdAt: new Date(Date.UTC(2026, 11, 31, 15, 0) + k * 1800_000 + 60_000).toISOString() });
    await db.transaction((m) => writer.append(m, stations.flatMap((s) => [0, 1].map((k) => ({ ...draft(s, k), ...at(k) })))));
    let selects = 0;
    await db.transaction(async (m) => {
      const runner = m.queryRunner!;
      const query = runner.query.bind(runner);
      jest.spyOn(runner, 'query').mockImplementation((sql: string, ...rest: unknown[]) => {
        if (/^\s*SELECT/i.test(sql)) selects++;
        return (query as (...args: unknown[]) => Promise<unknown>)(sql, ...rest);
      });
      await writer.append(m, stations.flatMap((s) => [2, 3, 4, 5].map((k) => ({ ...draft(s, k), ...at(k) }))));
    });
    // The chain locks and the heads: not three reads for each of the twelve stations.
    if (TEST_ENGINE === 'postgres') expect(selects).toBeLessThanOrEqual(2);
    for (const stationId of stations) {
      const lines = await db.getRepository(LogbookLine).find({ where: { stationId }, order: { chainPos: 'ASC' } });
      expect(lines.map((l) => [l.chainPos, l.year, l.number])).toEqual([
        [1, 2026, 1],
        [2, 2026, 2],
        [3, 2026, 3],
        [4, 2026, 4],
        [5, 2027, 1],
        [6, 2027, 2],
      ]);
      expect(await verifyStationChain(db.manager, stationId)).toMatchObject({ ok: true, checked: 6 });
    }
  });

  it('stores text with tabs, line breaks, backslashes and quotes exactly as it was hashed', async () => {
    const db = sources[0];
    const odd = 'Dòng 1\nDòng\t2 \\N "trích" \\ \r kết';
    await db.transaction((m) => writers[0].append(m, [{ ...draft('station-text', 0), programmeTitle: odd, detail: odd, speakerClusters: '\\N' }]));
    const [line] = await db.getRepository(LogbookLine).find({ where: { stationId: 'station-text' } });
    expect([line.programmeTitle, line.detail, line.speakerClusters, line.topic]).toEqual([odd, odd, '\\N', null]);
    expect(await verifyStationChain(db.manager, 'station-text')).toMatchObject({ ok: true, checked: 1 });
  });
});
