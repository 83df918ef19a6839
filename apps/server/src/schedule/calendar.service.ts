import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { describeRecurrence } from '@loa/schedule';
import ical, { ICalEventStatus } from 'ical-generator';
import { AccessPolicy, reachOf, reaches } from '../access/access-policy';
import { hashToken } from '../auth/password';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { LoaError } from '../common/errors';
import { StationsService } from '../stations/stations.service';
import { UnitsService } from '../units/units.service';
import { CalendarToken } from './calendar-token.entity';
import { CalendarRepository } from './calendar.repository';
import { recurrenceOf } from './expand';
import { CALENDAR_LINK_DEFAULT_DAYS } from './dto/calendar-token.dto';
import { ScheduleQueries } from './schedule-queries.service';
import { fromInstant, toInstant } from '@loa/protocol';

const DAY = 24 * 3600_000;
/** What a subscribed phone shows: the last month, and CALENDAR_FEED_DAYS ahead. */
const FEED_PAST_MS = 31 * DAY;
/** Roles that issue calendar links; a link dies when its maker no longer holds one. */
const ISSUERS: readonly string[] = ['admin', 'editor', 'approver', 'operator'];
const GONE = 'Liên kết lịch không đúng, đã hết hạn hoặc đã bị thu hồi.';
const PRIORITY_LABELS = { normal: 'thông thường', priority: 'ưu tiên', emergency: 'khẩn cấp' } as const;

/** iCalendar feeds of a station's or a unit's approved airings, behind a secret link staff subscribe to. */
@Injectable()
export class CalendarService {
  constructor(
    private readonly store: CalendarRepository,
    private readonly clock: Clock,
    @Inject(StationsService) private readonly stations: Pick<StationsService, 'get'>,
    @Inject(UnitsService) private readonly units: Pick<UnitsService, 'get' | 'subtreeIds'>,
    @Inject(ScheduleQueries) private readonly schedule: Pick<ScheduleQueries, 'plannedAirings'>,
    @Inject(AppConfig) private readonly config: Pick<AppConfig, 'calendarFeedAheadMs'>,
    @Inject(AccessPolicy) private readonly access: Pick<AccessPolicy, 'requireAccess' | 'filterOwned' | 'requireOwned'>,
  ) {}

  /**
   * A new secret link, valid for `days`; the token is in this answer only, the database keeps its hash.
   * The maker must reach the station or unit (checked by the guard on the route, and here again).
   */
  async issue(scope: 'station' | 'unit', refId: string, who: Principal, days = CALENDAR_LINK_DEFAULT_DAYS) {
    const unitId = scope === 'station' ? (await this.stations.get(refId)).unitId : (await this.units.get(refId)).id;
    await this.access.requireAccess(who, 'read', { kind: scope, unitId });
    const token = `loa_cal_${randomBytes(24).toString('base64url')}`;
    const now = this.clock.now();
    const expiresAt = toInstant(now + days * DAY);
    const row = await this.store.insert({ scope, refId, tokenHash: hashToken(token), createdBy: who.kind === 'user' ? who.userId : null, createdAt: toInstant(now), expiresAt, revokedAt: null });
    return { id: row.id, token, path: `/api/calendar/${token}.ics`, expiresAt };
  }

  /** The links `who` made; an admin with no unit sees everyone's, others those whose maker their unit reaches. */
  async list(who: Principal) {
    const rows = await this.store.all();
    const visible = await this.access.filterOwned(who, rows, (r) => r.createdBy, 'write');
    const now = this.clock.now();
    return visible.map((r) => ({
      id: r.id,
      scope: r.scope,
      refId: r.refId,
      createdBy: r.createdBy,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      revokedAt: r.revokedAt,
      active: r.revokedAt === null && (r.expiresAt === null || fromInstant(r.expiresAt) > now),
    }));
  }

  /** Revokes a link at once: its maker, or someone whose unit reaches the maker's. */
  async revoke(id: string, who: Principal) {
    const row = await this.store.get(id);
    if (!row) throw new LoaError('not_found', 'Không tìm thấy liên kết lịch này.');
    await this.access.requireOwned(who, 'write', row.createdBy, 'Bạn chỉ thu hồi được liên kết lịch do mình hoặc đơn vị mình tạo.');
    const revokedAt = row.revokedAt ?? this.clock.nowInstant();
    if (row.revokedAt === null) await this.store.revoke(id, revokedAt);
    return { id, revokedAt };
  }

  /**
   * A link works while it is neither revoked nor expired and its maker still may read what it shows:
   * not disabled, still in a role that issues links, and still in a unit that reaches the station or unit.
   */
  private async usable(row: CalendarToken): Promise<boolean> {
    if (row.revokedAt !== null) return false;
    if (row.expiresAt === null || fromInstant(row.expiresAt) <= this.clock.now()) return false;
    if (row.createdBy === null) return true;
    const maker = await this.store.maker(row.createdBy);
    if (!maker || maker.disabled || !ISSUERS.includes(maker.role)) return false;
    const units = await this.store.units();
    const unitId = row.scope === 'unit' ? row.refId : await this.store.stationUnit(row.refId);
    return reaches(reachOf(maker, units), unitId);
  }

  async feed(token: string): Promise<string> {
    const row = /^loa_cal_[A-Za-z0-9_-]{32}$/.test(token) ? await this.store.byHash(hashToken(token)) : null;
    if (!row || !(await this.usable(row))) throw new LoaError('not_found', GONE);
    const stationIds = row.scope === 'station' ? [row.refId] : await this.store.stationsInUnits(await this.units.subtreeIds(row.refId));
    const title = row.scope === 'station' ? (await this.stations.get(row.refId)).name : (await this.units.get(row.refId)).name;
    const now = this.clock.now();
    const airings = await this.schedule.plannedAirings(stationIds, now - FEED_PAST_MS, now + this.config.calendarFeedAheadMs);
    const [programmes, stations, slots] = await Promise.all([
      this.store.programmes(airings.map((a) => a.programmeId)),
      this.store.stationNames(stationIds),
      this.store.slots(airings.map((a) => a.slotId)),
    ]);
    // How each airing's slot repeats, in the same words the console uses.
    const when = new Map(slots.map((s) => [s.id, describeRecurrence(recurrenceOf(s))]));

    // One event per airing of a slot; a unit's feed lists the stations it airs on.
    const bySlotAndTime = new Map<string, typeof airings>();
    for (const a of airings) {
      const key = `${a.slotId}@${toInstant(a.at)}`;
      bySlotAndTime.set(key, [...(bySlotAndTime.get(key) ?? []), a]);
    }
    // Instants in UTC: the phone shows them in its own zone, with nothing to get wrong here.
    const cal = ical({ name: `Lịch phát thanh: ${title}`, prodId: { company: 'Loa', product: 'lich-phat-thanh', language: 'VI' } });
    for (const [key, group] of [...bySlotAndTime].sort((x, y) => x[1][0].at - y[1][0].at)) {
      const a = group[0];
      const programme = programmes.find((p) => p.id === a.programmeId);
      const where = group.map((g) => stations.find((s) => s.id === g.stationId)?.name ?? '').sort();
      cal.createEvent({
        id: `${key}@loa`,
        start: new Date(a.at),
        end: new Date(a.at + Math.max(a.durationMs, 60_000)),
        summary: programme?.title ?? 'Chương trình',
        description: [`Chuyên mục: ${programme?.chuyenMuc ?? ''}`, `Mức ưu tiên: ${PRIORITY_LABELS[a.priority]}`, `Trạm: ${where.join(', ')}`, `Lịch phát: ${when.get(a.slotId) ?? ''}`].join('\n'),
        location: where.join(', '),
        status: ICalEventStatus.CONFIRMED,
      });
    }
    return cal.toString();
  }
}
