import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Priority, SlotSource } from '@loa/protocol';
import { InstantColumn } from '../common/columns';

/** phát đủ · phát không đủ · lỗi · không phát */
export type LogbookResult = 'complete' | 'partial' | 'failed' | 'missed';

/**
 * One line of a station's broadcast logbook (nhật ký tuyên truyền): what went on air, or failed to.
 * Append-only: a line is written once per station and occurrence and never updated.
 */
@Entity('logbook_line')
@Index(['stationId', 'occurrenceId'], { unique: true })
@Index(['stationId', 'plannedStart'])
export class LogbookLine {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'varchar' })
  stationId!: string;

  @Column({ type: 'varchar', length: 200 })
  stationName!: string;

  @Index()
  @Column({ type: 'varchar' })
  unitId!: string;

  @Column({ type: 'varchar', length: 200 })
  occurrenceId!: string;

  @Column({ type: 'varchar' })
  slotId!: string;

  @Column({ type: 'varchar' })
  programmeId!: string;

  @Column({ type: 'varchar', length: 300 })
  programmeTitle!: string;

  @Index()
  @Column({ type: 'varchar', length: 200 })
  chuyenMuc!: string;

  @Column({ type: 'varchar', length: 20 })
  source!: SlotSource;

  @Column({ type: 'varchar', length: 20 })
  priority!: Priority;

  @Index()
  @InstantColumn()
  plannedStart!: string;

  @InstantColumn({ nullable: true })
  actualStart!: string | null;

  @InstantColumn({ nullable: true })
  endedAt!: string | null;

  /** Time actually on air. */
  @Column({ type: 'integer', nullable: true })
  durationMs!: number | null;

  /** The programme's own length, to compare with. */
  @Column({ type: 'integer' })
  plannedDurationMs!: number;

  @Column({ type: 'real', nullable: true })
  startErrorMs!: number | null;

  @Column({ type: 'varchar', length: 20 })
  result!: LogbookResult;

  @Column({ type: 'varchar', length: 30, nullable: true })
  reason!: string | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  detail!: string | null;

  /** "tự động" for lines the system wrote from agent reports. */
  @Column({ type: 'varchar', length: 100 })
  recordedBy!: string;

  @InstantColumn()
  createdAt!: string;
}
