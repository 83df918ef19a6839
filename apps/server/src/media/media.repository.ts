import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, Not } from 'typeorm';
import { Programme } from '../programmes/programme.entity';
import { ProgrammeVersion } from '../programmes/programme-version.entity';
import { LoudnessTarget } from './loudness-target.entity';
import { MediaStatus, MediaAsset } from './media-asset.entity';
import { JobState, MediaJob } from './media-job.entity';

/** Which rows a conditional update may touch: the row as it was read. */
/**
 * SQL: the programme aliased `p` has a language version whose audio is `asset` (a quoted column or a
 * parameter). A version's audio is the programme's as much as its own audio is: who may fetch it, and
 * how long it is kept, follow the programme.
 */
const VERSION_OF = (asset: string) => `EXISTS (SELECT 1 FROM "programme_version" "v" WHERE "v"."programmeId" = "p"."id" AND "v"."mediaAssetId" = ${asset})`;

export type AssetMatch = { id: string; status?: MediaStatus };
export type JobMatch = { id: string; state?: JobState; attempts?: number };

/** What the schedule, the logbook and the dossier closings say about one asset's use. */
export interface AssetUsage {
  /** The end of the latest slot that still holds the asset (draft, submitted or approved). */
  lastSlotEnd: string | null;
  /** Whether such a slot ends after now. */
  stillScheduled: boolean;
  /** When it last aired (or was planned to) in the logbook. */
  lastAired: string | null;
  /** Whether it aired where no inspector has closed the dossier yet. */
  inOpenDossier: boolean;
}

/** Uploaded audio, its conversion jobs and the chuyên mục loudness targets. */
@Injectable()
export class MediaRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private get assets() {
    return this.db.getRepository(MediaAsset);
  }

  private get jobs() {
    return this.db.getRepository(MediaJob);
  }

  private get targets() {
    return this.db.getRepository(LoudnessTarget);
  }

  /** The asset and its first conversion job, together or not at all. */
  createWithJob(asset: Omit<MediaAsset, 'id'>, job: Omit<Partial<MediaJob>, 'assetId'>): Promise<{ asset: MediaAsset; job: MediaJob }> {
    return this.db.transaction(async (tx) => {
      const saved = await tx.save(tx.create(MediaAsset, asset));
      const queued = await tx.save(tx.create(MediaJob, { ...job, assetId: saved.id }));
      return { asset: saved, job: queued };
    });
  }

  asset(id: string): Promise<MediaAsset | null> {
    return this.assets.findOneBy({ id });
  }

  newestFirst(): Promise<MediaAsset[]> {
    return this.assets.find({ order: { createdAt: 'DESC' } });
  }

  withStatus(statuses: readonly MediaStatus[]): Promise<MediaAsset[]> {
    return this.assets.find({ where: { status: In([...statuses]) } });
  }

  readyWithSha(sha256: string): Promise<MediaAsset | null> {
    return this.assets.findOne({ where: { sha256, status: 'ready' } });
  }

  /** Every asset whose broadcast file has this hash, with its uploader. */
  uploadersOfSha(sha256: string): Promise<{ id: string; createdBy: string | null }[]> {
    return this.assets.find({ select: { id: true, createdBy: true }, where: { sha256 } });
  }

  /** The programmes that air any of these assets, as their own audio or as a language version, with their makers. */
  async programmesOf(assetIds: readonly string[]): Promise<{ id: string; createdBy: string | null }[]> {
    if (!assetIds.length) return [];
    const versions = await this.db.getRepository(ProgrammeVersion).find({ select: { programmeId: true }, where: { mediaAssetId: In([...assetIds]) } });
    const where = versions.length ? [{ mediaAssetId: In([...assetIds]) }, { id: In(versions.map((v) => v.programmeId)) }] : { mediaAssetId: In([...assetIds]) };
    return this.db.getRepository(Programme).find({ select: { id: true, createdBy: true }, where });
  }

  /** Changes the asset only if it still is as `match` says; whether it did. */
  async updateAsset(match: AssetMatch, change: Partial<MediaAsset>): Promise<boolean> {
    return Boolean((await this.assets.update(match, change)).affected);
  }

  /** The original bytes a user uploaded after `since`. */
  async keptBytesSince(userId: string, since: string): Promise<number> {
    const kept = await this.assets
      .createQueryBuilder('a')
      .select('COALESCE(SUM(a.originalSize), 0)', 'bytes')
      .where('a.createdBy = :userId AND a.createdAt > :since', { userId, since })
      .getRawOne<{ bytes: number | string }>();
    return Number(kept?.bytes ?? 0);
  }

  /** Whether an approved slot ending after `since` airs the file on the station. */
  async airsOnStation(stationId: string, sha256: string, since: string): Promise<boolean> {
    const count = await this.assets
      .createQueryBuilder('a')
      .innerJoin('programme', 'p', `(p.mediaAssetId = a.id OR ${VERSION_OF('"a"."id"')})`)
      .innerJoin('slot', 's', 's.programmeId = p.id AND s.status = :status', { status: 'approved' })
      // The station's materialised airings: whatever the slot targets (station, group, cluster, unit).
      .innerJoin('airing', 't', 't.slotId = s.id AND t.stationId = :stationId', { stationId })
      .where('a.sha256 = :sha256', { sha256 })
      .andWhere('s.endAt > :since', { since })
      .getCount();
    return count > 0;
  }

  /**
   * The converted asset turns ready (if still processing) and its job ends together, done or (when the
   * asset was cancelled meanwhile) cancelled: a crash between the two would leave a ready asset whose job
   * runs again. Whether the asset turned ready.
   */
  markReady(match: AssetMatch, change: Partial<MediaAsset>, jobId: string, finishedAt: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const done = Boolean((await tx.update(MediaAsset, { ...match, status: 'processing' }, change)).affected);
      await tx.update(MediaJob, { id: jobId, state: 'running' }, { state: done ? 'done' : 'cancelled', error: null, workFile: null, finishedAt });
      return done;
    });
  }

  /** Whether an asset not expired still has this broadcast file. */
  liveWithSha(sha256: string): Promise<boolean> {
    return this.assets.exists({ where: { status: Not('expired' as const), sha256 } });
  }

  /** Whether an asset not expired still has this original. */
  liveWithOriginal(sha256: string, ext: string): Promise<boolean> {
    return this.assets.exists({ where: { status: Not('expired' as const), originalSha256: sha256, originalExt: ext } });
  }

  /** Read from the schedule, the logbook and the dossier closings, at `now`. */
  async usage(assetId: string, now: string): Promise<AssetUsage> {
    const m = this.db.manager;
    const slots = await m
      .createQueryBuilder()
      .select('MAX(s.endAt)', 'lastEnd')
      .addSelect('SUM(CASE WHEN s.endAt > :now THEN 1 ELSE 0 END)', 'upcoming')
      .from('slot', 's')
      .innerJoin('programme', 'p', 'p.id = s.programmeId')
      .where(`(p.mediaAssetId = :assetId OR ${VERSION_OF(':assetId')})`, { assetId })
      // A draft or a slot waiting for approval still needs its audio; only cancelled or rejected ones let go.
      .andWhere('s.status IN (:...holding)', { holding: ['draft', 'submitted', 'approved'] })
      .setParameter('now', now)
      .getRawOne<{ lastEnd: string | null; upcoming: number | null }>();
    const aired = await m
      .createQueryBuilder()
      .select('MAX(COALESCE(l.actualStart, l.plannedStart))', 'lastAired')
      .from('logbook_line', 'l')
      .innerJoin('programme', 'p', 'p.id = l.programmeId')
      .where(`(p.mediaAssetId = :assetId OR ${VERSION_OF(':assetId')})`, { assetId })
      .getRawOne<{ lastAired: string | null }>();
    const unclosed = await m
      .createQueryBuilder()
      .select('l.id', 'id')
      .from('logbook_line', 'l')
      .innerJoin('programme', 'p', 'p.id = l.programmeId')
      .where(`(p.mediaAssetId = :assetId OR ${VERSION_OF(':assetId')})`, { assetId })
      .andWhere('l.result IN (:...aired)', { aired: ['complete', 'partial', 'interrupted'] })
      // Quoted by hand: the closing table is reached only from this raw subquery, on both engines.
      .andWhere(
        'NOT EXISTS (SELECT 1 FROM "dossier_closure" "c" WHERE "c"."stationId" = "l"."stationId" AND "c"."periodStart" <= "l"."plannedStart" AND "c"."periodEnd" > "l"."plannedStart")',
      )
      .limit(1)
      .getRawOne<{ id: number }>();
    return {
      lastSlotEnd: slots?.lastEnd ?? null,
      stillScheduled: Number(slots?.upcoming ?? 0) > 0,
      lastAired: aired?.lastAired ?? null,
      inOpenDossier: unclosed !== undefined,
    };
  }

  job(id: string): Promise<MediaJob | null> {
    return this.jobs.findOneBy({ id });
  }

  /** Jobs in one state, oldest first. */
  jobsIn(state: JobState): Promise<MediaJob[]> {
    return this.jobs.find({ where: { state }, order: { createdAt: 'ASC' } });
  }

  insertJob(job: Partial<MediaJob>): Promise<MediaJob> {
    return this.jobs.save(this.jobs.create(job));
  }

  /** Changes the job only if it still is as `match` says; whether it did. */
  async updateJob(match: JobMatch, change: Partial<MediaJob>): Promise<boolean> {
    return Boolean((await this.jobs.update(match, change)).affected);
  }

  /** Ends the asset's queued and running jobs. */
  async endOpenJobs(assetId: string, change: Partial<MediaJob>): Promise<void> {
    await this.jobs.update({ assetId, state: In(['queued', 'running']) }, change);
  }

  target(chuyenMuc: string): Promise<LoudnessTarget | null> {
    return this.targets.findOneBy({ chuyenMuc });
  }

  /** Every chuyên mục's own target, by name. */
  allTargets(): Promise<LoudnessTarget[]> {
    return this.targets.find({ order: { chuyenMuc: 'ASC' } });
  }

  saveTarget(row: LoudnessTarget): Promise<LoudnessTarget> {
    return this.targets.save(this.targets.create(row));
  }

  /** Whether there was one to delete. */
  async deleteTarget(chuyenMuc: string): Promise<boolean> {
    return Boolean((await this.targets.delete({ chuyenMuc })).affected);
  }
}
