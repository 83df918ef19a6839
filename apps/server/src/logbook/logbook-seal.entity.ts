import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/**
 * The seal of one station's logbook for one local day: the chain's head at the end of that day.
 * It anchors the chain, so rewriting every hash after an edit, or cutting lines off the end, still shows.
 */
@Entity('logbook_seal')
@Index(['stationId', 'day'], { unique: true })
export class LogbookSeal {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'varchar' })
  stationId!: string;

  /** Local calendar day the sealed lines were written, YYYY-MM-DD. */
  @Column({ type: 'varchar', length: 10 })
  day!: string;

  /** chainPos of the day's last line. */
  @Column({ type: 'integer' })
  lastChainPos!: number;

  @Column({ type: 'varchar', length: 64 })
  lastLineHash!: string;

  /** How many lines were written that day. */
  @Column({ type: 'integer' })
  lineCount!: number;

  /** sha256 over the station, the day, the count and the head: what an inspector may copy down. */
  @Column({ type: 'varchar', length: 64 })
  digest!: string;

  @InstantColumn()
  createdAt!: string;
}
