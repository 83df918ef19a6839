import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { LiveKind, Priority } from '@loa/protocol';
import { InstantColumn } from '../common/columns';

import type { LiveRelayStatus, LiveRelayView, LiveSourceKind } from '@loa/api-types';

export type { LiveRelayStatus, LiveSourceKind };

/**
 * One live relay (tiếp sóng trực tiếp) or emergency announcement (thông báo khẩn cấp): a live source
 * encoded once and carried by a set of stations. Emergencies may air several rounds.
 */
@Entity('live_relay')
export class LiveRelay implements LiveRelayView {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 20 })
  kind!: LiveKind;

  @Column({ type: 'varchar', length: 20 })
  priority!: Priority;

  @Column({ type: 'varchar', length: 300 })
  title!: string;

  @Column({ type: 'varchar', length: 20 })
  sourceKind!: LiveSourceKind;

  @Column({ type: 'varchar', nullable: true })
  programmeId!: string | null;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  sourceUrl!: string | null;

  /** For a `text` source: the whole text read out. */
  @Column({ type: 'text', nullable: true })
  sourceText!: string | null;

  /** Airings in all (1 + repeats) and the pause between them. */
  @Column({ type: 'integer', default: 1 })
  rounds!: number;

  @Column({ type: 'integer', default: 0 })
  intervalMs!: number;

  /** Rounds actually started. */
  @Column({ type: 'integer', default: 0 })
  roundsAired!: number;

  @InstantColumn({ nullable: true })
  expiresAt!: string | null;

  @Index()
  @Column({ type: 'varchar', length: 20 })
  status!: LiveRelayStatus;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  endReason!: string | null;

  /** The HTTP stream's token, hashed; the token itself is shown once, when the relay starts. */
  @Column({ type: 'varchar', length: 64 })
  streamTokenHash!: string;

  /** The recording in the media store (content-addressed MP3), once the relay has ended. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  recordingSha256!: string | null;

  @Column({ type: 'integer', nullable: true })
  recordingBytes!: number | null;

  @Column({ type: 'varchar', nullable: true })
  startedBy!: string | null;

  @Index()
  @InstantColumn()
  startedAt!: string;

  @InstantColumn({ nullable: true })
  endedAt!: string | null;
}

/** Which stations carry a relay. */
@Entity('live_relay_target')
export class LiveRelayTarget {
  @PrimaryColumn({ type: 'varchar' })
  relayId!: string;

  @Index()
  @PrimaryColumn({ type: 'varchar' })
  stationId!: string;
}

/**
 * Which instance encodes a live relay, until when, and how far it got: renewed every second or so by that
 * instance, so when it dies another one finds the lease run out, claims it with a conditional update and
 * carries on from the round and offset written here. Not audited: it changes every second and says
 * nothing about who did what.
 */
@Entity('live_relay_lease')
export class LiveRelayLease {
  @PrimaryColumn({ type: 'varchar' })
  relayId!: string;

  /** The encoding instance (its cluster instance id). */
  @Column({ type: 'varchar', length: 64 })
  owner!: string;

  @InstantColumn()
  leaseUntil!: string;

  /** The round on air or last aired. */
  @Column({ type: 'integer', default: 0 })
  round!: number;

  /** Whether that round is on air now, and since when (its live.start's instant). */
  @Column({ type: 'boolean', default: false })
  onAir!: boolean;

  @InstantColumn({ nullable: true })
  roundStartedAt!: string | null;

  /** Audio of the round sent so far, in ms of the source: where a stored programme resumes. */
  @Column({ type: 'integer', default: 0 })
  offsetMs!: number;

  /** The last audio group's sequence number, so the next owner's groups read as a gap, not as a continuation. */
  @Column({ type: 'integer', default: 0 })
  seq!: number;

  /** When the last round ended (between rounds of an emergency). */
  @InstantColumn({ nullable: true })
  roundEndedAt!: string | null;
}

/**
 * Which stations reported playing a relay, written by the instance that holds each station's agent: an
 * emergency still in force is given again to a station that connects without having aired it, whichever
 * instance it reaches and whichever encodes the relay (also one that took it over). Not audited: one row
 * per station and relay, from the agents' reports; the logbook is the record of what aired.
 */
@Entity('live_relay_carriage')
export class LiveRelayCarriage {
  @PrimaryColumn({ type: 'varchar' })
  relayId!: string;

  @PrimaryColumn({ type: 'varchar' })
  stationId!: string;

  @InstantColumn()
  carriedAt!: string;
}
