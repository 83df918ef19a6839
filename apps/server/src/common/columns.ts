import { Column, ColumnOptions, ColumnType, ValueTransformer } from 'typeorm';

/** How instants are stored on the engine in use; set once by the data source before its metadata is built. */
let instantStorage: 'iso-text' | 'timestamptz' = 'iso-text';

export function storeInstantsAs(storage: 'iso-text' | 'timestamptz'): void {
  instantStorage = storage;
}

/** Whatever the engine hands back (a Date from a timestamptz), the code sees the same ISO-8601 UTC string. */
const instantText: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value instanceof Date ? value.toISOString() : value),
};

/**
 * An instant. On SQLite an ISO-8601 UTC string with milliseconds ('2026-11-24T22:30:00.000Z'), which sorts
 * as the instants do; on PostgreSQL a `timestamptz`, which stores the instant and never a local wall time.
 * Either way the entity property is that ISO string. The type is read when a data source builds its
 * metadata, not when the entity is declared, so one entity class serves the engine chosen at start.
 */
export function InstantColumn(options: Pick<ColumnOptions, 'nullable' | 'name'> = {}): PropertyDecorator {
  const column: ColumnOptions = {
    ...options,
    transformer: instantText,
    get type(): ColumnType {
      return instantStorage === 'timestamptz' ? 'timestamptz' : 'varchar';
    },
    get length(): number | undefined {
      return instantStorage === 'timestamptz' ? undefined : 24;
    },
  };
  return Column(column);
}
