import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { schedule, ScheduledTask } from 'node-cron';
import { In, Not, Repository } from 'typeorm';
import { nowInstant } from '../common/columns';
import { AppConfig } from '../config/app-config';
import { Leadership } from '../leadership/leadership';
import { MediaAsset } from './media-asset.entity';
import { MediaStorage } from './media-store';
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
    @InjectRepository(MediaAsset) private readonly assets: Repository<MediaAsset>,
    private readonly store: MediaStorage,
    @Inject(AppConfig) private readonly config: Pick<AppConfig, 'retentionMonths' | 'retentionCron' | 'timezone'>,
    private readonly leadership: Leadership,
  ) {}

  onModuleInit(): void {
    this.task = schedule(
      this.config.retentionCron,
      async () => {
        if (!this.leadership.isLeader()) return;
        try {
          const expired = await this.runOnce(new Date());
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
    const candidates = await this.assets.find({ where: { status: In(['ready', 'failed', 'cancelled']) } });
    const expired: string[] = [];
    for (const asset of candidates) {
      const usage = await this.usage(asset.id, nowIso);
      const decision = retentionDecision({ status: asset.status, createdAt: asset.createdAt, ...usage }, cutoff);
      if (!decision.expire) continue;
      const marked = await this.assets.update(
        { id: asset.id, status: asset.status },
        { status: 'expired', expiredAt: nowInstant() },
      );
      if (!marked.affected) continue;
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
    const slots = await this.assets.manager
      .createQueryBuilder()
      .select('MAX(s.endAt)', 'lastEnd')
      .addSelect('SUM(CASE WHEN s.endAt > :now THEN 1 ELSE 0 END)', 'upcoming')
      .from('slot', 's')
      .innerJoin('programme', 'p', 'p.id = s.programmeId')
      .where('p.mediaAssetId = :assetId', { assetId })
      // A draft or a slot waiting for approval still needs its audio; only cancelled or rejected ones let go.
      .andWhere('s.status IN (:...holding)', { holding: ['draft', 'submitted', 'approved'] })
      .setParameter('now', now)
      .getRawOne<{ lastEnd: string | null; upcoming: number | null }>();
    const aired = await this.assets.manager
      .createQueryBuilder()
      .select('MAX(COALESCE(l.actualStart, l.plannedStart))', 'lastAired')
      .from('logbook_line', 'l')
      .innerJoin('programme', 'p', 'p.id = l.programmeId')
      .where('p.mediaAssetId = :assetId', { assetId })
      .getRawOne<{ lastAired: string | null }>();
    const unclosed = await this.assets.manager
      .createQueryBuilder()
      .select('l.id', 'id')
      .from('logbook_line', 'l')
      .innerJoin('programme', 'p', 'p.id = l.programmeId')
      .where('p.mediaAssetId = :assetId', { assetId })
      .andWhere('l.result IN (:...aired)', { aired: ['complete', 'partial', 'interrupted'] })
      // Quoted by hand: the closing table is reached only from this raw subquery, on both engines.
      .andWhere(
        'NOT EXISTS (SELECT 1 FROM "dossier_closure" "c" WHERE "c"."stationId" = "l"."stationId" AND "c"."periodStart" <= "l"."plannedStart" AND "c"."periodEnd" > "l"."plannedStart")',
      )
      .limit(1)
      .getRawOne<{ id: number }>();
    const dates = [slots?.lastEnd ?? null, aired?.lastAired ?? null].filter((d): d is string => d !== null).sort();
    return { stillScheduled: Number(slots?.upcoming ?? 0) > 0, lastUsedAt: dates[dates.length - 1] ?? null, inOpenDossier: unclosed !== undefined };
  }

  private async removeUnshared(asset: MediaAsset): Promise<void> {
    const live = { status: Not('expired' as const) };
    if (asset.sha256 && !(await this.assets.exists({ where: [{ ...live, sha256: asset.sha256 }] }))) {
      await this.store.remove(asset.sha256, BROADCAST_EXT);
    }
    const originalShared = await this.assets.exists({
      where: [{ ...live, originalSha256: asset.originalSha256, originalExt: asset.originalExt }],
    });
    if (!originalShared) await this.store.remove(asset.originalSha256, asset.originalExt);
  }
}
