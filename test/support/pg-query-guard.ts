import { Client } from 'pg';

/**
 * Fails the spec in which a second query is sent to a PostgreSQL connection that has one in flight (a
 * `Promise.all` of reads inside a transaction, whose one connection takes one query at a time). pg 8 only
 * queues it, with a deprecation warning printed once per process; pg 9 refuses it. Checked stricter than
 * pg's warning: any overlap counts, not only a third query waiting behind a second.
 */
interface WatchedClient {
  _activeQuery?: unknown;
  _queryQueue?: unknown[];
  pipeline?: boolean;
}

const overlaps: string[] = [];
const proto = Client.prototype as unknown as { query: (this: WatchedClient, ...args: unknown[]) => unknown; loaGuarded?: boolean };
if (!proto.loaGuarded) {
  const query = proto.query;
  proto.loaGuarded = true;
  proto.query = function (this: WatchedClient, ...args: unknown[]) {
    if (!this.pipeline && (this._activeQuery || this._queryQueue?.length)) {
      overlaps.push(`${String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text ?? 'a stream').slice(0, 120)}\n${new Error().stack?.split('\n').slice(2, 12).join('\n')}`);
    }
    return query.apply(this, args);
  };
}

/** The overlaps seen since the last call. */
export function takeOverlaps(): string[] {
  return overlaps.splice(0);
}

afterEach(() => {
  const seen = takeOverlaps();
  if (seen.length) throw new Error(`${seen.length} queries sent to a PostgreSQL connection already running one; the first:\n${seen[0]}`);
});
