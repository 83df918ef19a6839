import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';
import { StationEnrolment1795440000000 } from './migrations/1795440000000-StationEnrolment';

/** The enrolment migration goes down and up again, leaving the station table's audit triggers whole (SQLite's triggers). */
describe('StationEnrolment migration', () => {
  let dir: string;
  let db: DataSource;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loa-enrol-mig-'));
    db = await new DataSource(dataSourceOptions({ engine: 'sqlite', path: join(dir, 'loa.sqlite') })).initialize();
  });

  afterAll(async () => {
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const columns = async (table: string) => ((await db.query(`PRAGMA table_info("${table}")`)) as { name: string }[]).map((c) => c.name);
  const stationUpdateTrigger = async () =>
    ((await db.query(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_station_update'`)) as { sql: string }[])[0]?.sql ?? '';

  it('adds the enrolment table and enrolledAt, audited; reverting removes both and keeps the station audited', async () => {
    expect(await columns('station_enrolment')).toEqual(['id', 'stationId', 'codeHash', 'createdAt', 'expiresAt', 'usedAt']);
    expect(await columns('station')).toContain('enrolledAt');
    expect(await stationUpdateTrigger()).toContain('enrolledAt');

    // Run directly, so later migrations do not change what this one is checked on.
    const migration = new StationEnrolment1795440000000();
    const runner = db.createQueryRunner();
    await migration.down(runner);
    expect(await columns('station_enrolment')).toEqual([]);
    expect(await columns('station')).not.toContain('enrolledAt');
    expect(await stationUpdateTrigger()).toContain('tokenHash');
    expect(await stationUpdateTrigger()).not.toContain('enrolledAt');

    await migration.up(runner);
    await runner.release();
    expect(await columns('station')).toContain('enrolledAt');
    expect(await stationUpdateTrigger()).toContain('enrolledAt');
  });
});
