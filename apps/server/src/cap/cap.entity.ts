import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/** A sender allowed to post CAP alerts, with its token (hashed; the token is shown once). */
@Entity('cap_source')
export class CapSource {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Index('IDX_cap_source_tokenHash', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @InstantColumn()
  createdAt!: string;
}

export type CapRuleMode = 'air' | 'draft';

/**
 * Which alerts become an emergency, and how: matched on severity, urgency and event (empty = any),
 * for the places of the alert found among the units under `unitId`.
 */
@Entity('cap_rule')
export class CapRule {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'simple-json' })
  severities!: string[];

  @Column({ type: 'simple-json' })
  urgencies!: string[];

  /** Words one of which the alert's event must contain (case-insensitive). */
  @Column({ type: 'simple-json' })
  events!: string[];

  @Column({ type: 'varchar' })
  unitId!: string;

  @Column({ type: 'varchar', length: 10 })
  mode!: CapRuleMode;

  /** Re-aired every so many hours until replaced, cancelled or expired; null airs it once. */
  @Column({ type: 'integer', nullable: true })
  repeatHours!: number | null;

  /** The admin who set the rule: the emergency airs in their name. */
  @Column({ type: 'varchar' })
  createdBy!: string;

  @InstantColumn()
  createdAt!: string;
}

export type CapDecision = 'aired' | 'awaiting_approval' | 'approved' | 'not_actual' | 'unmatched' | 'no_vietnamese' | 'updated' | 'cancelled' | 'superseded' | 'failed' | 'ignored';

/** Every CAP alert received, and what was done with it. */
@Entity('cap_alert')
@Index('IDX_cap_alert_key', ['sender', 'identifier', 'sent'], { unique: true })
export class CapAlert {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 300 })
  identifier!: string;

  @Column({ type: 'varchar', length: 300 })
  sender!: string;

  @Column({ type: 'varchar', length: 40 })
  sent!: string;

  @Column({ type: 'varchar', length: 10 })
  msgType!: string;

  @Column({ type: 'varchar', length: 10 })
  status!: string;

  @Column({ type: 'varchar', length: 20 })
  decision!: CapDecision;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  reason!: string | null;

  @Column({ type: 'varchar', length: 300 })
  event!: string;

  @Column({ type: 'varchar', length: 20 })
  severity!: string;

  @Column({ type: 'varchar', length: 20 })
  urgency!: string;

  @Column({ type: 'text' })
  spokenText!: string;

  /** Units the alert's areas matched. */
  @Column({ type: 'simple-json' })
  unitIds!: string[];

  @Column({ type: 'varchar', nullable: true })
  ruleId!: string | null;

  /** The emergency it put on air. */
  @Index('IDX_cap_alert_relayId')
  @Column({ type: 'varchar', nullable: true })
  relayId!: string | null;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  references!: string | null;

  @InstantColumn({ nullable: true })
  expiresAt!: string | null;

  /** Where it came from: a CAP source's id, or the feed URL. */
  @Column({ type: 'varchar', length: 2000 })
  origin!: string;

  @Column({ type: 'varchar', nullable: true })
  approvedBy!: string | null;

  @Index('IDX_cap_alert_receivedAt')
  @InstantColumn()
  receivedAt!: string;
}
