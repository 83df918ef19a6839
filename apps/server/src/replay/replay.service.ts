import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import type { BroadcastFile } from '../media/media.service';
import { MediaService } from '../media/media.service';
import { ScheduleQueries } from '../schedule/schedule-queries.service';
import { ReplayLimiter } from './replay-limiter';
import { ReplayRepository, type ReplayUnit } from './replay.repository';
import { toInstant } from '@loa/protocol';

const DAY = 24 * 3600_000;
/** Enough for a fortnight of two airings a day on a commune's few stations; more is not a schedule to read. */
const MAX_UPCOMING = 50;
/** A unit's public code, as units are given one. */
const SLUG = /^[A-Za-z0-9_.-]{1,50}$/;
const AUDIO_FILE = /^([0-9a-f]{32})\.mp3$/;
const NO_PAGE = 'Không có trang nghe lại này. Hãy kiểm tra lại địa chỉ.';

/** One programme heard again: its latest airing in the period and how many times it aired. */
export interface ReplayItem {
  /** Stable and opaque: names the programme in the audio address and the feed's guid without its internal id. */
  key: string;
  title: string;
  chuyenMuc: string;
  description: string;
  lastAiredAt: string;
  airings: number;
  durationMs: number;
  size: number;
}

export interface UpcomingItem {
  title: string;
  chuyenMuc: string;
  at: string;
}

export interface ReplayPage {
  unit: { name: string; kind: string; slug: string };
  days: number;
  maxDays: number;
  items: ReplayItem[];
  upcoming: UpcomingItem[];
}

/** The key a programme goes by on the public pages. */
export function replayKey(programmeId: string): string {
  return createHash('sha256').update(`loa-nghe-lai\u0000${programmeId}`).digest('hex').slice(0, 32);
}

/**
 * The commune's public replay ("Nghe lại"): what aired on its stations in the last days, among programmes
 * marked public, and what is coming. Reached by the unit's public code; reads nothing a visitor names
 * beyond that code, a number of days and a key it was given, so it shows nothing else.
 */
@Injectable()
export class ReplayService {
  private readonly limiter: ReplayLimiter;

  constructor(
    private readonly store: ReplayRepository,
    private readonly clock: Clock,
    @Inject(AppConfig) private readonly config: Pick<AppConfig, 'replay'>,
    @Inject(ScheduleQueries) private readonly schedule: Pick<ScheduleQueries, 'plannedAirings'>,
    @Inject(MediaService) private readonly media: Pick<MediaService, 'fileFor'>,
  ) {
    this.limiter = new ReplayLimiter(config.replay.ratePerMinute, () => clock.now());
  }

  /** Refuses the request with 429 when its address has asked too often in the last minute. */
  async admit(address: string): Promise<void> {
    const wait = await this.limiter.admit(address);
    if (wait !== null) {
      throw new LoaError('too_many_requests', `Bạn mở trang nghe lại quá nhiều lần. Hãy thử lại sau ${wait} giây.`, { retryAfterSeconds: wait });
    }
  }

  /** `?days=`: absent for the default (REPLAY_DAYS), else a whole number from 1 to it. */
  parseDays(raw: unknown): number {
    const max = this.config.replay.days;
    if (raw === undefined || raw === '') return max;
    if (typeof raw !== 'string' || !/^\d{1,3}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
      throw new LoaError('validation_failed', `Số ngày (days) phải là số nguyên từ 1 đến ${max}.`, { field: 'days', max });
    }
    return Number(raw);
  }

  /**
   * The unit a public code names. A commune merged into another answers with the one that took it over
   * (`movedTo`), so an old link still leads to its stations; a dissolved or unknown one is not there.
   */
  async unitFor(slug: string): Promise<{ unit: ReplayUnit; movedTo: string | null }> {
    let unit = SLUG.test(slug) ? await this.store.unitByCode(slug) : null;
    if (!unit) throw new LoaError('not_found', NO_PAGE);
    const first = unit;
    for (let hop = 0; unit.retiredAt !== null && hop < 10; hop++) {
      const next: ReplayUnit | null = unit.mergedIntoId ? await this.store.unit(unit.mergedIntoId) : null;
      if (!next) throw new LoaError('not_found', NO_PAGE);
      unit = next;
    }
    if (unit.retiredAt !== null || unit.code === null) throw new LoaError('not_found', NO_PAGE);
    return { unit, movedTo: unit === first ? null : unit.code };
  }

  async page(unit: ReplayUnit, days: number): Promise<ReplayPage> {
    const stationIds = await this.store.stationsOf(unit.id);
    const [items, upcoming] = await Promise.all([this.aired(stationIds, days), this.upcoming(stationIds)]);
    return { unit: { name: unit.name, kind: unit.kind, slug: unit.code ?? '' }, days, maxDays: this.config.replay.days, items, upcoming };
  }

  /** The broadcast file of a public programme that aired at the unit in the longest period the page shows. */
  async audio(unit: ReplayUnit, file: string): Promise<BroadcastFile> {
    const key = AUDIO_FILE.exec(file)?.[1];
    const notFound = () => new LoaError('not_found', 'Không có bản ghi này để nghe lại, hoặc bản ghi đã quá hạn.');
    if (!key) throw notFound();
    const found = await this.airedWithFiles(await this.store.stationsOf(unit.id), this.config.replay.days);
    const item = found.find((f) => f.item.key === key);
    if (!item) throw notFound();
    return this.media.fileFor(item.sha256);
  }

  private async aired(stationIds: readonly string[], days: number): Promise<ReplayItem[]> {
    return (await this.airedWithFiles(stationIds, days)).map((f) => f.item);
  }

  private async airedWithFiles(stationIds: readonly string[], days: number): Promise<{ item: ReplayItem; sha256: string }[]> {
    const since = toInstant(this.clock.now() - days * DAY);
    const lines = await this.store.airedLines(stationIds, since);
    const programmes = await this.store.publicProgrammes(lines.map((l) => l.programmeId));
    const files = new Map((await this.store.readyFiles(programmes.map((p) => p.mediaAssetId))).map((f) => [f.id, f]));
    const out: { item: ReplayItem; sha256: string }[] = [];
    for (const p of programmes) {
      const file = files.get(p.mediaAssetId);
      if (!file) continue;
      const times = lines.filter((l) => l.programmeId === p.id).map((l) => l.actualStart).sort();
      out.push({
        sha256: file.sha256,
        item: { key: replayKey(p.id), title: p.title, chuyenMuc: p.chuyenMuc, description: p.description, lastAiredAt: times[times.length - 1], airings: times.length, durationMs: file.durationMs, size: file.size },
      });
    }
    return out.sort((a, b) => b.item.lastAiredAt.localeCompare(a.item.lastAiredAt) || a.item.key.localeCompare(b.item.key));
  }

  /** Public programmes coming on the unit's stations; khẩn cấp airings are announced on air, not here. */
  private async upcoming(stationIds: readonly string[]): Promise<UpcomingItem[]> {
    const now = this.clock.now();
    if (!stationIds.length || this.config.replay.aheadMs === 0) return [];
    const airings = (await this.schedule.plannedAirings(stationIds, now, now + this.config.replay.aheadMs)).filter((a) => a.priority !== 'emergency');
    const programmes = new Map((await this.store.publicProgrammes(airings.map((a) => a.programmeId))).map((p) => [p.id, p]));
    const seen = new Set<string>();
    const out: UpcomingItem[] = [];
    for (const a of [...airings].sort((x, y) => x.at - y.at)) {
      const p = programmes.get(a.programmeId);
      // The same airing on two stations of the commune is one line for a resident.
      if (!p || seen.has(`${a.programmeId}@${a.at}`)) continue;
      seen.add(`${a.programmeId}@${a.at}`);
      out.push({ title: p.title, chuyenMuc: p.chuyenMuc, at: toInstant(a.at) });
      if (out.length === MAX_UPCOMING) break;
    }
    return out;
  }
}
