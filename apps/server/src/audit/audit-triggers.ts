/**
 * The audit trail is written by SQLite triggers: every INSERT, UPDATE and DELETE on an audited table, by
 * whatever path (entity save, query builder, raw SQL), adds its audit_entry inside the same statement, so
 * the change and its record commit or roll back together. The acting user comes from loa_audit_actor()
 * (see audit-context.ts).
 *
 * A migration that rebuilds an audited table (SQLite's way of altering one) drops its triggers: it must
 * call createAuditTriggers again for that table. The audit integration spec fails until it does.
 */

/** How one table is audited. */
export interface AuditedTable {
  table: string;
  /** Secrets: recorded only as present or absent (and, on update, whether they changed). */
  redact?: readonly string[];
  /** Bookkeeping columns: an update that touches only these is not recorded. */
  quiet?: readonly string[];
}

/**
 * Tables never audited: high-volume rows written by agents and jobs, derived caches, and the trail itself.
 * `live_relay_lease` is renewed every second by the instance encoding a relay; the relay itself is audited.
 * `live_relay_carriage` is one row per station that reported playing a relay, from the agents.
 */
export const NOT_AUDITED = [
  'airing',
  'alert',
  'alert_delivery',
  'audit_entry',
  'dead_air_event',
  'live_relay_carriage',
  'live_relay_lease',
  'logbook_export',
  'logbook_line',
  'logbook_seal',
  'media_job',
  'migrations',
  'playback_event',
  'slot_action',
  'sqlite_sequence',
  'station_agent_state',
] as const;

export const MASKED = '[ẩn]';
export const MASKED_CHANGED = '[ẩn, đã đổi]';

interface QueryRunnerLike {
  query(sql: string): Promise<unknown>;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const lit = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The CREATE TRIGGER statements for one table, given its columns and primary key columns. */
export function auditTriggerSql(spec: AuditedTable, columns: readonly string[], primaryKey: readonly string[]): string[] {
  const redact = new Set(spec.redact ?? []);
  const quiet = new Set(spec.quiet ?? []);
  const t = spec.table;
  const value = (row: 'OLD' | 'NEW', c: string, onUpdate: boolean) => {
    if (!redact.has(c)) return `${row}.${q(c)}`;
    const changed = onUpdate && row === 'NEW' ? `WHEN OLD.${q(c)} IS NOT NEW.${q(c)} THEN ${lit(MASKED_CHANGED)} ` : '';
    return `CASE WHEN ${row}.${q(c)} IS NULL THEN NULL ${changed}ELSE ${lit(MASKED)} END`;
  };
  const json = (row: 'OLD' | 'NEW', onUpdate = false) => `json_object(${columns.map((c) => `${lit(c)}, ${value(row, c, onUpdate)}`).join(', ')})`;
  const id = (row: 'OLD' | 'NEW') => primaryKey.map((c) => `${row}.${q(c)}`).join(` || ':' || `);
  const insert = (action: string, key: string, before: string, after: string) =>
    `INSERT INTO "audit_entry" ("at", "actorKind", "actorId", "actorName", "entity", "entityId", "action", "before", "after") ` +
    `VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), loa_audit_actor('kind'), loa_audit_actor('id'), loa_audit_actor('name'), ${lit(t)}, ${key}, ${lit(action)}, ${before}, ${after});`;
  const watched = columns.filter((c) => !quiet.has(c));
  const when = watched.map((c) => `OLD.${q(c)} IS NOT NEW.${q(c)}`).join(' OR ');
  return [
    `CREATE TRIGGER ${q(`audit_${t}_insert`)} AFTER INSERT ON ${q(t)} BEGIN ${insert('insert', id('NEW'), 'NULL', json('NEW'))} END`,
    `CREATE TRIGGER ${q(`audit_${t}_update`)} AFTER UPDATE ON ${q(t)} WHEN ${when || '0'} BEGIN ${insert('update', id('NEW'), json('OLD'), json('NEW', true))} END`,
    `CREATE TRIGGER ${q(`audit_${t}_delete`)} AFTER DELETE ON ${q(t)} BEGIN ${insert('delete', id('OLD'), json('OLD'), 'NULL')} END`,
  ];
}

/** (Re)creates a table's audit triggers from its columns as they are now. For migrations. */
export async function createAuditTriggers(runner: QueryRunnerLike, spec: AuditedTable): Promise<void> {
  await dropAuditTriggers(runner, spec.table);
  const info = (await runner.query(`PRAGMA table_info(${q(spec.table)})`)) as { name: string; pk: number }[];
  if (!info.length) throw new Error(`audit: no table ${spec.table}`);
  const columns = info.map((c) => c.name);
  const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  for (const sql of auditTriggerSql(spec, columns, primaryKey.length ? primaryKey : ['rowid'])) await runner.query(sql);
}

export async function dropAuditTriggers(runner: QueryRunnerLike, table: string): Promise<void> {
  for (const action of ['insert', 'update', 'delete']) await runner.query(`DROP TRIGGER IF EXISTS ${q(`audit_${table}_${action}`)}`);
}

/**
 * PostgreSQL: one PL/pgSQL function serves every audited table, told by its trigger arguments which
 * columns to redact, which to ignore and which form the key. It writes what the SQLite triggers write; the
 * actor comes from `loa.actor`, set for each transaction by the data source (see data-source.ts).
 */
export const POSTGRES_AUDIT_FUNCTION = `
CREATE OR REPLACE FUNCTION loa_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  redact text[] := TG_ARGV[0]::text[];
  quiet text[] := TG_ARGV[1]::text[];
  pk text[] := TG_ARGV[2]::text[];
  actor jsonb := nullif(current_setting('loa.actor', true), '')::jsonb;
  old_raw jsonb;
  new_raw jsonb;
  old_row jsonb;
  new_row jsonb;
  key_row jsonb;
  c text;
  entity_id text;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_raw := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN new_raw := to_jsonb(NEW); END IF;
  IF TG_OP = 'UPDATE' AND (old_raw - quiet) = (new_raw - quiet) THEN RETURN NULL; END IF;
  old_row := old_raw;
  new_row := new_raw;
  FOREACH c IN ARRAY redact LOOP
    IF coalesce(jsonb_typeof(old_row -> c), 'null') <> 'null' THEN
      old_row := jsonb_set(old_row, ARRAY[c], to_jsonb(${lit(MASKED)}::text));
    END IF;
    IF coalesce(jsonb_typeof(new_row -> c), 'null') <> 'null' THEN
      new_row := jsonb_set(new_row, ARRAY[c], to_jsonb(CASE WHEN TG_OP = 'UPDATE' AND (old_raw -> c) IS DISTINCT FROM (new_raw -> c) THEN ${lit(MASKED_CHANGED)} ELSE ${lit(MASKED)} END::text));
    END IF;
  END LOOP;
  key_row := coalesce(new_raw, old_raw);
  SELECT string_agg(key_row ->> k, ':' ORDER BY n) INTO entity_id FROM unnest(pk) WITH ORDINALITY AS u(k, n);
  INSERT INTO "audit_entry" ("at", "actorKind", "actorId", "actorName", "entity", "entityId", "action", "before", "after")
  VALUES (clock_timestamp(), coalesce(actor ->> 'kind', 'system'), actor ->> 'id', actor ->> 'name', TG_TABLE_NAME, entity_id, lower(TG_OP), old_row::text, new_row::text);
  RETURN NULL;
END
$$`;

const pgArray = (items: readonly string[]) => lit(`{${items.map((i) => `"${i.replace(/["\\]/g, '\\$&')}"`).join(',')}}`);

/** PostgreSQL: (re)creates a table's audit trigger. For migrations; needs POSTGRES_AUDIT_FUNCTION first. */
export async function createPostgresAuditTrigger(runner: QueryRunnerLike & { query(sql: string, params?: unknown[]): Promise<unknown> }, spec: AuditedTable): Promise<void> {
  const key = (await runner.query(
    `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
     WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [q(spec.table)],
  )) as { name: string }[];
  if (!key.length) throw new Error(`audit: no primary key on ${spec.table}`);
  await runner.query(`DROP TRIGGER IF EXISTS ${q(`audit_${spec.table}`)} ON ${q(spec.table)}`);
  const args = [pgArray(spec.redact ?? []), pgArray(spec.quiet ?? []), pgArray(key.map((k) => k.name))];
  await runner.query(`CREATE TRIGGER ${q(`audit_${spec.table}`)} AFTER INSERT OR UPDATE OR DELETE ON ${q(spec.table)} FOR EACH ROW EXECUTE FUNCTION loa_audit(${args.join(', ')})`);
}

export async function dropPostgresAuditTrigger(runner: QueryRunnerLike, table: string): Promise<void> {
  await runner.query(`DROP TRIGGER IF EXISTS ${q(`audit_${table}`)} ON ${q(table)}`);
}
