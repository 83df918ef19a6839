import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertChannel, AlertKind, AlertSeverity } from '@loa/api-types';
import { InstantColumn } from '../common/columns';

/** pending: seen and waiting out its debounce; open: raised and sent; resolved: cleared after it was raised. */
export type AlertRowState = 'pending' | 'open' | 'resolved';

/**
 * One alert about one condition (its `key`, e.g. a station being offline). A condition that clears while
 * pending leaves no trace: the row is deleted, nothing was sent. Once raised, the row stays as the record.
 */
@Entity('alert')
@Index('IDX_alert_state_key', ['state', 'key'])
@Index('IDX_alert_station_state', ['stationId', 'state'])
export class AlertRow {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 300 })
  key!: string;

  @Column({ type: 'varchar', length: 30 })
  kind!: AlertKind;

  @Column({ type: 'varchar', length: 10 })
  severity!: AlertSeverity;

  @Column({ type: 'varchar', length: 10 })
  state!: AlertRowState;

  @Column({ type: 'varchar', nullable: true })
  stationId!: string | null;

  @Column({ type: 'varchar', nullable: true })
  unitId!: string | null;

  @Column({ type: 'varchar', length: 300 })
  title!: string;

  @Column({ type: 'varchar', length: 1000 })
  detail!: string;

  /** When the condition began: the debounce counts from here. */
  @InstantColumn()
  since!: string;

  @InstantColumn({ nullable: true })
  firedAt!: string | null;

  @InstantColumn({ nullable: true })
  resolvedAt!: string | null;
}

/** Who is told of a unit's alerts, and how. */
@Entity('alert_subscription')
export class AlertSubscription {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 10 })
  channel!: AlertChannel;

  /** The webhook's URL or the e-mail address. */
  @Column({ type: 'varchar', length: 500 })
  target!: string;

  /**
   * The webhook's HMAC key. Kept as given (a signature needs the key itself, unlike a token check), shown
   * once when the subscription is made, masked in the audit trail.
   */
  @Column({ type: 'varchar', length: 100, nullable: true })
  secret!: string | null;

  @Index()
  @Column({ type: 'varchar', nullable: true })
  unitId!: string | null;

  @Column({ type: 'simple-json', nullable: true })
  kinds!: AlertKind[] | null;

  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @InstantColumn()
  createdAt!: string;
}

export type DeliveryState = 'pending' | 'sent' | 'failed';

/**
 * The outbox: one message to one subscriber, written in the transaction that raises or resolves the
 * alert, sent (and retried) by the delivery worker. A server restart finds it where it was.
 */
@Entity('alert_delivery')
@Index('IDX_alert_delivery_due', ['state', 'nextAttemptAt'])
export class AlertDelivery {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar' })
  alertId!: string;

  @Column({ type: 'varchar' })
  subscriptionId!: string;

  @Column({ type: 'varchar', length: 10 })
  event!: 'fired' | 'resolved';

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @InstantColumn()
  nextAttemptAt!: string;

  @Column({ type: 'varchar', length: 10 })
  state!: DeliveryState;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  lastError!: string | null;

  @InstantColumn()
  createdAt!: string;

  @InstantColumn({ nullable: true })
  sentAt!: string | null;
}
