import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { describeRecurrence } from '@loa/schedule';
import ical, { ICalEventStatus } from 'ical-generator';
import { DataSource, In } from 'typeorm';
import { hashToken } from '../auth/password';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { LoaError } from '../common/errors';
import { Programme } from '../programmes/programme.entity';
import { Station } from '../stations/station.entity';
import { StationsService } from '../stations/stations.service';
import { UnitsService } from '../units/units.service';
import { CalendarToken } from './calendar-token.entity';
import { recurrenceOf } from './expand';
import { Slot } from './slot.entity';
import { ScheduleService } from './schedule.service';

const DAY = 24 * 3600_000;
/** What a subscribed phone shows: the last month, and CALENDAR_FEED_DAYS ahead. */
const FEED_PAST_MS = 31 * DAY;
const PRIORITY_LABELS = { normal: 'thông thường', priority: 'ưu tiên', emergency: 'khẩn cấp' } as const;

/** iCalendar feeds of a station's or a unit's approved airings, behind a secret link staff subscribe to. */
@Injectable()
export class CalendarService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly stations: StationsService,
    private readonly units: UnitsService,
    private readonly schedule: ScheduleService,
    private readonly config: AppConfig,
  ) {}

  /** A new secret link; the token is in this answer only, the database keeps its hash. */
  async issue(scope: 'station' | 'unit', refId: string, userId: string | null) {
    if (scope === 'station') await this.stations.get(refId);
    else await this.units.get(refId);
    const token = `loa_cal_${randomBytes(24).toString('base64url')}`;
    await this.db.getRepository(CalendarToken).insert({ scope, refId, tokenHash: hashToken(token), createdBy: userId, createdAt: this.clock.nowInstant() });
    return { token, path: `/api/calendar/${token}.ics` };
  }

  async feed(token: string): Promise<string> {
    const row = /^loa_cal_[A-Za-z0-9_-]{32}$/.test(token) ? await this.db.getRepository(CalendarToken).findOneBy({ tokenHash: hashToken(token) }) : null;
    if (!row) throw new LoaError('not_found', 'Liên kết lịch không đúng hoặc đã bị thu hồi.');
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
