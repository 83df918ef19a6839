/** `GET /audit`: one change as the audit trail keeps it: who, what, when, and the row before and after. */
export interface AuditEntryView {
  id: number;
  at: string;
  actorKind: 'user' | 'agent' | 'system';
  actorId: string | null;
  actorName: string | null;
  /** The table changed (`station`, `unit`, `slot`…). */
  entity: string;
  entityId: string;
  action: 'insert' | 'update' | 'delete';
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** A page of the audit trail, newest first; `next` is the `before` of the following page, null at the end. */
export interface AuditPage {
  items: AuditEntryView[];
  next: number | null;
}
