import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { DatabaseSettings } from '../config/app-config';
import { leaderLockSessions, type LockSession } from './leader-lock.repository';

export type { LockSession } from './leader-lock.repository';

/**
 * Which instance runs the jobs that must run once per deployment (look-ahead, sealing, the miss sweep,
 * retention, the CAP poll). Each job asks `isLeader()` as it starts; `onGained` lets a job catch up at once
 * when this instance takes over from one that died, instead of at its next scheduled run.
 */
export abstract class Leadership {
  abstract isLeader(): boolean;
  abstract onGained(listener: () => void): void;
}

/** One process on SQLite: it is the whole deployment, so it always leads. */
export class SoleInstance extends Leadership {
  isLeader(): boolean {
    return true;
  }

  onGained(): void {
    // Never gained later: it leads from the start.
  }
}

export interface AdvisoryLeadershipOptions {
  /** How often a follower tries the lock, and the leader checks its session is still there. */
  retryMs?: number;
  log?: Pick<Logger, 'log' | 'warn'>;
}

/**
 * Leadership by a PostgreSQL session-level advisory lock, held on a connection of its own (never a pooled
 * one, which would hand the lock to whatever query borrows it next). When the leader's process dies its
 * session ends and PostgreSQL releases the lock; the next follower to try takes it. A leader that loses
 * its session stops leading at once and competes again like a follower.
 */
export class AdvisoryLockLeadership extends Leadership implements OnApplicationShutdown {
  private session: LockSession | null = null;
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private attempt: Promise<void> | null = null;
  private readonly listeners: Array<() => void> = [];
  private readonly retryMs: number;
  private readonly log: Pick<Logger, 'log' | 'warn'>;

  constructor(
    private readonly connect: () => Promise<LockSession>,
    options: AdvisoryLeadershipOptions = {},
  ) {
    super();
    this.retryMs = options.retryMs ?? 3000;
    this.log = options.log ?? new Logger('Leadership');
  }

  /** Tries once (so the first instance leads before its jobs are scheduled), then keeps trying. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.retryMs);
    this.timer.unref();
  }

  isLeader(): boolean {
    return this.leading;
  }

  onGained(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** One try or check; a try still running is joined rather than doubled. */
  tick(): Promise<void> {
    this.attempt ??= this.step().finally(() => (this.attempt = null));
    return this.attempt;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.attempt;
    const session = this.session;
    this.session = null;
    this.leading = false;
    await session?.close().catch(() => undefined);
  }

  private async step(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.session) {
        const session = await this.connect();
        session.onLost((err) => this.lose(session, err));
        this.session = session;
      }
      if (this.leading) {
        await this.session.ping();
        return;
      }
      if (await this.session.tryLock()) {
        this.leading = true;
        this.log.log('this instance now runs the jobs that run once per deployment');
        for (const listener of this.listeners) listener();
      }
    } catch (err) {
      if (this.session) this.lose(this.session, err as Error);
    }
  }

  private lose(session: LockSession, err: Error): void {
    if (this.session !== session) return;
    this.session = null;
    if (this.leading) this.log.warn(`lost the leader's database session (${err.message}); another instance takes the jobs over`);
    this.leading = false;
    void session.close().catch(() => undefined);
  }
}

/** SQLite: this process leads. PostgreSQL: the instance holding the advisory lock leads. */
export async function createLeadership(database: DatabaseSettings, options: AdvisoryLeadershipOptions = {}): Promise<Leadership> {
  const connect = leaderLockSessions(database);
  if (!connect) return new SoleInstance();
  const leadership = new AdvisoryLockLeadership(connect, options);
  await leadership.start();
  return leadership;
}
