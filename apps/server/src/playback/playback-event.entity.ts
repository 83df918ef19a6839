import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EventKind, FailureReason, PlaybackEvent } from '@loa/protocol';
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

/** The stored form of an agent's event, as received at `receivedAt`. */
export function eventRow(stationId: string, event: PlaybackEvent, receivedAt: string): PlaybackEventRow {
  return {
    id: event.id,
    stationId,
    occurrenceId: event.occurrenceId,
    slotId: event.slotId,
    kind: event.kind,
    plannedAt: event.plannedAt,
    startedAt: event.startedAt ?? null,
    endedAt: event.endedAt ?? null,
    startErrorMs: event.startErrorMs ?? null,
    playedMs: event.playedMs ?? null,
    reason: event.reason ?? null,
    detail: event.detail ?? null,
    receivedAt,
  };
}
