import Database from 'better-sqlite3';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepDatabasePrivate } from './private-file';

const modeOf = (file: string) => statSync(file).mode & 0o777;

describe('the database file kept private', () => {
  let umask: number;
  beforeAll(() => {
    // A permissive umask, as on many servers: what SQLite would create is world-readable.
    umask = process.umask(0o022);
  });
  afterAll(() => process.umask(umask));

  it('is created 0600, and SQLite gives its WAL and shared-memory files the same mode', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'loa-private-')), 'loa.sqlite');
    keepDatabasePrivate(file);
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    expect([modeOf(file), modeOf(`${file}-wal`), modeOf(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    db.close();
  });

  it('tightens a database and its WAL left readable by an earlier start', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'loa-private-')), 'loa.sqlite');
    for (const f of [file, `${file}-wal`]) writeFileSync(f, '', { mode: 0o644 });
    keepDatabasePrivate(file);
    expect([modeOf(file), modeOf(`${file}-wal`)]).toEqual([0o600, 0o600]);
  });
});
