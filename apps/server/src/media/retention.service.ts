import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { schedule, ScheduledTask } from 'node-cron';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { Leadership } from '../leadership/leadership';
import { MediaAsset } from './media-asset.entity';
import { MediaStorage } from './media-store';
import { MediaRepository } from './media.repository';
import { BROADCAST_EXT } from './media.service';
import { retentionCutoff, retentionDecision } from './retention';

/**
 * Applies the retention policy once a day (node-cron, in the station's time zone): deletes the broadcast
 * file and original of assets no slot needs and that last aired before the retention period. The row
 * stays, marked 'expired', as the record of what was there; a file another live asset shares stays too.
 */
@Injectable()
export class RetentionService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private task: ScheduledTask | null = null;

  constructor(
    private readonly assets: MediaRepository,
    private readonly store: MediaStorage,
    @Inject(AppConfig) private readonly config: Pick<AppConfig, 'retentionMonths' | 'retentionCron' | 'timezone'>,
    private readonly leadership: Leadership,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.task = schedule(
      this.config.retentionCron,
      async () => {
        if (!this.leadership.isLeader()) return;
        try {
          const expired = await this.runOnce(new Date(this.clock.now()));
          if (expired.length > 0) this.logger.log(`retention: removed the files of ${expired.length} asset(s)`);
        } catch (err) {
          this.logger.error(`retention run failed: ${err instanceof Error ? err.stack : String(err)}`);
        }
      },
      { timezone: this.config.timezone, name: 'media-retention', noOverlap: true },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.task?.destroy();
  }

  /** One pass of the policy at `now`; returns the ids of the assets it expired. */
  async runOnce(now: Date): Promise<string[]> {
    const cutoff = retentionCutoff(now, this.config.retentionMonths);
    const nowIso = now.toISOString();
    const candidates = await this.assets.withStatus(['ready', 'failed', 'cancelled']);
    const expired: string[] = [];
    for (const asset of candidates) {
      const usage = await this.usage(asset.id, nowIso);
      const decision = retentionDecision({ status: asset.status, createdAt: asset.createdAt, ...usage }, cutoff);
      if (!decision.expire) continue;
      const marked = await this.assets.updateAsset({ id: asset.id, status: asset.status }, { status: 'expired', expiredAt: this.clock.nowInstant() });
      if (!marked) continue;
      await this.removeUnshared(asset);
      expired.push(asset.id);
    }
    return expired;
  }

  /**
   * Read from the schedule, the logbook and the dossier closings: whether a slot still needs the asset,
   * when it last aired, and whether it aired where no inspector has closed the dossier.
   */
  private async usage(assetId: string, now: string): Promise<{ stillScheduled: boolean; lastUsedAt: string | null; inOpenDossier: boolean }> {
    const { lastSlotEnd, stillScheduled, lastAired, inOpenDossier } = await this.assets.usage(assetId, now);
    const dates = [lastSlotEnd, lastAired].filter((d): d is string => d !== null).sort();
    return { stillScheduled, lastUsedAt: dates[dates.length - 1] ?? null, inOpenDossier };
  }

  private async removeUnshared(asset: MediaAsset): Promise<void> {
    if (asset.sha256 && !(await this.assets.liveWithSha(asset.sha256))) {
      await this.store.remove(asset.sha256, BROADCAST_EXT);
    }
    if (!(await this.assets.liveWithOriginal(asset.originalSha256, asset.originalExt))) await this.store.remove(asset.originalSha256, asset.originalExt);
  }
}
