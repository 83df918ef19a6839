import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import cron, { type ScheduledTask } from 'node-cron';
import { Subscription } from 'rxjs';
import { DomainEvents } from '../common/events';
import { Leadership } from '../leadership/leadership';
import { LookAhead } from './look-ahead.service';

/**
 * Keeps each station's materialised look-ahead fresh as the window slides (new airings of recurring slots,
 * stations newly under a targeted unit), announces what changed so connected agents get it at once, and
 * forgets airings long past.
 */
@Injectable()
export class ScheduleHousekeeping implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('ScheduleHousekeeping');
  private tasks: ScheduledTask[] = [];
  private subscription?: Subscription;

  constructor(
    private readonly schedule: LookAhead,
    private readonly events: DomainEvents,
    private readonly leadership: Leadership,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = this.events.stream.subscribe((event) => {
      if (event.type === 'station.created') {
        this.schedule.refreshStations([event.stationId]).catch((err: Error) => this.log.error(`look-ahead of a new station failed: ${err.message}`));
      } else if (event.type === 'stations.changed') {
        const done = event.stationIds === 'all' ? this.schedule.refreshAll() : this.schedule.refreshStations(event.stationIds);
        done.catch((err: Error) => this.log.error(`look-ahead of changed stations failed: ${err.message}`));
      }
    });
    // One instance of a deployment slides the window and expires; the others serve what it wrote.
    const leading = (job: () => Promise<void>) => () => (this.leadership.isLeader() ? job() : Promise.resolve());
    this.leadership.onGained(() => void leading(() => this.refresh())());
    await leading(() => this.refresh())();
    this.tasks.push(cron.schedule('*/5 * * * *', leading(() => this.refresh()), { name: 'schedule-refresh', noOverlap: true }));
    this.tasks.push(cron.schedule('17 3 * * *', leading(() => this.expire()), { name: 'schedule-expire', noOverlap: true }));
  }

  async onModuleDestroy(): Promise<void> {
    this.subscription?.unsubscribe();
    for (const task of this.tasks) await task.destroy();
    this.tasks = [];
  }

  async refresh(): Promise<void> {
    try {
      const changed = await this.schedule.refreshAll();
      if (changed.length) this.log.log(`look-ahead refreshed on ${changed.length} station(s)`);
    } catch (err) {
      this.log.error(`look-ahead refresh failed: ${(err as Error).message}`);
    }
  }

  async expire(): Promise<void> {
    try {
      const n = await this.schedule.expire();
      if (n) this.log.log(`${n} past airing(s) expired`);
    } catch (err) {
      this.log.error(`expiry failed: ${(err as Error).message}`);
    }
  }
}
