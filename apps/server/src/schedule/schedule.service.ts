import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager, In, LessThan } from 'typeorm';
import type { Priority, ScheduleSnapshot, SlotSource, StartMode } from '@loa/protocol';
import {
  END_OF_TIME,
  findClashes,
  isTimeZone,
  RecurrenceError,
  resolveTimeline,
  seriesBounds,
  validateRecurrence,
  wallOf,
  type Booking,
  type Playable,
} from '@loa/schedule';
import { AppConfig } from '../config/app-config';
import { LoaError } from '../common/errors';
import { DomainEvents } from '../common/events';
import { Clock } from '../common/clock';
import { MediaService } from '../media/media.service';
import { Programme } from '../programmes/programme.entity';
import { ChuyenMuc } from '../programmes/chuyen-muc.entity';
import { SpeakerCluster, StationGroup, StationGroupMember } from '../stations/station-group.entity';
import { Station } from '../stations/station.entity';
import { StationsService } from '../stations/stations.service';
import { Unit } from '../units/unit.entity';
import { AiringsRepository } from './airings.repository';
import { airingsOf, Expansions } from './expand';
import { AccessPolicy, mayApprove, mayAuthor, mayEditAiring, OUTSIDE_UNIT, ownStationsOf, reachOf, type Actor, type OwnStations, type SlotScope } from '../access/access-policy';
import { AiringRow, buildSnapshot, instantOfOccurrence, occurrenceIdOf } from './snapshot';
import { Airing, Slot, SlotAction, SlotOverride, SlotTarget, SlotTargetRef, type SlotStatus, type TargetKind } from './slot.entity';
import { resolveTargets, type TargetRef, type TargetWorld } from './targets';
import { parseAuthoredInstant } from './zoned-time';

export interface SlotTargetsInput {
  stationIds?: string[];
  groupIds?: string[];
  clusterIds?: string[];
  unitIds?: string[];
}

export interface NewSlot extends SlotTargetsInput {
  programmeId: string;
  /** ISO-8601 with an offset, or a wall-clock time in `timeZone`. */
  startAt: string;
  timeZone?: string;
  /** RFC 5545 RRULE parts without DTSTART; absent for a one-off slot. */
  rule?: string | null;
  exdates?: string[];
  priority?: Priority;
  source?: SlotSource;
  startMode?: StartMode;
  waitMs?: number;
  /** What to leave it as; by default approved when the author may approve it, else submitted. */
  status?: 'draft' | 'submitted' | 'approved';
}

/** When and how a slot airs, as its author gives it. */
export interface SlotTiming {
  startAt: string;
  timeZone: string;
  rule: string | null;
  exdates: string[];
  startMode: StartMode;
  waitMs: number | undefined;
}

export type SlotChange = Partial<Pick<NewSlot, 'startAt' | 'timeZone' | 'rule' | 'exdates' | 'startMode' | 'waitMs' | 'priority'>>;

function timingOf(input: Partial<SlotTiming> & { startAt: string; rule?: string | null }, defaultZone: string): SlotTiming {
  return {
    startAt: input.startAt,
    timeZone: input.timeZone ?? defaultZone,
    rule: input.rule ?? null,
    exdates: input.exdates ?? [],
    startMode: input.startMode ?? 'hard',
    waitMs: input.waitMs,
  };
}

export interface SlotFilter {
  stationId?: string;
  from?: string;
  to?: string;
  status?: SlotStatus;
}

export interface AiringEdit {
  occurrenceAt: string;
  action: 'cancel' | 'move';
  moveTo?: string;
  stationId?: string;
}

/** Snapshots reach back this far, so an agent that was briefly away still learns what it missed. */
const SNAPSHOT_LOOKBACK_MS = 6 * 3600 * 1000;
/** How far ahead a recurring slot is checked for clashes. */
const CONFLICT_HORIZON_MS = 400 * 24 * 3600 * 1000;
/** Materialised airings are kept this long after their instant, for late reports from agents. */
export const AIRING_RETENTION_MS = 60 * 24 * 3600 * 1000;
const MAX_TIMELINE_MS = 62 * 24 * 3600 * 1000;
const MAX_CLASHES = 50;
/** Stations whose look-ahead is rebuilt in one transaction, one turn of the event loop. */
const MATERIALISE_BATCH = 50;
const ACTIVE: SlotStatus[] = ['submitted', 'approved'];
const TARGET_FIELDS: [keyof SlotTargetsInput, TargetKind][] = [
  ['stationIds', 'station'],
  ['groupIds', 'group'],
  ['clusterIds', 'cluster'],
  ['unitIds', 'unit'],
];

const iso = (ms: number) => new Date(ms).toISOString();

@Injectable()
export class ScheduleService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly stations: StationsService,
    private readonly media: MediaService,
    private readonly events: DomainEvents,
    private readonly access: AccessPolicy,
    private readonly airings: AiringsRepository,
  ) {}

  // ---- authoring ----

  /** When a slot airs, checked and turned into what is stored; throws a 400/422 LoaError when unusable. */
  private timing(input: SlotTiming, durationMs: number) {
    const zone = input.timeZone;
    if (!isTimeZone(zone)) throw new LoaError('validation_failed', 'Múi giờ không hợp lệ.', { field: 'timeZone' });
    const first = parseAuthoredInstant(input.startAt, zone);
    if (first === null) throw new LoaError('validation_failed', 'Thời điểm phát không hợp lệ.', { field: 'startAt' });
    const localStart = wallOf(first, zone);
    const rec = { start: localStart, timeZone: zone, rule: input.rule, exdates: input.exdates };
    try {
      validateRecurrence(rec);
    } catch (e) {
      if (e instanceof RecurrenceError) throw new LoaError('validation_failed', e.message, { field: e.field });
      throw e;
    }
    const bounds = seriesBounds(rec);
    if (bounds.first === null || bounds.last === null) throw new LoaError('validation_failed', 'Quy tắc lặp lại không cho buổi phát nào.', { field: 'rule' });
    if (bounds.last < this.clock.now()) throw new LoaError('slot_in_past', 'Không thể xếp lịch phát vào thời điểm đã qua.');
    if (input.startMode === 'wait' && !input.waitMs) {
      throw new LoaError('validation_failed', 'Chế độ "chờ tối đa" cần số giây chờ (waitMs).', { field: 'waitMs' });
    }
    return {
      localStart,
      timeZone: zone,
      rule: input.rule,
      exdates: input.exdates,
      startAt: iso(bounds.first),
      endAt: bounds.last === END_OF_TIME ? iso(END_OF_TIME) : iso(bounds.last + durationMs),
      startMode: input.startMode,
      waitMs: input.startMode === 'wait' ? (input.waitMs ?? 0) : 0,
    };
  }

  async create(input: NewSlot, actor: Actor) {
    const now = this.clock.now();
    // Checked before any lookup, so a bad time is a 400 whatever else is wrong.
    this.timing(timingOf(input, this.config.timezone), 0);
    const found = await this.db.getRepository(Programme).findOneBy({ id: input.programmeId });
    // Another unit's own programme is not there for this author.
    const [programme] = found && actor ? await this.access.filterOwned({ kind: 'user', ...actor }, [found], (p) => p.createdBy) : found ? [found] : [];
    if (!programme) throw new LoaError('not_found', 'Không tìm thấy chương trình này.');
    const asset = await this.media.requireReady(programme.mediaAssetId);
    const durationMs = asset.durationMs ?? 0;
    const timing = this.timing(timingOf(input, this.config.timezone), durationMs);

    const targets = TARGET_FIELDS.flatMap(([field, kind]) => (input[field] ?? []).map((refId) => ({ kind, refId })));
    if (!targets.length) throw new LoaError('validation_failed', 'Cần chọn ít nhất một nơi phát (trạm, nhóm trạm, cụm loa hoặc đơn vị).', { field: 'targets' });
    const world = await this.world(this.db.manager);
    const groupIds = input.groupIds ?? [];
    const groups = groupIds.length ? await this.db.getRepository(StationGroup).findBy({ id: In(groupIds) }) : [];
    this.requireTargetsExist(targets, world, new Set(groups.map((g) => g.id)));
    const stationMap = resolveTargets(targets, world);
    if (!stationMap.size) throw new LoaError('validation_failed', 'Các nơi phát đã chọn chưa có trạm nào.', { field: 'targets' });

    const scope: SlotScope = { source: input.source ?? (actor?.role === 'operator' ? 'local' : 'relay'), priority: input.priority ?? 'normal', stationIds: [...stationMap.keys()] };
    if (scope.priority === 'emergency' && scope.source !== 'emergency') scope.source = 'emergency';
    const own = this.ownStations(actor, world);
    if (!mayAuthor(actor, scope, own)) throw new LoaError('forbidden', 'Bạn chỉ được xếp lịch chương trình của trạm thuộc đơn vị mình.');
    const canApprove = mayApprove(actor, scope, own);
    const status = input.status ?? (canApprove ? 'approved' : 'submitted');
    if (status === 'approved' && !canApprove) throw new LoaError('forbidden', 'Bạn không có quyền duyệt lịch phát này.');

    const nowIso = iso(now);
    const slot = this.db.getRepository(Slot).create({
      programmeId: programme.id,
      ...timing,
      durationMs,
      priority: scope.priority,
      source: scope.source,
      status,
      rejectionReason: null,
      createdBy: actor?.userId ?? null,
      createdAt: nowIso,
      updatedAt: nowIso,
    });

    const affected = await this.db.transaction(async (m) => {
      if (status !== 'draft') await this.refuseClashes(m, slot, stationMap, []);
      const saved = await m.save(slot);
      const direct = targets.filter((t) => t.kind === 'station');
      const refs = targets.filter((t): t is { kind: Exclude<TargetKind, 'station'>; refId: string } => t.kind !== 'station');
      if (direct.length) await m.insert(SlotTarget, direct.map((t) => ({ slotId: saved.id, stationId: t.refId })));
      if (refs.length) await m.insert(SlotTargetRef, refs.map((t) => ({ slotId: saved.id, ...t })));
      await this.record(m, saved.id, 'created', actor);
      if (status !== 'draft') await this.record(m, saved.id, 'submitted', actor);
      if (status === 'approved') await this.record(m, saved.id, 'approved', actor);
      return status === 'approved' ? [...stationMap.keys()] : [];
    });
    this.announce(await this.materialiseInTurns(affected));
    return this.describe(slot.id);
  }

  /**
   * Changes when and how a slot airs. The change is checked for clashes like a new slot; an approved slot
   * changed by someone who may not approve it goes back to waiting for approval (and off the air).
   */
  async update(id: string, input: SlotChange, actor: Actor) {
    const affected = await this.db.transaction(async (m) => {
      const slot = await m.findOneBy(Slot, { id });
      if (!slot) throw new LoaError('not_found', 'Không tìm thấy lịch phát này.');
      if (slot.status === 'cancelled') throw new LoaError('invalid_state', 'Lịch phát đã huỷ.');
      const current = timingOf(
        { startAt: slot.localStart ?? slot.startAt, timeZone: slot.timeZone, rule: slot.rule, exdates: slot.exdates, startMode: slot.startMode, waitMs: slot.waitMs },
        slot.timeZone,
      );
      const next: SlotTiming = {
        startAt: input.startAt ?? current.startAt,
        timeZone: input.timeZone ?? current.timeZone,
        rule: input.rule === undefined ? current.rule : input.rule,
        exdates: input.exdates ?? current.exdates,
        startMode: input.startMode ?? current.startMode,
        waitMs: input.waitMs ?? current.waitMs,
      };
      const timing = this.timing(next, slot.durationMs);
      const world = await this.world(m);
      const stationMap = resolveTargets(await targetsOf(m, [id]), world);
      const priority = input.priority ?? slot.priority;
      const scope: SlotScope = { source: priority === 'emergency' ? 'emergency' : slot.source, priority, stationIds: [...stationMap.keys()] };
      const own = this.ownStations(actor, world);
      if (!mayAuthor(actor, scope, own)) throw new LoaError('forbidden', 'Bạn không có quyền sửa lịch phát này.');
      const wasLive = slot.status === 'approved';
      Object.assign(slot, timing, { priority, source: scope.source, updatedAt: this.clock.nowInstant() });
      if (wasLive && !mayApprove(actor, scope, own)) slot.status = 'submitted';
      if (slot.status === 'approved' || slot.status === 'submitted') await this.refuseClashes(m, slot, stationMap, await m.findBy(SlotOverride, { slotId: id }));
      await m.save(slot);
      await this.record(m, id, 'updated', actor, JSON.stringify(input));
      if (wasLive && slot.status === 'submitted') await this.record(m, id, 'submitted', actor, 'sửa lịch đã duyệt: cần duyệt lại');
      return wasLive || slot.status === 'approved' ? [...stationMap.keys()] : [];
    });
    this.announce(await this.materialiseInTurns(affected));
    return this.describe(id);
  }

  async submit(id: string, actor: Actor) {
    return this.transition(id, actor, ['draft', 'rejected'], 'submitted', 'submitted', null);
  }

  async approve(id: string, actor: Actor) {
    return this.transition(id, actor, ['submitted', 'draft'], 'approved', 'approved', null);
  }

  async reject(id: string, actor: Actor, reason: string) {
    return this.transition(id, actor, ['submitted'], 'rejected', 'rejected', reason);
  }

  async cancel(id: string, actor: Actor) {
    return this.transition(id, actor, ['draft', 'submitted', 'approved', 'rejected'], 'cancelled', 'cancelled', null);
  }

  private async transition(id: string, actor: Actor, from: SlotStatus[], to: SlotStatus, action: string, reason: string | null) {
    const affected = await this.db.transaction(async (m) => {
      const slot = await m.findOneBy(Slot, { id });
      if (!slot) throw new LoaError('not_found', 'Không tìm thấy lịch phát này.');
      if (slot.status === to && to === 'cancelled') return [];
      if (!from.includes(slot.status)) {
        throw new LoaError('invalid_state', `Lịch phát đang ở trạng thái "${STATUS_LABELS[slot.status]}", không thể chuyển sang "${STATUS_LABELS[to]}".`, {
          status: slot.status,
        });
      }
      const world = await this.world(m);
      const targets = await targetsOf(m, [id]);
      const stationMap = resolveTargets(targets, world);
      const scope: SlotScope = { source: slot.source, priority: slot.priority, stationIds: [...stationMap.keys()] };
      const own = this.ownStations(actor, world);
      const allowed =
        to === 'approved' || to === 'rejected'
          ? mayApprove(actor, scope, own)
          : mayAuthor(actor, scope, own) && (actor === null || actor.role !== 'operator' || slot.createdBy === actor.userId || mayApprove(actor, scope, own));
      if (!allowed) throw new LoaError('forbidden', 'Bạn không có quyền thực hiện thao tác này với lịch phát.');
      if (to === 'approved' || to === 'submitted') {
        const overrides = await m.findBy(SlotOverride, { slotId: id });
        await this.refuseClashes(m, slot, stationMap, overrides);
      }
      const wasLive = slot.status === 'approved';
      slot.status = to;
      slot.rejectionReason = to === 'rejected' ? reason : null;
      slot.updatedAt = this.clock.nowInstant();
      await m.save(slot);
      await this.record(m, id, action, actor, reason);
      return wasLive || to === 'approved' ? [...stationMap.keys()] : [];
    });
    this.announce(await this.materialiseInTurns(affected));
    return this.describe(id);
  }

  /** Cancels or moves one airing, on one station or on all of the slot's stations. */
  async editAiring(id: string, edit: AiringEdit, actor: Actor) {
    const at = Date.parse(edit.occurrenceAt);
    const affected = await this.db.transaction(async (m) => {
      const slot = await m.findOneBy(Slot, { id });
      if (!slot) throw new LoaError('not_found', 'Không tìm thấy lịch phát này.');
      if (slot.status === 'cancelled' || slot.status === 'rejected') throw new LoaError('invalid_state', 'Lịch phát đã huỷ hoặc bị từ chối.');
      const world = await this.world(m);
      const stationMap = resolveTargets(await targetsOf(m, [id]), world);
      const stationId = edit.stationId ?? null;
      if (stationId !== null && !stationMap.has(stationId)) throw new LoaError('not_found', 'Lịch phát này không phát trên trạm đã chọn.');
      if (!mayEditAiring(actor, slot.priority, stationId, [...stationMap.keys()], this.ownStations(actor, world))) {
        throw new LoaError('forbidden', actor?.role === 'operator' ? 'Chỉ chương trình thông thường mới được trạm xã từ chối hoặc dời giờ, và chỉ trên trạm của mình.' : OUTSIDE_UNIT);
      }
      const overrides = await m.findBy(SlotOverride, { slotId: id });
      const stations = stationId ? [stationId] : [...stationMap.keys()];
      const airs = stations.some((s) => airingsOf(slot, overrides, s, at, at + 1).includes(at));
      if (!airs) throw new LoaError('not_found', 'Không có buổi phát nào của lịch này vào thời điểm đã chọn.');
      let movedTo: string | null = null;
      if (edit.action === 'move') {
        const to = edit.moveTo ? parseAuthoredInstant(edit.moveTo, slot.timeZone) : null;
        if (to === null) throw new LoaError('validation_failed', 'Thời điểm dời đến không hợp lệ.', { field: 'moveTo' });
        if (to < this.clock.now()) throw new LoaError('slot_in_past', 'Không thể dời buổi phát vào thời điểm đã qua.');
        movedTo = iso(to);
      }
      const override = m.create(SlotOverride, {
        slotId: id,
        occurrenceAt: iso(at),
        stationId,
        action: edit.action,
        movedTo,
        createdBy: actor?.userId ?? null,
        createdAt: this.clock.nowInstant(),
      });
      if (movedTo !== null && slot.status !== 'draft') {
        const only = new Map([...stationMap].filter(([s]) => stations.includes(s)));
        await this.refuseClashes(m, slot, only, [...overrides, override], { from: Date.parse(movedTo), to: Date.parse(movedTo) + 1 });
      }
      await m.save(override);
      await this.record(m, id, edit.action === 'cancel' ? 'airing_cancelled' : 'airing_moved', actor, `${iso(at)}${movedTo ? ` → ${movedTo}` : ''}${stationId ? ` @${stationId}` : ''}`);
      return slot.status === 'approved' ? stations : [];
    });
    this.announce(await this.materialiseInTurns(affected));
    return this.describe(id);
  }

  // ---- reading ----

  async describe(id: string) {
    const slot = await this.db.getRepository(Slot).findOneBy({ id });
    if (!slot) throw new LoaError('not_found', 'Không tìm thấy lịch phát này.');
    const [targets, history, overrides] = await Promise.all([
      targetsOf(this.db.manager, [id]),
      this.db.getRepository(SlotAction).find({ where: { slotId: id }, order: { id: 'ASC' } }),
      this.db.getRepository(SlotOverride).find({ where: { slotId: id }, order: { createdAt: 'ASC' } }),
    ]);
    const stationIds = [...resolveTargets(targets, await this.world(this.db.manager)).keys()];
    return { ...slot, statusLabel: STATUS_LABELS[slot.status], targets: targets.map((t) => ({ kind: t.kind, id: t.refId })), stationIds, overrides, history };
  }

  /** Slots matching the filter; for an actor bound to a unit, only those airing on one of its stations. */
  async list(filter: SlotFilter, actor: Actor = null) {
    const qb = this.db.getRepository(Slot).createQueryBuilder('slot').orderBy('slot.startAt', 'ASC').take(1000);
    if (filter.from) qb.andWhere('slot.endAt > :from', { from: filter.from });
    if (filter.to) qb.andWhere('slot.startAt < :to', { to: filter.to });
    if (filter.status) qb.andWhere('slot.status = :status', { status: filter.status });
    const slots = await qb.getMany();
    const targets = await targetsOf(this.db.manager, slots.map((s) => s.id));
    const world = await this.world(this.db.manager);
    const own = this.ownStations(actor, world);
    return slots
      .map((s) => {
        const mine = targets.filter((t) => t.slotId === s.id);
        return { ...s, targets: mine.map((t) => ({ kind: t.kind, id: t.refId })), stationIds: [...resolveTargets(mine, world).keys()] };
      })
      .filter((s) => !filter.stationId || s.stationIds.includes(filter.stationId))
      .filter((s) => own === 'all' || s.stationIds.some((id) => own.has(id)));
  }

  /** The author's own slots, with where each stands and, when rejected, why. */
  async mine(actor: Actor) {
    if (!actor) return [];
    const slots = await this.db.getRepository(Slot).find({ where: { createdBy: actor.userId }, order: { createdAt: 'DESC' }, take: 500 });
    const history = slots.length ? await this.db.getRepository(SlotAction).find({ where: { slotId: In(slots.map((s) => s.id)) }, order: { id: 'ASC' } }) : [];
    return slots.map((s) => ({
      id: s.id,
      programmeId: s.programmeId,
      startAt: s.startAt,
      rule: s.rule,
      status: s.status,
      statusLabel: STATUS_LABELS[s.status],
      rejectionReason: s.rejectionReason,
      history: history.filter((h) => h.slotId === s.id).map((h) => ({ action: h.action, by: h.username, at: h.at, note: h.note })),
    }));
  }

  /**
   * What will actually play on the station in [from, to), in order, after priorities and start modes:
   * the same resolution the agent applies.
   */
  async timeline(stationId: string, fromIso: string, toIso: string) {
    const station = await this.stations.get(stationId);
    const from = Date.parse(fromIso);
    const to = Date.parse(toIso);
    if (!(to > from)) throw new LoaError('validation_failed', 'Khoảng thời gian không hợp lệ: "to" phải sau "from".');
    if (to - from > MAX_TIMELINE_MS) throw new LoaError('validation_failed', 'Chỉ xem được tối đa 62 ngày một lần.');
    const m = this.db.manager;
    const slots = await this.liveSlots(m, ['approved'], from - 24 * 3600_000, to);
    const world = await this.world(m);
    const targets = await targetsOf(m, slots.map((s) => s.id));
    const overrides = slots.length ? await m.findBy(SlotOverride, { slotId: In(slots.map((s) => s.id)) }) : [];
    const programmes = slots.length ? await m.findBy(Programme, { id: In([...new Set(slots.map((s) => s.programmeId))]) }) : [];
    type Entry = Playable & { slot: Slot };
    const items: Entry[] = [];
    for (const slot of slots) {
      if (!resolveTargets(targets.filter((t) => t.slotId === slot.id), world).has(stationId)) continue;
      for (const at of airingsOf(slot, overrides, stationId, from - slot.durationMs, to)) {
        items.push({ occurrenceId: occurrenceIdOf(slot.id, iso(at)), start: at, durationMs: slot.durationMs, priority: slot.priority, startMode: slot.startMode, waitMs: slot.waitMs, slot });
      }
    }
    const resolved = resolveTimeline(items).filter((r) => (r.startAt ?? r.item.start) < to && (r.endAt ?? r.item.start + 1) > from);
    return {
      stationId,
      stationName: station.name,
      from: iso(from),
      to: iso(to),
      items: resolved.map((r) => ({
        occurrenceId: r.item.occurrenceId,
        slotId: r.item.slot.id,
        programmeId: r.item.slot.programmeId,
        title: programmes.find((p) => p.id === r.item.slot.programmeId)?.title ?? '',
        priority: r.item.priority,
        source: r.item.slot.source,
        startMode: r.item.startMode,
        plannedAt: iso(r.item.start),
        startAt: r.startAt === null ? null : iso(r.startAt),
        endAt: r.endAt === null ? null : iso(r.endAt),
        outcome: r.outcome,
        cutBy: r.cutBy,
        delayMs: r.delayMs,
      })),
    };
  }

  /** Approved airings on these stations that start in [from, to), with their programme. */
  async plannedAirings(stationIds: readonly string[], from: number, to: number) {
    const m = this.db.manager;
    const slots = await this.liveSlots(m, ['approved'], from - 24 * 3600_000, to);
    if (!slots.length || !stationIds.length) return [];
    const world = await this.world(m);
    const targets = await targetsOf(m, slots.map((s) => s.id));
    const overrides = await m.findBy(SlotOverride, { slotId: In(slots.map((s) => s.id)) });
    const out: { stationId: string; slotId: string; programmeId: string; at: number; durationMs: number; priority: Priority; source: SlotSource }[] = [];
    const expansions = new Expansions();
    for (const slot of slots) {
      const map = resolveTargets(targets.filter((t) => t.slotId === slot.id), world);
      for (const stationId of stationIds) {
        if (!map.has(stationId)) continue;
        for (const at of expansions.airingsOf(slot, overrides, stationId, from, to)) {
          out.push({ stationId, slotId: slot.id, programmeId: slot.programmeId, at, durationMs: slot.durationMs, priority: slot.priority, source: slot.source });
        }
      }
    }
    return out;
  }

  /** What the station's agent should hold now. */
  async snapshotFor(stationId: string): Promise<ScheduleSnapshot> {
    const station = await this.stations.get(stationId);
    const now = this.clock.now();
    const from = iso(now - SNAPSHOT_LOOKBACK_MS);
    const to = iso(now + this.config.scheduleWindowMs);
    const rows = await this.airingRows(stationId, from, to);
    return buildSnapshot(stationId, station.scheduleVersion, rows, { from, to, now: iso(now) });
  }

  /** The slot and programme behind one occurrence on one station, or null if it is not theirs. */
  async occurrence(stationId: string, slotId: string, occurrenceId: string, m: EntityManager = this.db.manager) {
    const at = instantOfOccurrence(occurrenceId);
    if (at === null || occurrenceIdOf(slotId, at) !== occurrenceId) return null;
    const slot = await m.findOneBy(Slot, { id: slotId });
    if (!slot || slot.status === 'draft' || slot.status === 'rejected') return null;
    const materialised = await m.existsBy(Airing, { stationId, occurrenceId, slotId });
    if (!materialised) {
      // Older than what is kept materialised, or from a slot edited since: check against the rule itself.
      const world = await this.world(m);
      if (!resolveTargets(await targetsOf(m, [slotId]), world).has(stationId)) return null;
      const t = Date.parse(at);
      if (!airingsOf(slot, await m.findBy(SlotOverride, { slotId }), stationId, t, t + 1).includes(t)) return null;
    }
    const programme = await m.findOneByOrFail(Programme, { id: slot.programmeId });
    return { slot, programme, startAt: at };
  }

  // ---- the materialised look-ahead ----

  /** Rebuilds every station's look-ahead; announces the stations whose schedule changed. */
  async refreshAll(): Promise<string[]> {
    const changed = await this.materialiseInTurns((await this.db.getRepository(Station).find({ select: { id: true } })).map((s) => s.id));
    this.announce(changed);
    return changed;
  }

  /** Rebuilds these stations' look-ahead (a new station under a targeted unit, say). */
  async refreshStations(stationIds: string[]): Promise<string[]> {
    const changed = await this.materialiseInTurns(stationIds);
    this.announce(changed);
    return changed;
  }

  /** Forgets materialised airings long past. */
  async expire(): Promise<number> {
    const result = await this.db.getRepository(Airing).delete({ startAt: LessThan(iso(this.clock.now() - AIRING_RETENTION_MS)) });
    return result.affected ?? 0;
  }

  /**
   * Rebuilds the look-ahead of many stations a few dozen at a time, each batch in a transaction of its own
   * that reads the schedule afresh, with the event loop free between batches: a slot for a whole province
   * must not hold up live audio or the agents' sockets while its thousands of airings are written. The
   * look-ahead is derived from the slots, and rebuilt at start-up, so a change interrupted between batches
   * is completed then. Returns the stations whose look-ahead changed.
   */
  private async materialiseInTurns(stationIds: readonly string[]): Promise<string[]> {
    const unique = [...new Set(stationIds)];
    const changed: string[] = [];
    for (let i = 0; i < unique.length; i += MATERIALISE_BATCH) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      changed.push(...(await this.db.transaction((m) => this.materialise(m, unique.slice(i, i + MATERIALISE_BATCH)))));
    }
    return changed;
  }

  /**
   * Recomputes the approved airings of `stationIds` in the look-ahead window and, where they differ from
   * what is stored, replaces them and raises the station's schedule version. Returns the changed stations.
   */
  private async materialise(m: EntityManager, stationIds: readonly string[]): Promise<string[]> {
    if (!stationIds.length) return [];
    const now = this.clock.now();
    const from = now - SNAPSHOT_LOOKBACK_MS;
    const to = now + this.config.scheduleWindowMs;
    const window = { from: iso(from), to: iso(to) };
    const slots = await this.liveSlots(m, ['approved'], from, to);
    const world = await this.world(m);
    const targets = await targetsOf(m, slots.map((s) => s.id));
    const overrides = slots.length ? await m.findBy(SlotOverride, { slotId: In(slots.map((s) => s.id)) }) : [];
    const maps = new Map(slots.map((s) => [s.id, resolveTargets(targets.filter((t) => t.slotId === s.id), world)]));
    const stored = new Map<string, Airing[]>();
    for (const row of await m
      .createQueryBuilder(Airing, 'a')
      .where('a.stationId IN (:...stationIds) AND a.startAt >= :from AND a.startAt < :to', { stationIds, ...window })
      .getMany()) {
      const list = stored.get(row.stationId);
      if (list) list.push(row);
      else stored.set(row.stationId, [row]);
    }
    const expansions = new Expansions();
    const changed: string[] = [];
    const rows: Airing[] = [];
    for (const stationId of new Set(stationIds)) {
      const desired: Airing[] = [];
      for (const slot of slots) {
        const map = maps.get(slot.id)!;
        if (!map.has(stationId)) continue;
        for (const at of expansions.airingsOf(slot, overrides, stationId, from, to)) {
          desired.push(
            m.create(Airing, {
              stationId,
              occurrenceId: occurrenceIdOf(slot.id, iso(at)),
              slotId: slot.id,
              startAt: iso(at),
              durationMs: slot.durationMs,
              priority: slot.priority,
              source: slot.source,
              startMode: slot.startMode,
              waitMs: slot.waitMs,
              clusterIds: map.get(stationId) ?? null,
            }),
          );
        }
      }
      if (sameAirings(stored.get(stationId) ?? [], desired)) continue;
      changed.push(stationId);
      rows.push(...desired);
    }
    if (!changed.length) return [];
    await this.airings.replaceWindow(m, changed, window, rows);
    return changed;
  }

  // ---- helpers ----

  private announce(stationIds: string[]): void {
    if (stationIds.length) this.events.emit({ type: 'schedule.changed', stationIds });
  }

  private async record(m: EntityManager, slotId: string, action: string, actor: Actor, note: string | null = null): Promise<void> {
    await m.insert(SlotAction, { slotId, action, userId: actor?.userId ?? null, username: actor?.username ?? 'hệ thống', note, at: this.clock.nowInstant() });
  }

  /** Slots in `statuses` whose span meets [from, to). */
  private liveSlots(m: EntityManager, statuses: SlotStatus[], from: number, to: number): Promise<Slot[]> {
    return m
      .createQueryBuilder(Slot, 'slot')
      .where('slot.status IN (:...statuses)', { statuses })
      .andWhere(new Brackets((w) => w.where('slot.startAt < :to', { to: iso(to) }).andWhere('slot.endAt > :from', { from: iso(from) })))
      .getMany();
  }

  private async world(m: EntityManager): Promise<TargetWorld> {
    const [stations, units, groupMembers, clusters] = await Promise.all([
      m.find(Station, { select: { id: true, unitId: true } }),
      m.find(Unit, { select: { id: true, parentId: true } }),
      m.find(StationGroupMember),
      m.find(SpeakerCluster, { select: { id: true, stationId: true } }),
    ]);
    return { stations, units, groupMembers, clusters };
  }

  private requireTargetsExist(targets: TargetRef[], world: TargetWorld, groups: ReadonlySet<string>): void {
    const missing = targets.filter((t) => {
      switch (t.kind) {
        case 'station':
          return !world.stations.some((s) => s.id === t.refId);
        case 'unit':
          return !world.units.some((u) => u.id === t.refId);
        case 'cluster':
          return !world.clusters.some((c) => c.id === t.refId);
        case 'group':
          return !groups.has(t.refId);
      }
    });
    if (missing.length) throw new LoaError('not_found', 'Có nơi phát không tồn tại trong danh sách đã chọn.', { missing });
  }

  /** The stations the actor's unit reaches (all for the system and for staff with no unit). */
  private ownStations(actor: Actor, world: TargetWorld): OwnStations {
    return ownStationsOf(reachOf(actor, world.units), world.stations);
  }

  /**
   * Refuses (409) when an airing of `slot` overlaps another submitted or approved slot's airing on one
   * station and the rules cannot order them. Stores nothing; the caller's transaction rolls back.
   */
  private async refuseClashes(
    m: EntityManager,
    slot: Slot,
    stationMap: Map<string, string[] | null>,
    overrides: readonly SlotOverride[],
    range?: { from: number; to: number },
  ): Promise<void> {
    const now = this.clock.now();
    const from = range?.from ?? Math.max(now, Date.parse(slot.startAt));
    const to = range?.to ?? Math.min(Date.parse(slot.endAt), from + CONFLICT_HORIZON_MS);
    if (to <= from) return;
    const others = (await this.liveSlots(m, ACTIVE, from - 24 * 3600_000, to + 24 * 3600_000)).filter((s) => s.id !== slot.id);
    if (!others.length) return;
    const world = await this.world(m);
    const targets = await targetsOf(m, others.map((s) => s.id));
    const otherOverrides = await m.findBy(SlotOverride, { slotId: In(others.map((s) => s.id)) });
    type B = Booking & { title?: string };
    const mine: B[] = [];
    const theirs: B[] = [];
    const stationIds = [...stationMap.keys()];
    const maxOther = Math.max(0, ...others.map((o) => o.durationMs));
    const expansions = new Expansions();
    for (const stationId of stationIds) {
      for (const at of expansions.airingsOf(slot, overrides, stationId, from, to)) {
        mine.push({ slotId: slot.id ?? 'new', stationId, start: at, end: at + slot.durationMs, priority: slot.priority, startMode: slot.startMode, clusters: stationMap.get(stationId) ?? null });
      }
    }
    if (!mine.length) return;
    for (const other of others) {
      const map = resolveTargets(targets.filter((t) => t.slotId === other.id), world);
      for (const stationId of stationIds) {
        if (!map.has(stationId)) continue;
        for (const at of expansions.airingsOf(other, otherOverrides, stationId, from - maxOther, to + slot.durationMs)) {
          theirs.push({ slotId: other.id, stationId, start: at, end: at + other.durationMs, priority: other.priority, startMode: other.startMode, clusters: map.get(stationId) ?? null });
        }
      }
    }
    const clashes = findClashes(mine, theirs).slice(0, MAX_CLASHES);
    if (!clashes.length) return;
    const stations = await m.findBy(Station, { id: In([...new Set(clashes.map((c) => c.stationId))]) });
    const programmes = await m.findBy(Programme, { id: In([...new Set(others.map((o) => o.programmeId))]) });
    throw new LoaError('conflict', 'Lịch phát bị trùng với chương trình khác trên cùng trạm mà không thể tự sắp thứ tự (cùng mức ưu tiên, chương trình sau không nhường).', {
      clashes: clashes.map((c) => {
        const other = others.find((o) => o.id === c.other.slotId)!;
        return {
          stationId: c.stationId,
          stationName: stations.find((s) => s.id === c.stationId)?.name ?? '',
          /** The airing of the new or changed slot that clashes. */
          airingAt: iso(c.mine.start),
          airingEndAt: iso(c.mine.end),
          /** The other slot and its airing. */
          slotId: other.id,
          title: programmes.find((p) => p.id === other.programmeId)?.title ?? '',
          startAt: iso(c.other.start),
          endAt: iso(c.other.end),
          priority: other.priority,
          status: other.status,
        };
      }),
    });
  }

  private async airingRows(stationId: string, from: string, to: string): Promise<AiringRow[]> {
    const rows = await this.db
      .getRepository(Airing)
      .createQueryBuilder('air')
      .innerJoin(Slot, 'slot', 'slot.id = air.slotId')
      .innerJoin(Programme, 'p', 'p.id = slot.programmeId')
      .innerJoin('media_asset', 'a', 'a.id = p.mediaAssetId')
      .leftJoin(ChuyenMuc, 'cm', 'cm.id = p.chuyenMucId')
      .select([
        'air.slotId AS "slotId"',
        'air.startAt AS "startAt"',
        'air.durationMs AS "durationMs"',
        'air.priority AS priority',
        'air.source AS source',
        'air.startMode AS "startMode"',
        'air.waitMs AS "waitMs"',
        'air.clusterIds AS "clusterIds"',
        'p.id AS "programmeId"',
        'p.title AS title',
        'p.chuyenMuc AS "chuyenMuc"',
        'cm.deadAirSeconds AS "deadAirSeconds"',
        'a.sha256 AS sha256',
        'a.size AS size',
        'a.durationMs AS "mediaDurationMs"',
      ])
      .where('air.stationId = :stationId', { stationId })
      .andWhere('slot.status = :status', { status: 'approved' })
      .andWhere('air.startAt >= :from AND air.startAt < :to', { from, to })
      .getRawMany<Omit<AiringRow, 'clusterIds'> & { clusterIds: string | null }>();
    return rows.map((r) => ({
      ...r,
      durationMs: Number(r.durationMs),
      waitMs: Number(r.waitMs),
      size: Number(r.size),
      mediaDurationMs: Number(r.mediaDurationMs),
      deadAirSeconds: r.deadAirSeconds === null ? null : Number(r.deadAirSeconds),
      clusterIds: r.clusterIds ? (JSON.parse(r.clusterIds) as string[]) : null,
    }));
  }
}

export const STATUS_LABELS: Record<SlotStatus, string> = {
  draft: 'Bản nháp',
  submitted: 'Chờ duyệt',
  approved: 'Đã duyệt',
  rejected: 'Bị từ chối',
  cancelled: 'Đã huỷ',
};

/** Every target of the slots, direct stations and the rest alike. */
async function targetsOf(m: EntityManager, slotIds: readonly string[]): Promise<(TargetRef & { slotId: string })[]> {
  if (!slotIds.length) return [];
  const [direct, refs] = await Promise.all([m.findBy(SlotTarget, { slotId: In([...slotIds]) }), m.findBy(SlotTargetRef, { slotId: In([...slotIds]) })]);
  return [...direct.map((t) => ({ slotId: t.slotId, kind: 'station' as const, refId: t.stationId })), ...refs];
}

function sameAirings(a: readonly Airing[], b: readonly Airing[]): boolean {
  if (a.length !== b.length) return false;
  const key = (x: Airing) =>
    JSON.stringify([x.occurrenceId, x.slotId, x.startAt, x.durationMs, x.priority, x.source, x.startMode, x.waitMs, x.clusterIds ?? null]);
  const left = new Set(a.map(key));
  return b.every((x) => left.has(key(x)));
}
