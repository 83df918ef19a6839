import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { describeRecurrence } from '@loa/schedule';
import ical, { ICalEventStatus } from 'ical-generator';
import { DataSource, In } from 'typeorm';
import { AccessPolicy, reachOf, reaches } from '../access/access-policy';
import { hashToken } from '../auth/password';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { LoaError } from '../common/errors';
import { Programme } from '../programmes/programme.entity';
import { Station } from '../stations/station.entity';
import { StationsService } from '../stations/stations.service';
import { Unit } from '../units/unit.entity';
import { UnitsService } from '../units/units.service';
import { User } from '../users/user.entity';
import { CalendarToken } from './calendar-token.entity';
import { recurrenceOf } from './expand';
import { Slot } from './slot.entity';
import { CALENDAR_LINK_DEFAULT_DAYS } from './dto/calendar-token.dto';
import { ScheduleQueries } from './schedule-queries.service';

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
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly stations: StationsService,
    private readonly units: UnitsService,
    private readonly schedule: ScheduleQueries,
    private readonly config: AppConfig,
    private readonly access: AccessPolicy,
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
    const expiresAt = new Date(now + days * DAY).toISOString();
    const row = await this.db.getRepository(CalendarToken).save(
      this.db.getRepository(CalendarToken).create({ scope, refId, tokenHash: hashToken(token), createdBy: who.kind === 'user' ? who.userId : null, createdAt: new Date(now).toISOString(), expiresAt, revokedAt: null }),
    );
    return { id: row.id, token, path: `/api/calendar/${token}.ics`, expiresAt };
  }

  /** The links `who` made; an admin with no unit sees everyone's, others those whose maker their unit reaches. */
  async list(who: Principal) {
    const rows = await this.db.getRepository(CalendarToken).find({ order: { createdAt: 'DESC' } });
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
      active: r.revokedAt === null && (r.expiresAt === null || Date.parse(r.expiresAt) > now),
    }));
  }

  /** Revokes a link at once: its maker, or someone whose unit reaches the maker's. */
  async revoke(id: string, who: Principal) {
    const repo = this.db.getRepository(CalendarToken);
    const row = await repo.findOneBy({ id });
    if (!row) throw new LoaError('not_found', 'Không tìm thấy liên kết lịch này.');
    await this.access.requireOwned(who, 'write', row.createdBy, 'Bạn chỉ thu hồi được liên kết lịch do mình hoặc đơn vị mình tạo.');
    if (row.revokedAt === null) await repo.update({ id }, { revokedAt: this.clock.nowInstant() });
    return { id, revokedAt: (await repo.findOneByOrFail({ id })).revokedAt };
  }

  /**
   * A link works while it is neither revoked nor expired and its maker still may read what it shows:
   * not disabled, still in a role that issues links, and still in a unit that reaches the station or unit.
   */
  private async usable(row: CalendarToken): Promise<boolean> {
    if (row.revokedAt !== null) return false;
    if (row.expiresAt === null || Date.parse(row.expiresAt) <= this.clock.now()) return false;
    if (row.createdBy === null) return true;
    const maker = await this.db.getRepository(User).findOneBy({ id: row.createdBy });
    if (!maker || maker.disabled || !ISSUERS.includes(maker.role)) return false;
    const units = await this.db.getRepository(Unit).find({ select: { id: true, parentId: true } });
    const unitId = row.scope === 'unit' ? row.refId : (await this.db.getRepository(Station).findOneBy({ id: row.refId }))?.unitId;
    return reaches(reachOf(maker, units), unitId);
  }

  async feed(token: string): Promise<string> {
    const row = /^loa_cal_[A-Za-z0-9_-]{32}$/.test(token) ? await this.db.getRepository(CalendarToken).findOneBy({ tokenHash: hashToken(token) }) : null;
    if (!row || !(await this.usable(row))) throw new LoaError('not_found', GONE);
    const stationIds = row.scope === 'station' ? [row.refId] : (await this.db.getRepository(Station).findBy({ unitId: In(await this.units.subtreeIds(row.refId)) })).map((s) => s.id);
    const title = row.scope === 'station' ? (await this.stations.get(row.refId)).name : (await this.units.get(row.refId)).name;
    const now = this.clock.now();
    const airings = await this.schedule.plannedAirings(stationIds, now - FEED_PAST_MS, now + this.config.calendarFeedAheadMs);
    const programmes = airings.length ? await this.db.getRepository(Programme).findBy({ id: In([...new Set(airings.map((a) => a.programmeId))]) }) : [];
    const stations = stationIds.length ? await this.db.getRepository(Station).findBy({ id: In(stationIds) }) : [];
    const slots = airings.length ? await this.db.getRepository(Slot).findBy({ id: In([...new Set(airings.map((a) => a.slotId))]) }) : [];
    // How each airing's slot repeats, in the same words the console uses.
    const when = new Map(slots.map((s) => [s.id, describeRecurrence(recurrenceOf(s))]));

    // One event per airing of a slot; a unit's feed lists the stations it airs on.
    const bySlotAndTime = new Map<string, typeof airings>();
    for (const a of airings) {
      const key = `${a.slotId}@${new Date(a.at).toISOString()}`;
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
