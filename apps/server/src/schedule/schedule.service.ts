import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { Priority, ScheduleSnapshot, SlotSource } from '@loa/protocol';
import { AppConfig } from '../config/app-config';
import { LoaError } from '../common/errors';
import { DomainEvents } from '../common/events';
import { Clock } from '../common/clock';
import { MediaService } from '../media/media.service';
import { Programme } from '../programmes/programme.entity';
import { Station } from '../stations/station.entity';
import { StationsService } from '../stations/stations.service';
import { AiringRow, buildSnapshot, occurrenceIdOf } from './snapshot';
import { Slot, SlotTarget } from './slot.entity';
import { parseAuthoredInstant } from './zoned-time';

export interface NewSlot {
  programmeId: string;
  startAt: string;
  stationIds: string[];
  priority?: Priority;
  source?: SlotSource;
}

export interface SlotFilter {
  stationId?: string;
  from?: string;
  to?: string;
}

/** Snapshots reach back this far, so an agent that was briefly away still learns what it missed. */
const SNAPSHOT_LOOKBACK_MS = 6 * 3600 * 1000;

@Injectable()
export class ScheduleService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly stations: StationsService,
    private readonly media: MediaService,
    private readonly events: DomainEvents,
  ) {}

  async create(input: NewSlot, userId: string | null) {
    const start = parseAuthoredInstant(input.startAt, this.config.timezone);
    if (start === null) throw new LoaError('validation_failed', 'Thời điểm phát không hợp lệ.', { field: 'startAt' });
    if (start < this.clock.now()) throw new LoaError('slot_in_past', 'Không thể xếp lịch phát vào thời điểm đã qua.');

    const programme = await this.db.getRepository(Programme).findOneBy({ id: input.programmeId });
    if (!programme) throw new LoaError('not_found', 'Không tìm thấy chương trình này.');
    const asset = await this.media.requireReady(programme.mediaAssetId);
    await this.stations.requireAll(input.stationIds);

    const startAt = new Date(start).toISOString();
    const durationMs = asset.durationMs ?? 0;
    const endAt = new Date(start + durationMs).toISOString();

    const slot = await this.db.transaction(async (m) => {
      const clashes = await m
        .createQueryBuilder(Slot, 'slot')
        .innerJoin(SlotTarget, 't', 't.slotId = slot.id')
        .innerJoin(Station, 'station', 'station.id = t.stationId')
        .innerJoin(Programme, 'p', 'p.id = slot.programmeId')
        .select(['slot.id AS slotId', 'slot.startAt AS startAt', 'slot.endAt AS endAt', 'p.title AS title'])
        .addSelect(['station.id AS stationId', 'station.name AS stationName'])
        .where('t.stationId IN (:...ids)', { ids: input.stationIds })
        .andWhere('slot.status = :status', { status: 'scheduled' })
        .andWhere('slot.startAt < :endAt AND slot.endAt > :startAt', { startAt, endAt })
        .getRawMany<{ slotId: string; startAt: string; endAt: string; title: string; stationId: string; stationName: string }>();
      if (clashes.length) {
        throw new LoaError('conflict', 'Lịch phát bị trùng với chương trình khác trên cùng trạm.', { clashes });
      }
      const now = this.clock.nowInstant();
      const saved = await m.save(
        m.create(Slot, {
          programmeId: programme.id,
          startAt,
          endAt,
          durationMs,
          priority: input.priority ?? 'normal',
          source: input.source ?? 'relay',
          status: 'scheduled',
          createdBy: userId,
          createdAt: now,
          updatedAt: now,
        }),
      );
      await m.insert(
        SlotTarget,
        input.stationIds.map((stationId) => ({ slotId: saved.id, stationId })),
      );
      await m.increment(Station, { id: In(input.stationIds) }, 'scheduleVersion', 1);
      return saved;
    });
    this.events.emit({ type: 'schedule.changed', stationIds: input.stationIds });
    return { ...slot, stationIds: input.stationIds };
  }

  async cancel(id: string) {
    const { slot, stationIds } = await this.db.transaction(async (m) => {
      const slot = await m.findOneBy(Slot, { id });
      if (!slot) throw new LoaError('not_found', 'Không tìm thấy lịch phát này.');
      const stationIds = (await m.findBy(SlotTarget, { slotId: id })).map((t) => t.stationId);
      if (slot.status === 'cancelled') return { slot, stationIds };
      slot.status = 'cancelled';
      slot.updatedAt = this.clock.nowInstant();
      await m.save(slot);
      if (stationIds.length) await m.increment(Station, { id: In(stationIds) }, 'scheduleVersion', 1);
      return { slot, stationIds };
    });
    this.events.emit({ type: 'schedule.changed', stationIds });
    return { ...slot, stationIds };
  }

  async list(filter: SlotFilter) {
    const qb = this.db
      .getRepository(Slot)
      .createQueryBuilder('slot')
      .orderBy('slot.startAt', 'ASC')
      .take(1000);
    if (filter.stationId) qb.innerJoin(SlotTarget, 't', 't.slotId = slot.id AND t.stationId = :sid', { sid: filter.stationId });
    if (filter.from) qb.andWhere('slot.startAt >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('slot.startAt < :to', { to: filter.to });
    const slots = await qb.getMany();
    const targets = slots.length ? await this.db.getRepository(SlotTarget).findBy({ slotId: In(slots.map((s) => s.id)) }) : [];
    return slots.map((s) => ({ ...s, stationIds: targets.filter((t) => t.slotId === s.id).map((t) => t.stationId) }));
  }

  /** What the station's agent should hold now. */
  async snapshotFor(stationId: string): Promise<ScheduleSnapshot> {
    const station = await this.stations.get(stationId);
    const now = this.clock.now();
    const from = new Date(now - SNAPSHOT_LOOKBACK_MS).toISOString();
    const to = new Date(now + this.config.scheduleWindowMs).toISOString();
    const rows = await this.airings(stationId, from, to);
    return buildSnapshot(stationId, station.scheduleVersion, rows, { from, to, now: new Date(now).toISOString() });
  }

  /** The slot and programme facts behind one occurrence on one station, or null if it is not theirs. */
  async occurrence(stationId: string, slotId: string, occurrenceId: string) {
    const target = await this.db.getRepository(SlotTarget).findOneBy({ slotId, stationId });
    if (!target) return null;
    const slot = await this.db.getRepository(Slot).findOneBy({ id: slotId });
    if (!slot || occurrenceIdOf(slot.id, slot.startAt) !== occurrenceId) return null;
    const programme = await this.db.getRepository(Programme).findOneByOrFail({ id: slot.programmeId });
    return { slot, programme };
  }

  private async airings(stationId: string, from: string, to: string): Promise<AiringRow[]> {
    const rows = await this.db
      .getRepository(Slot)
      .createQueryBuilder('slot')
      .innerJoin(SlotTarget, 't', 't.slotId = slot.id AND t.stationId = :stationId', { stationId })
      .innerJoin(Programme, 'p', 'p.id = slot.programmeId')
      .innerJoin('media_asset', 'a', 'a.id = p.mediaAssetId')
      .select([
        'slot.id AS slotId',
        'slot.startAt AS startAt',
        'slot.durationMs AS durationMs',
        'slot.priority AS priority',
        'slot.source AS source',
        'p.id AS programmeId',
        'p.title AS title',
        'p.chuyenMuc AS chuyenMuc',
        'a.sha256 AS sha256',
        'a.size AS size',
        'a.durationMs AS mediaDurationMs',
      ])
      .where('slot.status = :status', { status: 'scheduled' })
      .andWhere('slot.startAt >= :from AND slot.startAt < :to', { from, to })
      .getRawMany<AiringRow>();
    return rows.map((r) => ({ ...r, durationMs: Number(r.durationMs), size: Number(r.size), mediaDurationMs: Number(r.mediaDurationMs) }));
  }
}

