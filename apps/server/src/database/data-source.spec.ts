import { instantFromPostgres } from './data-source';
import { binder } from './sql';

describe('instants read back from PostgreSQL', () => {
  it('are the same ISO-8601 UTC string SQLite stores, whatever zone the session printed them in', () => {
    expect(instantFromPostgres('2026-11-24 22:30:00+00')).toBe('2026-11-24T22:30:00.000Z');
    expect(instantFromPostgres('2026-11-24 22:30:00.12+00')).toBe('2026-11-24T22:30:00.120Z');
    expect(instantFromPostgres('2026-11-25 05:30:00.123+07')).toBe('2026-11-24T22:30:00.123Z');
    expect(instantFromPostgres('2026-11-25 04:00:00.5+05:30')).toBe('2026-11-24T22:30:00.500Z');
  });

  it('refuses what is not an instant rather than inventing one', () => {
    expect(() => instantFromPostgres('infinity')).toThrow('unexpected timestamptz');
  });
});

describe('bind parameters', () => {
  it('are numbered on PostgreSQL and anonymous on SQLite', () => {
    const pg = binder('postgres');
    expect([pg(), pg(), pg()]).toEqual(['$1', '$2', '$3']);
    const lite = binder('sqlite');
    expect([lite(), lite()]).toEqual(['?', '?']);
  });
});
