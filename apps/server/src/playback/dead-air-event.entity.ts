import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/**
 * A stretch of dead air (silence or flat sound on the station's capture while something was on air), as
 * the station's status reported it: opened when the agent raised it, closed when it said sound returned.
 */
@Entity('dead_air_event')
@Index('IDX_dead_air_event_station_since', ['stationId', 'since'])
export class DeadAirEvent {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar' })
  stationId!: string;

  /** The airing or live round on air. */
  @Column({ type: 'varchar', length: 200 })
  occurrenceId!: string;

  @Column({ type: 'boolean' })
  live!: boolean;

  /** When the capture fell silent or flat, by the station's clock corrected to the server's. */
  @InstantColumn()
  since!: string;

  /** When the station reported sound back (or the airing ending); null while it lasts. */
  @InstantColumn({ nullable: true })
  clearedAt!: string | null;
}
