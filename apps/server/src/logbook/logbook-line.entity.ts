import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Priority } from '@loa/protocol';
import { InstantColumn } from '../common/columns';
import { AirProofColumns } from '../playback/air-proof-columns';

import { LOGBOOK_RESULTS, LOGBOOK_SOURCES, type LogbookLineView, type LogbookResult, type LogbookSource } from '@loa/api-types';

/** Results and sources are the API's own (libs/api-types), so the console names every one. */
export { LOGBOOK_RESULTS, LOGBOOK_SOURCES };
export type { LogbookResult, LogbookSource };

/**
 * One line of a station's broadcast logbook (nhật ký tuyên truyền): what went on air, or failed to.
 * Append-only: never updated. A correction is a new line (`revision` > 0) that amends an earlier one.
 * Each station's lines form a hash chain in `chainPos` order, so an edit, a deletion or an insertion
 * made directly in the database shows. The proof of air (`AirProofColumns`) is part of the chained content,
 * since the station's capture has judged the airing before its final report writes the line.
 *
 * Every index is paid for on each of the many lines written: reads go by station or unit (and then by
 * planned start or id), so chuyên mục, source and result filter within those, without an index of their own.
 */
@Entity('logbook_line')
@Index(['stationId', 'occurrenceId', 'revision'], { unique: true })
@Index(['stationId', 'chainPos'], { unique: true })
@Index(['stationId', 'year', 'number'], { unique: true })
@Index(['stationId', 'plannedStart'])
export class LogbookLine extends AirProofColumns implements LogbookLineView {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'varchar' })
  stationId!: string;

  @Column({ type: 'varchar', length: 200 })
  stationName!: string;

  @Index()
  @Column({ type: 'varchar' })
  unitId!: string;

  /** The year (local time) of the planned start; `number` runs from 1 within it. */
  @Column({ type: 'integer' })
  year!: number;

  /** Running number (số thứ tự) of the line in the station's logbook for the year. */
  @Column({ type: 'integer' })
  number!: number;

  /** Position in the station's hash chain, from 1, in the order lines were written. */
  @Column({ type: 'integer' })
  chainPos!: number;

  @Column({ type: 'varchar', length: 200 })
  occurrenceId!: string;

  /** 0 for the line the system wrote; 1, 2… for corrections of it. */
  @Column({ type: 'integer', default: 0 })
  revision!: number;

  /** For a correction: the id of the line it amends. */
  @Column({ type: 'integer', nullable: true })
  amendsLineId!: number | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  correctionReason!: string | null;

  @Column({ type: 'varchar' })
  slotId!: string;

  @Column({ type: 'varchar' })
  programmeId!: string;

  @Column({ type: 'varchar', length: 300 })
  programmeTitle!: string;

  @Column({ type: 'varchar', length: 200 })
  chuyenMuc!: string;

  /** The CCHC topic of the programme, where the schedule gives one. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  topic!: string | null;

  @Column({ type: 'varchar', length: 20 })
  source!: LogbookSource;

  @Column({ type: 'varchar', length: 20 })
  priority!: Priority;

  /** The loudspeaker clusters (cụm loa) that carried it, where known. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  speakerClusters!: string | null;

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

  /** "tự động" for lines the system wrote from agent reports; the user's name for corrections. */
  @Column({ type: 'varchar', length: 100 })
  recordedBy!: string;

  @InstantColumn()
  createdAt!: string;

  /** The language version that aired (`vi`: the programme's own audio); null where no programme version applies. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  language!: string | null;

  /** sha256 of the line's canonical content. */
  @Column({ type: 'varchar', length: 64 })
  contentHash!: string;

  /** The previous line's `lineHash` in this station's chain (64 zeros for the first). */
  @Column({ type: 'varchar', length: 64 })
  prevHash!: string;

  /** sha256(prevHash, contentHash): what the next line points at. */
  @Column({ type: 'varchar', length: 64 })
  lineHash!: string;
}
