import { Inject, Injectable } from '@nestjs/common';
import { fromInstant, type Priority, type SlotSource, type StartMode, toInstant } from '@loa/protocol';
import { AccessPolicy, mayApprove, mayAuthor, mayEditAiring, OUTSIDE_UNIT, ownStationsOf, reachOf, type Actor, type OwnStations, type SlotScope } from '../access/access-policy';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { MediaService } from '../media/media.service';
import { refuseClashes } from './clashes';
import { airingsOf } from './expand';
import { LookAhead } from './look-ahead.service';
import { ScheduleQueries, STATUS_LABELS } from './schedule-queries.service';
import { ScheduleRepository } from './schedule.repository';
import type { SlotStatus, TargetKind } from './slot.entity';
import { checkTiming, timingOf, type SlotTiming } from './slot-timing';
import { resolveTargets, type TargetRef, type TargetWorld } from './targets';
import { parseAuthoredInstant } from './zoned-time';
import { HolidaysService } from '../holidays/holidays.service';
import type { HolidayRule } from '@loa/api-types';

export interface SlotTargetsInput {
  stationIds?: string[];
  groupIds?: string[];
  clusterIds?: string[];
  unitIds?: string[];
}

export interface NewSlot extends SlotTargetsInput {
  /** What an airing on a public holiday or declared day off does (default: play). */
  holidayRule?: HolidayRule;
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

export type SlotChange = Partial<Pick<NewSlot, 'startAt' | 'timeZone' | 'rule' | 'exdates' | 'startMode' | 'waitMs' | 'priority' | 'holidayRule'>>;

export interface AiringEdit {
  occurrenceAt: string;
  action: 'cancel' | 'move';
  moveTo?: string;
  stationId?: string;
  /** Why the commune declines it ("Không phát"), kept for the logbook line. */
  reason?: string;
}

const TARGET_FIELDS: [keyof SlotTargetsInput, TargetKind][] = [
  ['stationIds', 'station'],
  ['groupIds', 'group'],
  ['clusterIds', 'cluster'],
  ['unitIds', 'unit'],
];

/**
 * Writing the schedule: slots made, changed and moved through their approval workflow, single airings
 * cancelled or moved. Every change is checked for clashes and rights in one transaction, then the
 * affected stations' look-ahead is rebuilt.
 */
@Injectable()
export class ScheduleAuthoring {
  constructor(
    private readonly store: ScheduleRepository,
    @Inject(AppConfig) private readonly config: Pick<AppConfig, 'timezone'>,
    private readonly clock: Clock,
    @Inject(MediaService) private readonly media: Pick<MediaService, 'requireReady'>,
    @Inject(AccessPolicy) private readonly access: Pick<AccessPolicy, 'filterOwned'>,
    private readonly lookAhead: LookAhead,
    private readonly queries: ScheduleQueries,
    @Inject(HolidaysService) private readonly days: Pick<HolidaysService, 'refuseQuietHours' | 'quietStations'>,
  ) {}

  async create(input: NewSlot, actor: Actor) {
    // Checked before any lookup, so a bad time is a 400 whatever else is wrong.
    checkTiming(timingOf(input, this.config.timezone), 0, this.clock.now());
    const found = await this.store.programme(input.programmeId);
    // Another unit's own programme is not there for this author.
    const [programme] = found && actor ? await this.access.filterOwned({ kind: 'user', ...actor }, [found], (p) => p.createdBy) : found ? [found] : [];
    if (!programme) throw new LoaError('not_found', 'Không tìm thấy chương trình này.');
    const asset = await this.media.requireReady(programme.mediaAssetId);
    const durationMs = asset.durationMs ?? 0;
    const timing = checkTiming(timingOf(input, this.config.timezone), durationMs, this.clock.now());

    const targets: TargetRef[] = TARGET_FIELDS.flatMap(([field, kind]) => (input[field] ?? []).map((refId) => ({ kind, refId })));
    if (!targets.length) throw new LoaError('validation_failed', 'Cần chọn ít nhất một nơi phát (trạm, nhóm trạm, cụm loa hoặc đơn vị).', { field: 'targets' });
    const [world, groups] = await Promise.all([this.store.world(), this.store.existingGroups(input.groupIds ?? [])]);
    requireTargetsExist(targets, world, new Set(groups));
    const stationMap = resolveTargets(targets, world);
    if (!stationMap.size) throw new LoaError('validation_failed', 'Các nơi phát đã chọn chưa có trạm nào.', { field: 'targets' });

    const scope: SlotScope = { source: input.source ?? (actor?.role === 'operator' ? 'local' : 'relay'), priority: input.priority ?? 'normal', stationIds: [...stationMap.keys()] };
    if (scope.priority === 'emergency' && scope.source !== 'emergency') scope.source = 'emergency';
    const own = ownStations(actor, world);
    if (!mayAuthor(actor, scope, own)) throw new LoaError('forbidden', 'Bạn chỉ được xếp lịch chương trình của trạm thuộc đơn vị mình.');
    const canApprove = mayApprove(actor, scope, own);
    const status = input.status ?? (canApprove ? 'approved' : 'submitted');
    if (status === 'approved' && !canApprove) throw new LoaError('forbidden', 'Bạn không có quyền duyệt lịch phát này.');

    const nowIso = this.clock.nowInstant();
    const row = {
      programmeId: programme.id,
      ...timing,
      durationMs,
      priority: scope.priority,
      source: scope.source,
      holidayRule: input.holidayRule ?? 'play',
      status,
      rejectionReason: null,
      createdBy: actor?.userId ?? null,
      createdAt: nowIso,
      updatedAt: nowIso,
    };
    if (status !== 'draft') await this.days.refuseQuietHours({ ...row, id: '' }, [...stationMap.keys()], this.clock.now());
    const { id, affected } = await this.store.transaction(async (tx) => {
      if (status !== 'draft') await refuseClashes(tx, this.clock.now(), row, stationMap, []);
      const saved = await tx.insertSlot(row);
      await tx.addTargets(saved.id, targets);
      await this.record(tx, saved.id, 'created', actor);
      if (status !== 'draft') await this.record(tx, saved.id, 'submitted', actor);
      if (status === 'approved') await this.record(tx, saved.id, 'approved', actor);
      return { id: saved.id, affected: status === 'approved' ? [...stationMap.keys()] : [] };
    });
    await this.lookAhead.refreshStations(affected);
    return this.queries.describe(id);
  }

  /**
   * Changes when and how a slot airs. The change is checked for clashes like a new slot; an approved slot
   * changed by someone who may not approve it goes back to waiting for approval (and off the air).
   */
  async update(id: string, input: SlotChange, actor: Actor) {
    const quiet = await this.days.quietStations();
    const affected = await this.store.transaction(async (tx) => {
      const slot = await tx.slot(id);
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
      const timing = checkTiming(next, slot.durationMs, this.clock.now());
      const [world, targets] = await tx.reads(() => tx.world(), () => tx.targetsOf([id]));
      const stationMap = resolveTargets(targets, world);
      const priority = input.priority ?? slot.priority;
      const scope: SlotScope = { source: priority === 'emergency' ? 'emergency' : slot.source, priority, stationIds: [...stationMap.keys()] };
      const own = ownStations(actor, world);
      if (!mayAuthor(actor, scope, own)) throw new LoaError('forbidden', 'Bạn không có quyền sửa lịch phát này.');
      const wasLive = slot.status === 'approved';
      Object.assign(slot, timing, { priority, source: scope.source, holidayRule: input.holidayRule ?? slot.holidayRule, updatedAt: this.clock.nowInstant() });
      if (wasLive && !mayApprove(actor, scope, own)) slot.status = 'submitted';
      if (slot.status === 'approved' || slot.status === 'submitted') await this.days.refuseQuietHours(slot, [...stationMap.keys()], this.clock.now(), quiet);
      if (slot.status === 'approved' || slot.status === 'submitted') await refuseClashes(tx, this.clock.now(), slot, stationMap, await tx.overridesOf([id]));
      await tx.updateSlot(slot);
      await this.record(tx, id, 'updated', actor, JSON.stringify(input));
      if (wasLive && slot.status === 'submitted') await this.record(tx, id, 'submitted', actor, 'sửa lịch đã duyệt: cần duyệt lại');
      return wasLive || slot.status === 'approved' ? [...stationMap.keys()] : [];
    });
    await this.lookAhead.refreshStations(affected);
    return this.queries.describe(id);
  }

  submit(id: string, actor: Actor) {
    return this.transition(id, actor, ['draft', 'rejected'], 'submitted', null);
  }

  approve(id: string, actor: Actor) {
    return this.transition(id, actor, ['submitted', 'draft'], 'approved', null);
  }

  reject(id: string, actor: Actor, reason: string) {
    return this.transition(id, actor, ['submitted'], 'rejected', reason);
  }

  cancel(id: string, actor: Actor) {
    return this.transition(id, actor, ['draft', 'submitted', 'approved', 'rejected'], 'cancelled', null);
  }

  private async transition(id: string, actor: Actor, from: SlotStatus[], to: SlotStatus, reason: string | null) {
    const affected = await this.store.transaction(async (tx) => {
      const slot = await tx.slot(id);
      if (!slot) throw new LoaError('not_found', 'Không tìm thấy lịch phát này.');
      if (slot.status === to && to === 'cancelled') return [];
      if (!from.includes(slot.status)) {
        throw new LoaError('invalid_state', `Lịch phát đang ở trạng thái "${STATUS_LABELS[slot.status]}", không thể chuyển sang "${STATUS_LABELS[to]}".`, {
          status: slot.status,
        });
      }
      const [world, targets] = await tx.reads(() => tx.world(), () => tx.targetsOf([id]));
      const stationMap = resolveTargets(targets, world);
      const scope: SlotScope = { source: slot.source, priority: slot.priority, stationIds: [...stationMap.keys()] };
      const own = ownStations(actor, world);
      const allowed =
        to === 'approved' || to === 'rejected'
          ? mayApprove(actor, scope, own)
          : mayAuthor(actor, scope, own) && (actor === null || actor.role !== 'operator' || slot.createdBy === actor.userId || mayApprove(actor, scope, own));
      if (!allowed) throw new LoaError('forbidden', 'Bạn không có quyền thực hiện thao tác này với lịch phát.');
      if (to === 'approved' || to === 'submitted') await refuseClashes(tx, this.clock.now(), slot, stationMap, await tx.overridesOf([id]));
      const wasLive = slot.status === 'approved';
      slot.status = to;
      slot.rejectionReason = to === 'rejected' ? reason : null;
      slot.updatedAt = this.clock.nowInstant();
      await tx.updateSlot(slot);
      await this.record(tx, id, to, actor, reason);
      return wasLive || to === 'approved' ? [...stationMap.keys()] : [];
    });
    await this.lookAhead.refreshStations(affected);
    return this.queries.describe(id);
  }

  /** Cancels or moves one airing, on one station or on all of the slot's stations. */
  async editAiring(id: string, edit: AiringEdit, actor: Actor) {
    const at = fromInstant(edit.occurrenceAt);
    const affected = await this.store.transaction(async (tx) => {
      const slot = await tx.slot(id);
      if (!slot) throw new LoaError('not_found', 'Không tìm thấy lịch phát này.');
      if (slot.status === 'cancelled' || slot.status === 'rejected') throw new LoaError('invalid_state', 'Lịch phát đã huỷ hoặc bị từ chối.');
      const [world, targets] = await tx.reads(() => tx.world(), () => tx.targetsOf([id]));
      const stationMap = resolveTargets(targets, world);
      const stationId = edit.stationId ?? null;
      if (stationId !== null && !stationMap.has(stationId)) throw new LoaError('not_found', 'Lịch phát này không phát trên trạm đã chọn.');
      const own = ownStations(actor, world);
      // TT39: only a normal item is the commune's to decline or move; the upper level's priority and
      // emergency items always air, which is a rule about the item, not a matter of reach.
      if (actor?.role === 'operator' && slot.priority !== 'normal' && stationId !== null && mayEditAiring(actor, 'normal', stationId, [...stationMap.keys()], own)) {
        throw new LoaError(
          'not_declinable',
          slot.priority === 'emergency'
            ? 'Tin khẩn cấp bắt buộc phát, trạm xã không được từ chối hoặc dời giờ.'
            : 'Chương trình ưu tiên của cấp trên bắt buộc phát, trạm xã không được từ chối hoặc dời giờ; nếu trùng giờ với chương trình ưu tiên khác, hãy chọn thứ tự phát.',
          { priority: slot.priority },
        );
      }
      if (!mayEditAiring(actor, slot.priority, stationId, [...stationMap.keys()], own)) {
        throw new LoaError('forbidden', actor?.role === 'operator' ? 'Chỉ chương trình thông thường mới được trạm xã từ chối hoặc dời giờ, và chỉ trên trạm của mình.' : OUTSIDE_UNIT);
      }
      const overrides = await tx.overridesOf([id]);
      const stations = stationId ? [stationId] : [...stationMap.keys()];
      const airs = stations.some((s) => airingsOf(slot, overrides, s, at, at + 1).includes(at));
      if (!airs) throw new LoaError('not_found', 'Không có buổi phát nào của lịch này vào thời điểm đã chọn.');
      let movedTo: string | null = null;
      if (edit.action === 'move') {
        const to = edit.moveTo ? parseAuthoredInstant(edit.moveTo, slot.timeZone) : null;
        if (to === null) throw new LoaError('validation_failed', 'Thời điểm dời đến không hợp lệ.', { field: 'moveTo' });
        if (to < this.clock.now()) throw new LoaError('slot_in_past', 'Không thể dời buổi phát vào thời điểm đã qua.');
        movedTo = toInstant(to);
      }
      const reason = edit.action === 'cancel' ? edit.reason?.trim() || null : null;
      const override = { slotId: id, occurrenceAt: toInstant(at), stationId, action: edit.action, movedTo, reason, createdBy: actor?.userId ?? null, createdAt: this.clock.nowInstant() };
      if (movedTo !== null && slot.status !== 'draft') {
        const only = new Map([...stationMap].filter(([s]) => stations.includes(s)));
        await refuseClashes(tx, this.clock.now(), slot, only, [...overrides, { ...override, id: '' }], { from: fromInstant(movedTo), to: fromInstant(movedTo) + 1 });
      }
      await tx.insertOverride(override);
      await this.record(tx, id, edit.action === 'cancel' ? 'airing_cancelled' : 'airing_moved', actor, `${toInstant(at)}${movedTo ? ` → ${movedTo}` : ''}${stationId ? ` @${stationId}` : ''}${reason ? ` — ${reason}` : ''}`);
      return slot.status === 'approved' ? stations : [];
    });
    await this.lookAhead.refreshStations(affected);
    return this.queries.describe(id);
  }

  private record(tx: ScheduleRepository, slotId: string, action: string, actor: Actor, note: string | null = null): Promise<void> {
    return tx.record({ slotId, action, userId: actor?.userId ?? null, username: actor?.username ?? 'hệ thống', note, at: this.clock.nowInstant() });
  }
}

/** The stations the actor's unit reaches (all for the system and for staff with no unit). */
function ownStations(actor: Actor, world: TargetWorld): OwnStations {
  return ownStationsOf(reachOf(actor, world.units), world.stations);
}

function requireTargetsExist(targets: readonly TargetRef[], world: TargetWorld, groups: ReadonlySet<string>): void {
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
