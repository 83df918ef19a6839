import type { AgentStore } from '../../../apps/agent/src/store';

/**
 * Fills the database to a page limit, so that play state for an occurrence with a long id (more than a
 * few dozen bytes) no longer fits and its write fails with SQLITE_FULL, as on a full disk. The padding is
 * play state planned far ahead, which nothing reads or prunes.
 */
export function fillUp(store: AgentStore): void {
  store.db.pragma(`max_page_count = ${Number(store.db.pragma('page_count', { simple: true })) + 8}`);
  const pad = store.db.prepare(
    `INSERT INTO play_state (occurrence_id, slot_id, planned_at, state, updated_at)
     VALUES (hex(randomblob(?)), 'padding', '2999-01-01T00:00:00.000Z', 'skipped', '2999-01-01T00:00:00.000Z')`,
  );
  // Big rows fill the pages, then ever smaller ones the gaps they leave.
  for (const bytes of [400, 100, 20, 4]) {
    try {
      for (;;) pad.run(bytes);
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_FULL') throw e;
    }
  }
}
