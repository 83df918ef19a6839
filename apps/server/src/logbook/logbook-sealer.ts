import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { schedule, type ScheduledTask } from 'node-cron';
import { Clock } from '../common/clock';
import { UnitOfWork } from '../database/unit-of-work';
import { AppConfig } from '../config/app-config';
import { Leadership } from '../leadership/leadership';
import { LogbookWriter } from './logbook-writer';

/**
 * Seals every station's chain at the top of each hour (and so at each day's end), signed with the seal
 * key. A busy station's chain is sealed as the next hour's first line arrives; this covers the quiet one
 * whose last lines would otherwise stay unanchored, so cutting them off the end would not show.
 */
@Injectable()
export class LogbookSealer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('LogbookSealer');
  private task: ScheduledTask | null = null;

  constructor(
    private readonly tx: UnitOfWork,
    private readonly writer: LogbookWriter,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly leadership: Leadership,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Sealed by the one instance that leads; one taking over seals at once what was left unsealed.
    const leading = async () => {
      if (this.leadership.isLeader()) await this.sealNow();
    };
    this.leadership.onGained(() => void leading());
    await leading();
    this.task = schedule('0 * * * *', leading, { timezone: this.config.timezone, noOverlap: true, name: 'logbook-seal' });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task?.stop();
  }

  async sealNow(): Promise<number> {
    try {
      const n = await this.tx.run((m) => this.writer.sealDue(m, this.clock.nowInstant()));
      if (n) this.log.log(`sealed ${n} station chain(s)`);
      return n;
    } catch (err) {
      // A failed seal is retried the next hour; it must not stop the server.
      this.log.error(`sealing failed: ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    }
  }
}
