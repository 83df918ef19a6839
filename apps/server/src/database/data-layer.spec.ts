import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const SRC = join(__dirname, '..');

/** What only a repository (or the database plumbing) may take from TypeORM. */
const DATA_NAMES = new Set([
  'DataSource',
  'Repository',
  'EntityManager',
  'QueryRunner',
  'SelectQueryBuilder',
  'InjectRepository',
  'InjectDataSource',
  'InjectEntityManager',
]);

/**
 * Helpers that migrations call with their own QueryRunner: they are schema plumbing, not a capability's data,
 * and stay where the migrations import them from.
 */
const MIGRATION_HELPERS = ['audit/audit-triggers.ts'];

/**
 * Files that still reach the database outside a repository. Each one moves its queries into a
 * `*.repository.ts` of its capability and leaves this list; nothing new may join it.
 */
const NOT_YET_IN_A_REPOSITORY: string[] = [];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function exempt(file: string): boolean {
  return (
    file.endsWith('.spec.ts') ||
    file.endsWith('.entity.ts') ||
    file.endsWith('.repository.ts') ||
    file.startsWith('database/') ||
    file.includes('/migrations/') ||
    MIGRATION_HELPERS.includes(file)
  );
}

/** Why a file counts as touching the database: the TypeORM names it imports and the query calls it makes. */
export function dataAccess(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'(?:typeorm|@nestjs\/typeorm)'/g)) {
    for (const part of m[1]!.split(',')) {
      const name = part.replace(/^\s*type\s+/, '').split(/\s+as\s+/)[0]!.trim();
      if (DATA_NAMES.has(name)) found.push(name);
    }
  }
  if (/\.query\s*\(/.test(text)) found.push('.query(');
  if (/createQueryBuilder/.test(text)) found.push('createQueryBuilder');
  return found;
}

describe('the data layer', () => {
  const touching = new Map(
    sources(SRC)
      .map((path) => [relative(SRC, path).split(sep).join('/'), dataAccess(readFileSync(path, 'utf8'))] as const)
      .filter(([file, why]) => !exempt(file) && why.length > 0),
  );

  it('lets only repositories and the database plumbing touch TypeORM or SQL', () => {
    const outside = [...touching].filter(([file]) => !NOT_YET_IN_A_REPOSITORY.includes(file)).map(([file, why]) => `${file}: ${why.join(', ')}`);
    expect(outside).toEqual([]);
  });

  it('keeps no file on the waiting list that no longer needs to be there', () => {
    expect(NOT_YET_IN_A_REPOSITORY.filter((file) => !touching.has(file))).toEqual([]);
  });

  it('sees a service that injects a DataSource, runs SQL or builds a query', () => {
    expect(dataAccess(`import { DataSource, In } from 'typeorm';`)).toEqual(['DataSource']);
    expect(dataAccess(`import { InjectRepository } from '@nestjs/typeorm';`)).toEqual(['InjectRepository']);
    expect(dataAccess(`import type { EntityManager as M } from 'typeorm';`)).toEqual(['EntityManager']);
    expect(dataAccess(`await this.db.query('SELECT 1');`)).toEqual(['.query(']);
    expect(dataAccess(`m.createQueryBuilder(Slot, 's')`)).toEqual(['createQueryBuilder']);
    expect(dataAccess(`import { In, IsNull } from 'typeorm';`)).toEqual([]);
  });
});
