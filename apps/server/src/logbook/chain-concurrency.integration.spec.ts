import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { TEST_ENGINE, testDatabaseEnv } from '../../../../test/support/test-db';
import { asRepository } from '../../../../test/support/fakes/fakes';
import { InMemoryLogbookChain } from '../../../../test/support/fakes/logbook-chain.fake';
import type { Tx } from '../database/unit-of-work';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions, openDatabase } from '../database/data-source';
import { LogbookLine } from './logbook-line.entity';
import { LogbookSeal } from './logbook-seal.entity';
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
  let config: AppConfig;
  let keys: SealKeys;
  const sources: DataSource[] = [];
  const writers: LogbookWriter[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-chains-'));
    config = AppConfig.fromEnv({ DATA_DIR: join(dir, 'data'), MEDIA_DIR: join(dir, 'media'), ...(await testDatabaseEnv()) });
    const instances = config.database.engine === 'postgres' ? WRITERS : 1;
    // Started together, as instances of a cluster are: the migrations run once, under the advisory lock.
    sources.push(...(await Promise.all(Array.from({ length: instances }, () => openDatabase(dataSourceOptions(config.database))))));
    // Each instance has its own writer, as each server process does, all signing with the one seal key.
    keys = new SealKeys(config);
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

  /** `count` lines of one station, a new hour every third line: a seal every few lines, pieces of the stream crossing them. */
  const hourly = (stationId: string, count: number) =>
    Array.from({ length: count }, (_, n) => ({ ...draft(stationId, n), occurrenceId: `occ-${stationId}-${n}`, createdAt: new Date(Date.UTC(2026, 4, 1) + n * 20 * 60_000).toISOString() }));

  it('stores a large append, sent in pieces while the rest is hashed, exactly as writing it one line at a time makes the chain', async () => {
    const db = sources[0];
    const drafts = hourly('station-stream', 1234);
    await db.transaction((m) => new LogbookWriter(config, keys, new LogbookChainRepository(db)).append(m, drafts));

    // The same lines written one append at a time, on the in-memory store: no pieces, nothing overlapped.
    const memory = new InMemoryLogbookChain();
    const oneByOne = new LogbookWriter(config, keys, asRepository<LogbookChainRepository>(memory));
    for (const [i, d] of drafts.entries()) {
      const tx = { n: i } as unknown as Tx;
      await oneByOne.append(tx, [d]);
      memory.commit(tx);
    }

    const fields = (l: Pick<LogbookLine, 'chainPos' | 'year' | 'number' | 'occurrenceId' | 'contentHash' | 'prevHash' | 'lineHash'>) => [l.chainPos, l.year, l.number, l.occurrenceId, l.contentHash, l.prevHash, l.lineHash];
    const stored = await db.getRepository(LogbookLine).find({ where: { stationId: 'station-stream' }, order: { chainPos: 'ASC' } });
    expect(stored.map(fields)).toEqual(memory.lines.map(fields));
    const seals = await db.getRepository(LogbookSeal).find({ where: { stationId: 'station-stream' }, order: { lastChainPos: 'ASC' } });
    expect(seals.length).toBeGreaterThan(400);
    expect(seals.map((s) => [s.lastChainPos, s.lineCount, s.lastLineHash, s.digest])).toEqual(memory.seals.map((s) => [s.lastChainPos, s.lineCount, s.lastLineHash, s.digest]));
    expect(await verifyStationChain(db.manager, 'station-stream')).toMatchObject({ ok: true, checked: 1234 });
  });

  it('keeps nothing of an append whose insert fails in a later piece, and the chain goes on from the last commit', async () => {
    const db = sources[0];
    const writer = new LogbookWriter(config, keys, new LogbookChainRepository(db));
    const drafts = hourly('station-fail', 1500);
    await db.transaction((m) => writer.append(m, [drafts[0]]));
    // Line 1,101 of the next append repeats the committed line's occurrence: the database refuses it well after the first pieces went.
    const failing = drafts.slice(1, 1501).map((d, i) => (i === 1100 ? { ...d, occurrenceId: drafts[0].occurrenceId } : d));
    failing.push(hourly('station-fail', 1501)[1500]);
    await expect(db.transaction((m) => writer.append(m, failing))).rejects.toThrow(/duplicate|UNIQUE/i);
    expect(await db.getRepository(LogbookLine).count({ where: { stationId: 'station-fail' } })).toBe(1);

    // The connection is free again and the head is the committed one: the lines go in after line 1.
    await db.transaction((m) => writer.append(m, drafts.slice(1, 700)));
    const lines = await db.getRepository(LogbookLine).find({ where: { stationId: 'station-fail' }, order: { chainPos: 'ASC' } });
    expect(lines.map((l) => [l.chainPos, l.number])).toEqual(drafts.slice(0, 700).map((_, i) => [i + 1, i + 1]));
    expect(await verifyStationChain(db.manager, 'station-fail')).toMatchObject({ ok: true, checked: 700 });
  });

  it('gives up the lines already sent when the writer fails between pieces, and leaves the connection usable', async () => {
    const db = sources[0];
    // The seal key fails when the writer seals the hour of about the 1,200th line, two pieces into the COPY.
    let seals = 0;
    const failing = Object.create(keys, {
      fingerprint: {
        get: () => {
          if (++seals === 400) throw new Error('seal key unreadable');
          return keys.fingerprint;
        },
      },
    }) as SealKeys;
    const drafts = hourly('station-abort', 1500);
    await expect(db.transaction((m) => new LogbookWriter(config, failing, new LogbookChainRepository(db)).append(m, drafts))).rejects.toThrow('seal key unreadable');
    expect(seals).toBe(400);
    expect(await db.getRepository(LogbookLine).count({ where: { stationId: 'station-abort' } })).toBe(0);
    await db.transaction((m) => new LogbookWriter(config, keys, new LogbookChainRepository(db)).append(m, drafts));
    expect(await verifyStationChain(db.manager, 'station-abort')).toMatchObject({ ok: true, checked: 1500 });
  });
});
