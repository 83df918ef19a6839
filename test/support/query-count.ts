import type { DataSource, Logger } from 'typeorm';

/** What a data source was asked while counted: statements sent, and those the database refused. */
export interface QueryCount {
  queries: number;
  errors: string[];
  /** Stops counting and gives the data source its own logger back. */
  stop(): void;
}

interface CopyClient {
  query: (...args: unknown[]) => unknown;
  loaCounted?: boolean;
}

let copyHook: (() => void) | null = null;

/**
 * Counts every statement a data source sends from now on, on either engine: what TypeORM sends (its
 * logger sees each one, BEGIN and COMMIT included) and, on PostgreSQL, a COPY sent on the driver's own
 * connection, which TypeORM never sees.
 */
export function countQueries(db: DataSource): QueryCount {
  const logger = db.logger as Logger;
  const logQuery = logger.logQuery.bind(logger);
  const logQueryError = logger.logQueryError.bind(logger);
  const count: QueryCount = {
    queries: 0,
    errors: [],
    stop: () => {
      Object.assign(logger, { logQuery, logQueryError });
      copyHook = null;
    },
  };
  Object.assign(logger, {
    logQuery: (...args: Parameters<Logger['logQuery']>) => {
      count.queries++;
      return logQuery(...args);
    },
    logQueryError: (...args: Parameters<Logger['logQueryError']>) => {
      count.errors.push(String(args[0] instanceof Error ? args[0].message : args[0]));
      return logQueryError(...args);
    },
  });
  if (db.options.type === 'postgres') {
    copyHook = () => count.queries++;
    const pool = (db.driver as unknown as { master: { on(event: 'acquire', fn: (client: CopyClient) => void): void; listeners(event: string): unknown[] } }).master;
    if (!pool.listeners('acquire').includes(watchCopies)) pool.on('acquire', watchCopies);
  }
  return count;
}

/** Wraps a pooled connection's query once, so a COPY (a stream, not SQL text) is counted too. */
function watchCopies(client: CopyClient): void {
  if (client.loaCounted) return;
  client.loaCounted = true;
  const query = client.query.bind(client);
  client.query = (...args: unknown[]) => {
    // TypeORM sends SQL text (counted by its logger); a COPY is a stream object.
    if (copyHook && typeof args[0] !== 'string') copyHook();
    return query(...args);
  };
}
