import { Column } from 'typeorm';
import type { AirVerdict } from '@loa/protocol';

/**
 * Proof of air, as the station's capture judged an airing: stored with the agent's event that reported it
 * and copied, unchanged, onto the logbook line the event writes. Null where nothing went out, or the
 * station has no capture. The columns are declared once here, so the two tables cannot drift apart.
 */
export abstract class AirProofColumns {
  @Column({ type: 'varchar', length: 20, nullable: true })
  airVerdict!: AirVerdict | null;

  @Column({ type: 'integer', nullable: true })
  airConfirmedMs!: number | null;

  /** Whole percent: a float column would not read back the value that was hashed on every engine. */
  @Column({ type: 'integer', nullable: true })
  airCoveragePct!: number | null;

  @Column({ type: 'integer', nullable: true })
  airOffsetMs!: number | null;

  @Column({ type: 'integer', nullable: true })
  deadAirMs!: number | null;
}
