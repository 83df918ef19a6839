import { AccessPolicy } from '../access/access-policy';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { LanguagesService } from '../languages/languages.service';
import type { IssuedStationToken, StationView } from '@loa/api-types';
import { isAgentOutdated } from '@loa/protocol';
import { hashToken, newStationToken } from '../auth/password';
import type { Principal } from '../auth/principal';
import { Batched } from '../common/batched';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { DomainEvents } from '../common/events';
import { UnitsService } from '../units/units.service';
import { Station } from './station.entity';
import type { AgentHealth } from '@loa/protocol';
import { minutesOf } from '../schedule/day-rules';
import { StationsRepository, type AgentState, type SeenReport, type StationChange } from './stations.repository';

export type { AgentState } from './stations.repository';

export interface NewStation {
  unitId: string;
  name: string;
  code: string;
}

/** A rename, a move to another unit, or new quiet hours (null clears them). */
export interface StationEdit {
  name?: string;
  unitId?: string;
  quietStart?: string | null;
  quietEnd?: string | null;
  /** Language codes, preferred first; empty: Vietnamese only. */
  languages?: string[];
}

/** Tokens per lookup, and how long a lookup waits for others: an agent waits a few milliseconds more, a storm of them costs a few statements. */
const TOKENS_PER_BATCH = 500;
const GATHER_MS = 20;

@Injectable()
export class StationsService implements BeforeApplicationShutdown {
  private readonly seen = new Map<string, SeenReport>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly log = new Logger('Stations');

  constructor(
    private readonly units: UnitsService,
    private readonly events: DomainEvents,
    private readonly access: AccessPolicy,
    private readonly repository: StationsRepository,
    @Inject(LanguagesService) private readonly languages: Pick<LanguagesService, 'checkPreference'>,
    private readonly clock: Clock,
  ) {}

  /** Creates the station and its agent token; the token is in this answer and nowhere else, ever. */
  async create(input: NewStation, who?: Principal): Promise<IssuedStationToken> {
    if (who) await this.access.requireUnit(who, input.unitId, 'write');
    await this.units.requireLive(input.unitId);
    if (await this.repository.codeTaken(input.code)) {
      throw new LoaError('conflict', `Mã trạm "${input.code}" đã được dùng.`);
    }
    const token = newStationToken();
    const station = await this.repository.insert({
        unitId: input.unitId,
        name: input.name,
        code: input.code,
        tokenHash: hashToken(token),
        tokenHint: token.slice(0, 12),
        tokenIssuedAt: this.clock.nowInstant(),
        scheduleVersion: 0,
        lastSeenAt: null,
        agentVersion: null,
        enrolledAt: null,
        createdAt: this.clock.nowInstant(),
        disabledAt: null,
        quietStart: null,
        quietEnd: null,
        languages: '',
      });
    this.events.emit({ type: 'station.created', stationId: station.id });
    return { station: toPublicStation(station), token };
  }

  /** A new token replaces the old one at once; an agent connected with the old one is dropped. */
  async rotateToken(id: string): Promise<IssuedStationToken> {
    const station = await this.get(id);
    const token = newStationToken();
    await this.repository.update(id, { tokenHash: hashToken(token), tokenHint: token.slice(0, 12), tokenIssuedAt: this.clock.nowInstant() });
    this.events.emit({ type: 'station.token-revoked', stationId: id });
    return { station: toPublicStation({ ...station, tokenHint: token.slice(0, 12) }), token };
  }

  async revokeToken(id: string) {
    await this.get(id);
    await this.repository.update(id, { tokenHash: null, tokenHint: null, tokenIssuedAt: null });
    this.events.emit({ type: 'station.token-revoked', stationId: id });
    return toPublicStation(await this.get(id));
  }

  /** The station whose agent holds this token; none while the station is disabled. */
  /**
   * The station a token belongs to, unless it is disabled. Tokens presented together (agents reconnecting
   * at once) are looked up together, a few hundred per statement.
   */
  async findByToken(token: string): Promise<Station | null> {
    const station = await this.byToken.get(hashToken(token));
    return station && !station.disabledAt ? station : null;
  }

  private readonly byToken = new Batched<string, Station>(
    async (hashes) => new Map((await this.repository.byTokenHashes(hashes)).map((s) => [s.tokenHash!, s])),
    TOKENS_PER_BATCH,
    GATHER_MS,
  );

  /** The stations that exist among `ids`, read together. */
  byIds(ids: readonly string[]): Promise<Station[]> {
    return this.repository.byIds(ids);
  }

  /**
   * Renames a station, moves it to another unit (its logbook lines keep the names they were written
   * with), or sets its quiet hours or its language preference. Its look-ahead is rebuilt: slots aimed at its old unit leave it.
   */
  async update(id: string, edit: StationEdit, who: Principal) {
    const station = await this.get(id);
    await this.access.requireAccess(who, 'write', { kind: 'station', unitId: station.unitId });
    const change: StationChange = {};
    if (edit.name !== undefined) change.name = edit.name.trim();
    if (edit.unitId !== undefined && edit.unitId !== station.unitId) {
      await this.units.requireLive(edit.unitId);
      await this.access.requireUnit(who, edit.unitId, 'write');
      change.unitId = edit.unitId;
    }
    if (edit.quietStart !== undefined || edit.quietEnd !== undefined) {
      const start = edit.quietStart ?? null;
      const end = edit.quietEnd ?? null;
      if ((start === null) !== (end === null)) throw new LoaError('validation_failed', 'Giờ yên lặng cần cả giờ bắt đầu và giờ kết thúc (hoặc bỏ trống cả hai).', { field: 'quietStart' });
      if (start !== null && end !== null) {
        if (minutesOf(start) === null || minutesOf(end) === null) throw new LoaError('validation_failed', 'Giờ yên lặng phải có dạng GG:PP, ví dụ 21:30.', { field: 'quietStart' });
        if (start === end) throw new LoaError('validation_failed', 'Giờ bắt đầu và kết thúc của giờ yên lặng phải khác nhau.', { field: 'quietEnd' });
      }
      change.quietStart = start;
      change.quietEnd = end;
    }
    if (edit.languages !== undefined) {
      const languages = (await this.languages.checkPreference(edit.languages)).join(',');
      if (languages !== station.languages) change.languages = languages;
    }
    if (Object.keys(change).length) await this.repository.update(id, change);
    // Which version of each programme it airs follows its languages: its agent is sent the schedule again.
    if (change.languages !== undefined) {
      await this.repository.raiseScheduleVersion(id);
      this.events.emit({ type: 'schedule.changed', stationIds: [id] });
    }
    this.events.emit({ type: 'stations.changed', stationIds: [id] });
    return toPublicStation(await this.get(id));
  }

  /** Takes a station off the air: its agent is disconnected and refused, and no airing reaches it. */
  async disable(id: string, who: Principal) {
    const station = await this.get(id);
    await this.access.requireAccess(who, 'write', { kind: 'station', unitId: station.unitId });
    if (!station.disabledAt) await this.repository.update(id, { disabledAt: this.clock.nowInstant() });
    this.events.emit({ type: 'station.token-revoked', stationId: id });
    this.events.emit({ type: 'stations.changed', stationIds: [id] });
    return toPublicStation(await this.get(id));
  }

  /** Puts a disabled station back on the air with its token as it was. */
  async enable(id: string, who: Principal) {
    const station = await this.get(id);
    await this.access.requireAccess(who, 'write', { kind: 'station', unitId: station.unitId });
    if (station.disabledAt) await this.repository.update(id, { disabledAt: null });
    this.events.emit({ type: 'stations.changed', stationIds: [id] });
    return toPublicStation(await this.get(id));
  }

  async get(id: string): Promise<Station> {
    const station = await this.repository.byId(id);
    if (!station) throw new LoaError('not_found', 'Không tìm thấy trạm này.');
    return station;
  }

  /** Every id must name a station; the error lists the ones that don't. */
  async requireAll(ids: string[]): Promise<Station[]> {
    const found = await this.repository.byIds(ids);
    const missing = ids.filter((id) => !found.some((s) => s.id === id));
    if (missing.length) throw new LoaError('not_found', 'Có trạm không tồn tại trong danh sách đã chọn.', { missing });
    return found;
  }

  /** Stations under `unitId` (all when absent), narrowed to what `who` may see. */
  async listFor(who: Principal, unitId?: string): Promise<StationView[]> {
    const wanted = unitId ? await this.units.subtreeIds(unitId) : undefined;
    const reach = await this.access.reach(who);
    if (reach.all) return this.list(wanted);
    const allowed = (wanted ?? [...reach.units]).filter((id) => reach.units.has(id));
    return allowed.length ? this.list(allowed) : [];
  }

  async list(unitIds?: string[]): Promise<StationView[]> {
    const [rows, codes] = await Promise.all([this.repository.inUnits(unitIds), this.repository.openEnrolments()]);
    return rows.map((s) => ({ ...toPublicStation(s), enrolmentExpiresAt: codes.get(s.id) ?? null }));
  }

  /**
   * Notes that a station's agent was heard from. Kept in memory and written in one transaction every few
   * seconds: after a server restart thousands of agents reconnect at once, and one synchronous commit
   * each would hold up everyone else.
   */
  markSeen(id: string, agentVersion: string | null, state: AgentState | null = null): void {
    const previous = this.seen.get(id);
    this.seen.set(id, { at: this.clock.nowInstant(), agentVersion: agentVersion ?? previous?.agentVersion ?? null, state: state ?? previous?.state ?? null, health: previous?.health ?? null });
    this.scheduleFlush();
  }

  /** Notes the box's own report (validated at the gateway), written with the next batch. */
  markHealthy(id: string, health: AgentHealth): void {
    const previous = this.seen.get(id);
    this.seen.set(id, { at: this.clock.nowInstant(), agentVersion: previous?.agentVersion ?? null, state: previous?.state ?? null, health });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => {
      this.flushSeen().catch((err: Error) => this.log.warn(`could not record when agents were last seen: ${err.message}`));
    }, SEEN_FLUSH_MS).unref();
  }

  async flushSeen(): Promise<void> {
    this.flushTimer = null;
    if (!this.seen.size) return;
    const batch = [...this.seen];
    this.seen.clear();
    // One statement per few hundred stations: after a restart thousands report at once, and a row-by-row
    // update would hold the event loop (and with it every live relay) for hundreds of milliseconds.
    await this.repository.recordSeen(batch);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.flushSeen();
  }
}

const SEEN_FLUSH_MS = 5000;

export function toPublicStation(s: Station): StationView & Pick<Station, 'tokenIssuedAt' | 'scheduleVersion' | 'createdAt'> {
  return {
    id: s.id,
    unitId: s.unitId,
    name: s.name,
    code: s.code,
    tokenHint: s.tokenHint,
    tokenIssuedAt: s.tokenIssuedAt,
    hasToken: s.tokenHash !== null,
    scheduleVersion: s.scheduleVersion,
    lastSeenAt: s.lastSeenAt,
    agentVersion: s.agentVersion,
    agentOutdated: isAgentOutdated(s.agentVersion),
    enrolledAt: s.enrolledAt,
    createdAt: s.createdAt,
    disabledAt: s.disabledAt,
    quietStart: s.quietStart,
    quietEnd: s.quietEnd,
    languages: languagesOf(s),
  };
}

/** A station's language preference as a list, preferred first. */
export function languagesOf(s: Pick<Station, 'languages'>): string[] {
  return s.languages ? s.languages.split(',') : [];
}
