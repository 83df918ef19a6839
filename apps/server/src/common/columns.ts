import { Column, ColumnOptions } from 'typeorm';

/**
 * An instant, stored as an ISO-8601 UTC string with milliseconds ('2026-11-24T22:30:00.000Z').
 * Such strings sort as the instants do, so range filters work on any database TypeORM supports.
 */
export function InstantColumn(options: Pick<ColumnOptions, 'nullable' | 'name'> = {}): PropertyDecorator {
  return Column({ type: 'varchar', length: 24, ...options });
}

export function nowInstant(): string {
  return new Date().toISOString();
}
