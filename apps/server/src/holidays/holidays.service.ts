import { Injectable } from '@nestjs/common';
import type { HolidayRule, HolidayView } from '@loa/api-types';
import type { Priority } from '@loa/protocol';
import { occurrencesBetween } from '@loa/schedule';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { firstQuietBreach, holidayCalendar, loadHolidayCalendar, publicHolidays, yearsAround, type AiringRules, type QuietHours } from '../schedule/day-rules';
import { recurrenceOf, type SlotRule } from '../schedule/expand';
import { formatLocal } from '../schedule/zoned-time';
import { HolidaysRepository } from './holidays.repository';
import { dayOf, fromDay, fromInstant, toInstant } from '@loa/protocol';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** How far ahead a recurring slot is checked against quiet hours. */
/** A station with quiet hours, as the quiet-hour check reads it. */
export type QuietStation = Awaited<ReturnType<HolidaysRepository['stationRules']>>['quiet'][number];

const QUIET_HORIZON_MS = 400 * 86_400_000;
const MAX_LIST_DAYS = 400;

/** A real calendar date written YYYY-MM-DD, or null. */
export function calendarDate(text: unknown): string | null {
  if (typeof text !== 'string' || !DATE.test(text)) return null;
  const t = fromDay(text);
  return Number.isNaN(t) || dayOf(t) !== text ? null : text;
}

/** Public holidays, the days off the government declares, and the stations' quiet hours, for the schedule. */
@Injectable()
export class HolidaysService {
  constructor(
    private readonly repo: HolidaysRepository,
    private readonly config: AppConfig,
    private readonly access: AccessPolicy,
    private readonly clock: Clock,
  ) {}

  /**
   * What decides which airings of [from, to) stay on the air. The holidays are worked out only when one of
   * `slots` skips or moves off them.
   */
  async rulesFor(from: number, to: number, slots: readonly { holidayRule?: HolidayRule }[]): Promise<AiringRules> {
    const needHolidays = slots.some((s) => s.holidayRule !== undefined && s.holidayRule !== 'play');
    const [declared, stations] = await Promise.all([needHolidays ? this.repo.daysOff() : [], this.repo.stationRules()]);
    if (needHolidays) await loadHolidayCalendar();
    return {
      holidays: needHolidays ? holidayCalendar(yearsAround(from, to), declared) : new Map(),
      quiet: new Map(stations.quiet.map((s) => [s.id, { start: s.quietStart!, end: s.quietEnd! }])),
      timeZone: this.config.timezone,
      disabled: new Set(stations.disabled),
    };
  }

  /** The days off between two local dates (both included), public and declared, by date. */
  async list(fromText: unknown, toText: unknown): Promise<HolidayView[]> {
    const from = calendarDate(fromText);
    const to = calendarDate(toText);
    if (!from || !to) throw new LoaError('validation_failed', 'Ngày bắt đầu và ngày kết thúc phải có dạng NNNN-TT-NN (ví dụ 2027-02-06).');
    if (to < from) throw new LoaError('validation_failed', 'Ngày kết thúc phải không trước ngày bắt đầu.');
    if (fromInstant(to) - fromInstant(from) > MAX_LIST_DAYS * 86_400_000) throw new LoaError('validation_failed', `Chỉ xem được tối đa ${MAX_LIST_DAYS} ngày một lần.`);
    await loadHolidayCalendar();
    const out: HolidayView[] = [];
    for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
      for (const h of publicHolidays(y)) if (h.date >= from && h.date <= to) out.push({ date: h.date, name: h.name, kind: 'public' });
    }
    for (const d of await this.repo.daysOff(from, to)) out.push({ id: d.id, date: d.date, name: d.name, kind: 'declared' });
    return out.sort((a, b) => a.date.localeCompare(b.date) || a.kind.localeCompare(b.kind));
  }

  /** A day off the government declared; applies to every unit, so only staff bound to no unit enter it. */
  async declare(input: { date: string; name: string }, who: Principal) {
    await this.access.requireAccess(who, 'write', { kind: 'nationwide' }, 'Chỉ quản trị viên cấp cao nhất (không gắn với đơn vị) mới khai báo được ngày nghỉ áp dụng cho cả nước.');
    const date = calendarDate(input.date);
    if (!date) throw new LoaError('validation_failed', 'Ngày nghỉ phải là một ngày có thật, dạng NNNN-TT-NN.', { field: 'date' });
    if (await this.repo.dayOffOn(date)) throw new LoaError('conflict', `Ngày ${date} đã được khai báo là ngày nghỉ.`);
    const row = await this.repo.addDayOff({ date, name: input.name.trim(), createdBy: who.kind === 'user' ? who.userId : null, createdAt: this.clock.nowInstant() });
    return { id: row.id, date: row.date, name: row.name, kind: 'declared' as const };
  }

  async remove(id: string, who: Principal): Promise<void> {
    // Days off are public (GET /api/holidays lists them to everyone): saying one is absent reveals nothing.
    if (!(await this.repo.dayOff(id))) throw new LoaError('not_found', 'Không tìm thấy ngày nghỉ này.');
    await this.access.requireAccess(who, 'write', { kind: 'nationwide' }, 'Chỉ quản trị viên cấp cao nhất (không gắn với đơn vị) mới xoá được ngày nghỉ đã khai báo.');
    await this.repo.removeDayOff(id);
  }

  /**
   * The stations with quiet hours. Read before a transaction whose checks need them: a read on another
   * connection from inside a transaction can wait forever for a pool that open transactions hold.
   */
  async quietStations(): Promise<QuietStation[]> {
    return (await this.repo.stationRules()).quiet;
  }

  /**
   * Refuses (422 `quiet_hours`) a normal or priority slot with an airing inside the quiet hours of one of
   * its stations: only khẩn cấp may sound then.
   */
  async refuseQuietHours(slot: SlotRule & { durationMs: number; priority: Priority; endAt: string }, stationIds: readonly string[], now: number, quiet?: QuietStation[]): Promise<void> {
    if (slot.priority === 'emergency' || !stationIds.length) return;
    const wanted = new Set(stationIds);
    const stations = (quiet ?? (await this.quietStations())).filter((s) => wanted.has(s.id));
    if (!stations.length) return;
    const from = Math.max(now, fromInstant(slot.startAt));
    const to = Math.min(fromInstant(slot.endAt), from + QUIET_HORIZON_MS);
    if (to <= from) return;
    const quietOf = (s: (typeof stations)[number]): QuietHours => ({ start: s.quietStart!, end: s.quietEnd! });
    const breach = firstQuietBreach(
      occurrencesBetween(recurrenceOf(slot), from, to),
      slot.durationMs,
      slot.priority,
      stations.map((s) => ({ id: s.id, quiet: quietOf(s) })),
      this.config.timezone,
    );
    if (!breach) return;
    const station = stations.find((s) => s.id === breach.stationId)!;
    throw new LoaError(
      'quiet_hours',
      `Trạm "${station.name}" có giờ yên lặng từ ${breach.quiet.start} đến ${breach.quiet.end}: trong khoảng này chỉ được phát chương trình khẩn cấp. Buổi phát lúc ${formatLocal(breach.at, this.config.timezone).slice(0, 16).replace(/^(\S+) (\S+)$/, '$2 ngày $1')} rơi vào giờ yên lặng.`,
      { field: 'startAt', stationId: station.id, stationName: station.name, airingAt: toInstant(breach.at), quietStart: breach.quiet.start, quietEnd: breach.quiet.end },
    );
  }
}
