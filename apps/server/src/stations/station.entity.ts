import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

/** A commune broadcasting station (trạm truyền thanh cơ sở), run by one agent. */
@Entity('station')
export class Station {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column({ type: 'varchar' })
  unitId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Index({ unique: true })
  @Column({ type: 'varchar', length: 50 })
  code!: string;

  /** sha256 of the agent token; the token itself is shown once and never stored. */
  @Index({ unique: true })
  @Column({ type: 'varchar', length: 64, nullable: true })
  tokenHash!: string | null;

  /** The token's first characters, so staff can tell which token a box holds. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  tokenHint!: string | null;

  @InstantColumn({ nullable: true })
  tokenIssuedAt!: string | null;

  /** Raised on every change that touches this station's schedule. */
  @Column({ type: 'integer', default: 0 })
  scheduleVersion!: number;

  @InstantColumn({ nullable: true })
  lastSeenAt!: string | null;

  @Column({ type: 'varchar', length: 50, nullable: true })
  agentVersion!: string | null;

  /** When an agent last exchanged an enrolment code for this station's token. */
  @InstantColumn({ nullable: true })
  enrolledAt!: string | null;

  @InstantColumn()
  createdAt!: string;

  /** Off the air since then: no airings reach it and its agent is refused, until re-enabled. */
  @InstantColumn({ nullable: true })
  disabledAt!: string | null;

  /** Quiet hours in local time ("HH:MM"), in which only khẩn cấp plays; both null when it has none. */
  @Column({ type: 'varchar', length: 5, nullable: true })
  quietStart!: string | null;

  @Column({ type: 'varchar', length: 5, nullable: true })
  quietEnd!: string | null;

  /**
   * The languages its programmes should air in, preferred first: codes of the `language` table, comma
   * separated ('' : Vietnamese only). A programme with a version in none of them airs its Vietnamese audio.
   */
  @Column({ type: 'varchar', length: 250, default: '' })
  languages!: string;
}
