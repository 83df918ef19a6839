import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

export type AuditAction = 'insert' | 'update' | 'delete';

/**
 * One change to a row: who made it, to what, when, and the row before and after (JSON, secrets masked).
 * Written by database triggers in the same statement as the change (see audit-triggers.ts), never by hand.
 */
@Entity('audit_entry')
@Index(['entity', 'entityId'])
export class AuditEntry {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Index()
  @InstantColumn()
  at!: string;

  /** 'user', 'agent' (a station's token) or 'system' (the server's own jobs). */
  @Column({ type: 'varchar', length: 10 })
  actorKind!: 'user' | 'agent' | 'system';

  @Index()
  @Column({ type: 'varchar', nullable: true })
  actorId!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  actorName!: string | null;

  /** The table changed. */
  @Column({ type: 'varchar', length: 50 })
  entity!: string;

  @Column({ type: 'varchar', length: 200 })
  entityId!: string;

  @Column({ type: 'varchar', length: 10 })
  action!: AuditAction;

  @Column({ type: 'text', nullable: true })
  before!: string | null;

  @Column({ type: 'text', nullable: true })
  after!: string | null;
}
