import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { InstantColumn } from '../common/columns';

export const JOB_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * A background conversion, kept in the database so that a server stopped at any moment finds it again:
 * 'queued' and 'running' jobs are taken up at start-up; `attempts` bounds how often a job that keeps
 * taking the server down is retried.
 */
@Entity('media_job')
export class MediaJob {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column({ type: 'varchar' })
  assetId!: string;

  @Column({ type: 'varchar', length: 20, default: 'normalise' })
  kind!: 'normalise';

  @Index()
  @Column({ type: 'simple-enum', enum: JOB_STATES })
  state!: JobState;

  /** Runs started, counting one cut short by a crash. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** The work file a running attempt writes, removed if the server dies before it is stored. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  workFile!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  error!: string | null;

  @InstantColumn()
  createdAt!: string;

  @InstantColumn({ nullable: true })
  startedAt!: string | null;

  @InstantColumn({ nullable: true })
  finishedAt!: string | null;

  /**
   * Renewed while the job runs. Several instances share the table: a running job whose heartbeat has gone
   * stale lost its instance, and another takes it up; one with a fresh heartbeat is left alone.
   */
  @InstantColumn({ nullable: true })
  heartbeatAt!: string | null;
}
