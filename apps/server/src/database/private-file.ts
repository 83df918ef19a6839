import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';

/**
 * Makes an SQLite database readable and writable by its owner only (it holds password hashes and station
 * token hashes). SQLite creates the -wal and -shm files with the database file's own mode, so the file is
 * made 0600 before SQLite first opens it; files an earlier, laxer start left behind are tightened too.
 */
export function keepDatabasePrivate(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}
