import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AgentHealth, OutputStatus } from '@loa/protocol';
import { InstantColumn } from '../common/columns';

/**
 * What a station's agent last told the server about itself: the schedule it holds and whether its cache
 * is complete. Kept in the database (not only on the live connection) so whichever server instance
 * sweeps for silent stations can say why an airing was not played.
 */
@Entity('station_agent_state')
export class StationAgentState {
  @PrimaryColumn({ type: 'varchar' })
  stationId!: string;

  /** The snapshot version the agent holds; null on a fresh box. */
  @Column({ type: 'integer', nullable: true })
  scheduleVersion!: number | null;

  /** Files the look-ahead needs that are not cached and verified yet; 0 when the cache is ready. */
  @Column({ type: 'integer' })
  missingFiles!: number;

  @InstantColumn()
  reportedAt!: string;

  /** The box's own report (disk, clock, temperature, missing files), as validated at the gateway. */
  @Column({ type: 'simple-json', nullable: true })
  health!: AgentHealth | null;

  @InstantColumn({ nullable: true })
  healthAt!: string | null;

  /** The sound output as the agent last probed it; null for players without a device. */
  @Column({ type: 'simple-json', nullable: true })
  output!: OutputStatus | null;
}
