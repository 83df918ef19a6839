import { AsyncLocalStorage } from 'node:async_hooks';

/** Who is making the change being written; "system" for the server's own work (jobs, timers, seeding). */
export interface AuditActor {
  kind: 'user' | 'agent';
  id: string;
  name: string;
}

interface Frame {
  actor: AuditActor;
  /** Cleared when the request that set it has answered: work it left running is the system's own. */
  open: boolean;
}

const storage = new AsyncLocalStorage<Frame>();

/**
 * Carries the acting user or station through a request's asynchronous work down to the database, where
 * the audit triggers read it (see registerAuditFunctions) inside the very statement that makes the change.
 */
export const AuditContext = {
  /** Runs `fn` as `actor`; `done` closes the frame so later, detached work is no longer attributed to them. */
  enter<T>(actor: AuditActor, fn: (done: () => void) => T): T {
    const frame: Frame = { actor, open: true };
    return storage.run(frame, () => fn(() => (frame.open = false)));
  },

  current(): AuditActor | null {
    const frame = storage.getStore();
    return frame?.open ? frame.actor : null;
  },
};

interface SqliteFunctions {
  function(name: string, options: { deterministic: boolean }, fn: (field: unknown) => string | null): unknown;
}

/**
 * `loa_audit_actor('kind' | 'id' | 'name')` for the audit triggers: the current actor's field, or
 * ('system', NULL, NULL) outside any request. better-sqlite3 calls it synchronously within the caller's
 * asynchronous context, so it sees the request that issued the statement.
 */
export function registerAuditFunctions(db: SqliteFunctions): void {
  db.function('loa_audit_actor', { deterministic: false }, (field) => {
    const actor = AuditContext.current();
    switch (field) {
      case 'kind':
        return actor?.kind ?? 'system';
      case 'id':
        return actor?.id ?? null;
      case 'name':
        return actor?.name ?? null;
      default:
        return null;
    }
  });
}
