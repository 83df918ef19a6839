import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EventKind, FailureReason } from '@loa/protocol';
import { InstantColumn } from '../common/columns';

/** A playback event exactly as an agent reported it; its id is the agent's, so a resend is a no-op. */
@Entity('playback_event')
@Index(['stationId', 'occurrenceId'])
export class PlaybackEventRow {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar' })
  stationId!: string;

  @Column({ type: 'varchar', length: 200 })
  occurrenceId!: string;

  @Column({ type: 'varchar' })
  slotId!: string;

  @Column({ type: 'varchar', length: 20 })
  kind!: EventKind;

  @InstantColumn()
  plannedAt!: string;

  @InstantColumn({ nullable: true })
  startedAt!: string | null;

  @InstantColumn({ nullable: true })
  endedAt!: string | null;

  @Column({ type: 'real', nullable: true })
  startErrorMs!: number | null;

  @Column({ type: 'integer', nullable: true })
  playedMs!: number | null;

  @Column({ type: 'varchar', length: 30, nullable: true })
  reason!: FailureReason | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  detail!: string | null;

  @InstantColumn()
  receivedAt!: string;
}
