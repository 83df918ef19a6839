import { randomUUID } from 'node:crypto';
import type { LoudnessTarget } from '../../../apps/server/src/media/loudness-target.entity';
import type { MediaAsset, MediaStatus } from '../../../apps/server/src/media/media-asset.entity';
import type { JobState, MediaJob } from '../../../apps/server/src/media/media-job.entity';
import type { AssetMatch, AssetUsage, JobMatch, MediaRepository } from '../../../apps/server/src/media/media.repository';
import type { PublicPart } from './fakes';

/** An asset with everything a test does not name filled in: a ready upload of a one-minute file. */
export function assetRow(fields: Partial<MediaAsset> & { id: string }): MediaAsset {
  return {
    status: 'ready',
    originalName: `${fields.id}.wav`,
    originalSha256: `orig-${fields.id}`,
    originalExt: 'wav',
    originalSize: 1000,
    originalFormat: 'wav/pcm_s16le',
    originalDurationMs: 60_000,
    sha256: `sha-${fields.id}`,
    size: 500,
    durationMs: 60_000,
    sampleRate: 44100,
    channels: 1,
    bitrateKbps: 96,
    progress: 100,
    error: null,
    source: 'upload',
    spokenText: null,
    chuyenMuc: null,
    targetLufs: -16,
    inputLufs: null,
    inputTruePeakDbtp: null,
    gainDb: null,
    outputLufs: null,
    outputTruePeakDbtp: null,
    loudnessWarning: null,
    liveGainDb: null,
    trimmedMs: null,
    createdBy: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    readyAt: '2025-01-01T00:05:00.000Z',
    expiredAt: null,
    ...fields,
  } as MediaAsset;
}

function matches<T extends object>(row: T, match: Partial<T>): boolean {
  return Object.entries(match).every(([k, v]) => v === undefined || (row as Record<string, unknown>)[k] === v);
}

/** Assets, jobs, loudness targets, and what the schedule and logbook say of each asset, in memory. */
export class InMemoryMediaRepository implements PublicPart<MediaRepository> {
  readonly assets: MediaAsset[] = [];
  readonly jobs: MediaJob[] = [];
  readonly targets = new Map<string, LoudnessTarget>();
  /** The programmes that air an asset: asset id → programmes with their makers. */
  readonly programmes = new Map<string, { id: string; createdBy: string | null }[]>();
  /** What the schedule and the logbook say, by asset id; an asset not listed was never used. */
  readonly usages = new Map<string, AssetUsage>();
  /** The stations whose approved slots air a file: `${stationId} ${sha256}` → the slot's end. */
  readonly airings = new Map<string, string>();

  async createWithJob(asset: Omit<MediaAsset, 'id'>, job: Omit<Partial<MediaJob>, 'assetId'>): Promise<{ asset: MediaAsset; job: MediaJob }> {
    const saved = { ...asset, id: randomUUID() } as MediaAsset;
    this.assets.push(saved);
    return { asset: { ...saved }, job: await this.insertJob({ ...job, assetId: saved.id }) };
  }

  async asset(id: string): Promise<MediaAsset | null> {
    const a = this.assets.find((x) => x.id === id);
    return a ? { ...a } : null;
  }

  async newestFirst(): Promise<MediaAsset[]> {
    return [...this.assets].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((a) => ({ ...a }));
  }

  async withStatus(statuses: readonly MediaStatus[]): Promise<MediaAsset[]> {
    return this.assets.filter((a) => statuses.includes(a.status)).map((a) => ({ ...a }));
  }

  async readyWithSha(sha256: string): Promise<MediaAsset | null> {
    const a = this.assets.find((x) => x.sha256 === sha256 && x.status === 'ready');
    return a ? { ...a } : null;
  }

  async uploadersOfSha(sha256: string): Promise<{ id: string; createdBy: string | null }[]> {
    return this.assets.filter((a) => a.sha256 === sha256).map((a) => ({ id: a.id, createdBy: a.createdBy }));
  }

  async programmesOf(assetIds: readonly string[]): Promise<{ id: string; createdBy: string | null }[]> {
    return assetIds.flatMap((id) => this.programmes.get(id) ?? []);
  }

  async updateAsset(match: AssetMatch, change: Partial<MediaAsset>): Promise<boolean> {
    const a = this.assets.find((x) => matches(x, match));
    if (!a) return false;
    Object.assign(a, change);
    return true;
  }

  async keptBytesSince(userId: string, since: string): Promise<number> {
    return this.assets.filter((a) => a.createdBy === userId && a.createdAt > since).reduce((n, a) => n + a.originalSize, 0);
  }

  async airsOnStation(stationId: string, sha256: string, since: string): Promise<boolean> {
    const end = this.airings.get(`${stationId} ${sha256}`);
    return end !== undefined && end > since;
  }

  async markReady(match: AssetMatch, change: Partial<MediaAsset>, jobId: string, finishedAt: string): Promise<boolean> {
    const done = await this.updateAsset({ ...match, status: 'processing' }, change);
    await this.updateJob({ id: jobId, state: 'running' }, { state: done ? 'done' : 'cancelled', error: null, workFile: null, finishedAt });
    return done;
  }

  async liveWithSha(sha256: string): Promise<boolean> {
    return this.assets.some((a) => a.status !== 'expired' && a.sha256 === sha256);
  }

  async liveWithOriginal(sha256: string, ext: string): Promise<boolean> {
    return this.assets.some((a) => a.status !== 'expired' && a.originalSha256 === sha256 && a.originalExt === ext);
  }

  async usage(assetId: string): Promise<AssetUsage> {
    return this.usages.get(assetId) ?? { lastSlotEnd: null, stillScheduled: false, lastAired: null, inOpenDossier: false };
  }

  async job(id: string): Promise<MediaJob | null> {
    const j = this.jobs.find((x) => x.id === id);
    return j ? { ...j } : null;
  }

  async jobsIn(state: JobState): Promise<MediaJob[]> {
    return this.jobs.filter((j) => j.state === state).sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map((j) => ({ ...j }));
  }

  async insertJob(job: Partial<MediaJob>): Promise<MediaJob> {
    const saved = { heartbeatAt: null, startedAt: null, finishedAt: null, error: null, workFile: null, attempts: 0, ...job, id: randomUUID() } as MediaJob;
    this.jobs.push(saved);
    return { ...saved };
  }

  async updateJob(match: JobMatch, change: Partial<MediaJob>): Promise<boolean> {
    const j = this.jobs.find((x) => matches(x, match));
    if (!j) return false;
    Object.assign(j, change);
    return true;
  }

  async endOpenJobs(assetId: string, change: Partial<MediaJob>): Promise<void> {
    for (const j of this.jobs) if (j.assetId === assetId && (j.state === 'queued' || j.state === 'running')) Object.assign(j, change);
  }

  async target(chuyenMuc: string): Promise<LoudnessTarget | null> {
    return this.targets.get(chuyenMuc) ?? null;
  }

  async allTargets(): Promise<LoudnessTarget[]> {
    return [...this.targets.values()].sort((a, b) => a.chuyenMuc.localeCompare(b.chuyenMuc));
  }

  async saveTarget(row: LoudnessTarget): Promise<LoudnessTarget> {
    this.targets.set(row.chuyenMuc, { ...row });
    return { ...row };
  }

  async deleteTarget(chuyenMuc: string): Promise<boolean> {
    return this.targets.delete(chuyenMuc);
  }
}
