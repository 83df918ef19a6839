import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { Priority, SlotSource, StartMode } from '@loa/protocol';
import { InstantColumn } from '../common/columns';

import { SLOT_STATUSES, type HolidayRule, type SlotStatus } from '@loa/api-types';

/** bản nháp → chờ duyệt → đã duyệt / bị từ chối; huỷ. Only approved slots reach stations. */
export { SLOT_STATUSES };
export type { SlotStatus };

/**
 * A programme on air at one time or on a recurring rule, on a set of targets. Stored as the author wrote
 * it (wall-clock start, zone, RFC 5545 rule) and expanded to UTC instants when needed.
 * Cancelled and rejected slots are kept, never deleted.
 */
@Entity('slot')
export class Slot {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column({ type: 'varchar' })
  programmeId!: string;

  /** First airing. */
  @Index()
  @InstantColumn()
  startAt!: string;

  /** End of the last airing (9999-… for an endless rule), so candidate overlaps are one indexed query. */
  @Index()
  @InstantColumn()
  endAt!: string;

  @Column({ type: 'integer' })
  durationMs!: number;

  /** The first airing in the zone's wall-clock time, as authored (null on rows older than recurrence: startAt). */
  @Column({ type: 'varchar', length: 23, nullable: true })
  localStart!: string | null;

  @Column({ type: 'varchar', length: 64, default: 'Asia/Ho_Chi_Minh' })
  timeZone!: string;

  /** RFC 5545 RRULE parts (no DTSTART); null for a one-off slot. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  rule!: string | null;

  /** Wall-clock times left out of the rule. */
  @Column({ type: 'simple-json', default: '[]' })
  exdates!: string[];

  @Column({ type: 'varchar', length: 20, default: 'normal' })
  priority!: Priority;

  @Column({ type: 'varchar', length: 20, default: 'relay' })
  source!: SlotSource;

  @Column({ type: 'varchar', length: 10, default: 'hard' })
  startMode!: StartMode;

  @Column({ type: 'integer', default: 0 })
  waitMs!: number;

  /** What an airing that falls on a public holiday or declared day off does: play, skip, or move to the next working day. */
  @Column({ type: 'varchar', length: 10, default: 'play' })
  holidayRule!: HolidayRule;

  @Index()
  @Column({ type: 'varchar', length: 20, default: 'draft' })
  status!: SlotStatus;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  rejectionReason!: string | null;

  @Index()
  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @InstantColumn()
  createdAt!: string;

  @InstantColumn()
  updatedAt!: string;
}

export const TARGET_KINDS = ['station', 'group', 'cluster', 'unit'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

/** Stations a slot names directly. */
@Entity('slot_target')
export class SlotTarget {
  @PrimaryColumn({ type: 'varchar' })
  slotId!: string;

  @Index()
  @PrimaryColumn({ type: 'varchar' })
  stationId!: string;
}

/**
 * The other places a slot airs: a named group of stations, one speaker cluster of a station, or a whole
 * unit (every station under it, including ones added later: resolved each time the slot is expanded).
 */
@Entity('slot_target_ref')
export class SlotTargetRef {
  @PrimaryColumn({ type: 'varchar' })
  slotId!: string;

  @PrimaryColumn({ type: 'varchar', length: 10 })
  kind!: Exclude<TargetKind, 'station'>;

  @Index()
  @PrimaryColumn({ type: 'varchar' })
  refId!: string;
}

/** One airing of a slot cancelled or moved, on one station or (stationId null) on all of them. */
@Entity('slot_override')
@Index(['slotId', 'occurrenceAt'])
export class SlotOverride {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar' })
  slotId!: string;

  /** The airing's instant as the rule gives it. */
  @InstantColumn()
  occurrenceAt!: string;

  @Column({ type: 'varchar', nullable: true })
  stationId!: string | null;

  @Column({ type: 'varchar', length: 10 })
  action!: 'cancel' | 'move';

  @InstantColumn({ nullable: true })
  movedTo!: string | null;

  /** Why the commune declined it ("Không phát"), when it gave a reason. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  @Column({ type: 'varchar', nullable: true })
  createdBy!: string | null;

  @InstantColumn()
  createdAt!: string;
}

/** Who did what to a slot, and when: kept for the dossier (hồ sơ) and for the author to read. */
@Entity('slot_action')
@Index(['slotId', 'at'])
export class SlotAction {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'varchar' })
  slotId!: string;

  @Column({ type: 'varchar', length: 30 })
  action!: string;

  @Column({ type: 'varchar', nullable: true })
  userId!: string | null;

  @Column({ type: 'varchar', length: 100 })
  username!: string;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  note!: string | null;

  @InstantColumn()
  at!: string;
}

/**
 * A station's materialised schedule for the look-ahead window: what its agent is sent. Rebuilt when a
 * slot changes and by the housekeeping job as the window slides; past rows are expired after a while.
 */
@Entity('airing')
@Index(['stationId', 'startAt'])
// The logbook's sweep for unreported airings reads every station's airings that ended lately.
@Index('IDX_airing_startAt', ['startAt'])
export class Airing {
  @PrimaryColumn({ type: 'varchar' })
  stationId!: string;

  @PrimaryColumn({ type: 'varchar', length: 200 })
  occurrenceId!: string;

  @Index()
  @Column({ type: 'varchar' })
  slotId!: string;

  @InstantColumn()
  startAt!: string;

  @Column({ type: 'integer' })
  durationMs!: number;

  @Column({ type: 'varchar', length: 20 })
  priority!: Priority;

  @Column({ type: 'varchar', length: 20 })
  source!: SlotSource;

  @Column({ type: 'varchar', length: 10 })
  startMode!: StartMode;

  @Column({ type: 'integer' })
  waitMs!: number;

  /** Speaker clusters to play on; null: the whole station. */
  @Column({ type: 'simple-json', nullable: true })
  clusterIds!: string[] | null;
}
