import type { INestApplication } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { Api } from '../../../../test/support/api';
import { TEST_ENGINE } from '../../../../test/support/test-db';
import { startInProcessServer } from '../../../../test/support/in-process';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
import { MASKED, MASKED_CHANGED, NOT_AUDITED } from './audit-triggers';

interface Entry {
  id: number;
  at: string;
  actorKind: string;
  actorId: string | null;
  actorName: string | null;
  entity: string;
  entityId: string;
  action: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** The audit trail on SQLite with the real migrations: who changed what, when, before and after. */
describe('the audit trail', () => {
  let dir: string;
  let app: INestApplication;
  let admin: Api;
  let adminId: string;
  let db: DataSource;
  let unitId: string;

  const entries = async (query: string): Promise<{ items: Entry[]; next: number | null }> => admin.ok('GET', `/api/audit?${query}`);

  beforeAll(async () => {
    ({ dir, app, api: admin } = await startInProcessServer('loa-audit-'));
    adminId = (await admin.ok('GET', '/api/auth/me')).userId;
    db = app.get(DataSource);
    unitId = (await admin.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã' })).id;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records an update with the row before and after, the admin who made it, and when', async () => {
    const user = await admin.ok('POST', '/api/users', { username: 'bientap', displayName: 'Biên tập', password: 'mat-khau-dai-1', role: 'editor' });
    const started = new Date().toISOString();
    await admin.ok('PATCH', `/api/users/${user.id}`, { displayName: 'Nguyễn Văn An', role: 'approver' });
    const { items } = await entries(`entity=user&entityId=${user.id}`);
    expect(items.map((e) => e.action)).toEqual(['update', 'insert']);
    const [update] = items;
    expect(update).toMatchObject({ actorKind: 'user', actorId: adminId, actorName: 'admin', entity: 'user', entityId: user.id });
    expect(update.at >= started && update.at <= new Date().toISOString()).toBe(true);
    expect(update.before).toMatchObject({ displayName: 'Biên tập', role: 'editor', tokenVersion: 0, passwordHash: MASKED });
    expect(update.after).toMatchObject({ displayName: 'Nguyễn Văn An', role: 'approver', tokenVersion: 1, passwordHash: MASKED });
  });

  it('never stores a password hash or a token hash, but says when one changed', async () => {
    const user = await admin.ok('POST', '/api/users', { username: 'kiemtra', displayName: 'Kiểm tra', password: 'mat-khau-dai-1', role: 'inspector' });
    await admin.ok('POST', `/api/users/${user.id}/password`, { password: 'mat-khau-moi-2' });
    const [reset] = (await entries(`entity=user&entityId=${user.id}&action=update`)).items;
    expect(reset.before!.passwordHash).toBe(MASKED);
    expect(reset.after!.passwordHash).toBe(MASKED_CHANGED);

    const { station, token } = await admin.ok('POST', '/api/stations', { unitId, name: 'Đài xã Cẩm Bình', code: 'cam-binh' });
    const rotated = await admin.ok('POST', `/api/stations/${station.id}/token`);
    const stationEntries = (await entries(`entity=station&entityId=${station.id}`)).items;
    expect(stationEntries.map((e) => e.action)).toEqual(['update', 'insert']);
    expect(stationEntries[0].after!.tokenHash).toBe(MASKED_CHANGED);
    expect(stationEntries[0].actorId).toBe(adminId);

    const raw = (await db.query('SELECT "before", "after" FROM "audit_entry"')) as { before: string | null; after: string | null }[];
    const text = raw.map((r) => `${r.before ?? ''}${r.after ?? ''}`).join('\n');
    expect(text).not.toContain('scrypt$');
    for (const t of [token, rotated.token]) {
      expect(text).not.toContain(createHash('sha256').update(t).digest('hex'));
      expect(text).not.toContain(t);
    }
  });

  it('writes the entry in the same transaction as the change: a rolled-back change leaves none', async () => {
    const count = async () => Number(((await db.query(`SELECT COUNT(*) AS n FROM "audit_entry" WHERE "entityId" = ${TEST_ENGINE === 'postgres' ? '$1' : '?'}`, [unitId])) as { n: number }[])[0].n);
    const before = await count();
    await expect(
      db.transaction(async (m) => {
        await m.update(Unit, { id: unitId }, { name: 'Tên tạm' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await count()).toBe(before);
    expect((await db.getRepository(Unit).findOneByOrFail({ id: unitId })).name).toBe('Xã Cẩm Bình');
    // Outside any request the server itself is the actor.
    await db.getRepository(Unit).update({ id: unitId }, { name: 'Xã Cẩm Bình mới' });
    const [entry] = (await entries(`entity=unit&entityId=${unitId}&action=update`)).items;
    expect(entry).toMatchObject({ actorKind: 'system', actorId: null, before: { name: 'Xã Cẩm Bình' }, after: { name: 'Xã Cẩm Bình mới' } });
  });

  it('skips bookkeeping an agent causes: last seen, agent version, schedule version', async () => {
    const { station } = await admin.ok('POST', '/api/stations', { unitId, name: 'Đài xã Cẩm Vĩnh', code: 'cam-vinh' });
    const seen = async () => (await entries(`entity=station&entityId=${station.id}`)).items.length;
    const n = await seen();
    await db.getRepository(Station).update({ id: station.id }, { lastSeenAt: new Date().toISOString(), agentVersion: '1.2.3', scheduleVersion: 7 });
    expect(await seen()).toBe(n);
    await db.getRepository(Station).update({ id: station.id }, { name: 'Đài xã Cẩm Vĩnh (mới)' });
    expect(await seen()).toBe(n + 1);
  });

  it('filters by actor and period, and pages newest first', async () => {
    const mine = await entries(`actorId=${adminId}&limit=500`);
    expect(mine.items.length).toBeGreaterThan(4);
    expect(mine.items.every((e) => e.actorId === adminId)).toBe(true);
    const page1 = await entries(`actorId=${adminId}&limit=2`);
    expect(page1.items).toHaveLength(2);
    expect(page1.items[0].id).toBeGreaterThan(page1.items[1].id);
    const page2 = await entries(`actorId=${adminId}&limit=2&before=${page1.next}`);
    expect(page2.items[0].id).toBeLessThan(page1.items[1].id);
    expect(mine.items.slice(0, 4).map((e) => e.id)).toEqual([...page1.items, ...page2.items].map((e) => e.id));
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await entries(`from=${encodeURIComponent(future)}`)).items).toEqual([]);
    expect((await entries(`to=${encodeURIComponent('2000-01-01T00:00:00Z')}`)).items).toEqual([]);
    expect((await admin.request('GET', '/api/audit?entity=DROP%20TABLE')).status).toBe(400);
  });

  it('is for admins only', async () => {
    for (const role of ['editor', 'approver', 'operator', 'inspector']) {
      await admin.ok('POST', '/api/users', { username: `xem-${role}`, displayName: role, password: 'mat-khau-dai-1', role });
      const api = new Api(admin.baseUrl);
      await api.login(`xem-${role}`, 'mat-khau-dai-1');
      const res = await api.request('GET', '/api/audit');
      expect([res.status, res.body.code, res.body.message]).toEqual([403, 'forbidden', 'Tài khoản của bạn không có quyền thực hiện thao tác này.']);
    }
    // Four accounts made and signed in, each password hashed with scrypt twice: seconds on a busy machine.
  }, 30_000);

  it('audits every table but the listed high-volume and derived ones, over every column', async () => {
    if (TEST_ENGINE === 'postgres') {
      // One row-level trigger per table, whose function records the whole row (to_jsonb), so every column.
      const tables = ((await db.query(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`)) as { name: string }[]).map((t) => t.name);
      const triggers = (await db.query(
        `SELECT t.tgname AS name, c.relname AS table, p.proname AS fn FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid WHERE NOT t.tgisinternal`,
      )) as { name: string; table: string; fn: string }[];
      const problems: string[] = [];
      for (const table of tables) {
        const own = triggers.filter((t) => t.table === table && t.name.startsWith('audit_'));
        if ((NOT_AUDITED as readonly string[]).includes(table)) {
          if (own.length) problems.push(`${table} is not audited but has an audit trigger`);
        } else if (own.length !== 1 || own[0].fn !== 'loa_audit') {
          problems.push(`${table} has ${own.length} audit triggers, not 1: call createPostgresAuditTrigger in its migration, or list it in NOT_AUDITED`);
        }
      }
      expect(problems).toEqual([]);
      expect(tables).toEqual(expect.arrayContaining(['playback_event', 'logbook_line', 'logbook_seal']));
      return;
    }
    const tables = ((await db.query(`SELECT name FROM sqlite_master WHERE type = 'table'`)) as { name: string }[]).map((t) => t.name);
    const triggers = (await db.query(`SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'`)) as { name: string; tbl_name: string; sql: string }[];
    const problems: string[] = [];
    for (const table of tables) {
      const own = triggers.filter((t) => t.tbl_name === table && t.name.startsWith('audit_'));
      if ((NOT_AUDITED as readonly string[]).includes(table)) {
        if (own.length) problems.push(`${table} is not audited but has audit triggers`);
        continue;
      }
      if (own.length !== 3) {
        problems.push(`${table} has ${own.length} audit triggers, not 3: call createAuditTriggers in its migration, or list it in NOT_AUDITED`);
        continue;
      }
      const columns = ((await db.query(`PRAGMA table_info("${table}")`)) as { name: string }[]).map((c) => c.name);
      for (const t of own) for (const c of columns) if (!t.sql.includes(`'${c}', `)) problems.push(`${t.name} misses column ${c}`);
    }
    expect(problems).toEqual([]);
    expect(tables).toEqual(expect.arrayContaining(['playback_event', 'logbook_line', 'logbook_seal']));
  });
});
