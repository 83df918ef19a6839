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

/** Tables never audited: high-volume rows written by agents and jobs, derived caches, and the trail itself. */
export const NOT_AUDITED = [
  'airing',
  'audit_entry',
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
