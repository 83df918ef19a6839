import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { Priority, SlotSource } from '@loa/protocol';
import { InstantColumn } from '../common/columns';

export type SlotStatus = 'scheduled' | 'cancelled';

/** A time on air for one programme on a set of stations. Cancelled slots are kept, never deleted. */
@Entity('slot')
export class Slot {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column({ type: 'varchar' })
  programmeId!: string;

  @Index()
  @InstantColumn()
  startAt!: string;

  /** startAt + durationMs, kept so overlaps are one indexed query. */
  @Index()
  @InstantColumn()
  endAt!: string;

  @Column({ type: 'integer' })
  durationMs!: number;

  @Column({ type: 'varchar', length: 20, default: 'normal' })
  priority!: Priority;

  @Column({ type: 'varchar', length: 20, default: 'relay' })
  source!: SlotSource;

  @Column({ type: 'varchar', length: 20, default: 'scheduled' })
  status!: SlotStatus;

  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @InstantColumn()
  createdAt!: string;

  @InstantColumn()
  updatedAt!: string;
}

/** Which stations a slot airs on. */
@Entity('slot_target')
export class SlotTarget {
  @PrimaryColumn({ type: 'varchar' })
  slotId!: string;

  @Index()
  @PrimaryColumn({ type: 'varchar' })
  stationId!: string;
}
