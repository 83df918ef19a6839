import { Inject, Injectable } from '@nestjs/common';
import type { AgendaAiring, AgendaClash, AiringOrderView, StationAgenda } from '@loa/api-types';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { HolidaysService } from '../holidays/holidays.service';
import { StationsService } from '../stations/stations.service';
import type { AiringOrder } from './airing-order.entity';
import { applyOrders, priorityClashes } from './airing-order';
import type { AiringRules } from './day-rules';
import { Expansions } from './expand';
import { LookAhead } from './look-ahead.service';
import { ScheduleRepository } from './schedule.repository';
import { occurrenceIdOf } from './snapshot';
import type { Slot } from './slot.entity';
import { resolveTargets } from './targets';
import { fromInstant, toInstant } from '@loa/protocol';

const DAY_MS = 24 * 3600_000;
const keyOf = (slotId: string, at: string) => `${slotId}@${at}`;

export interface OrderInput {
  firstSlotId: string;
  firstAt: string;
  secondSlotId: string;
  secondAt: string;
}

interface Base {
  slot: Slot;
  slotId: string;
  /** The instant its slot gives it; `startAt` moves when an order applies. */
  plannedAt: string;
  startAt: string;
  durationMs: number;
  priority: Slot['priority'];
  startMode: Slot['startMode'];
  occurrenceId: string;
  clusterIds: string[] | null;
}

export function orderView(o: AiringOrder): AiringOrderView {
  return { id: o.id, stationId: o.stationId, first: { slotId: o.firstSlotId, at: o.firstAt }, second: { slotId: o.secondSlotId, at: o.secondAt }, createdAt: o.createdAt };
}

/**
 * The commune operator's view of its station (TT39): the coming airings with the upper level's items by
 * priority, the normal ones it declined, and the pairs of priority items that clash, with the order it chose.
 */
@Injectable()
export class OperatorConsole {
  constructor(
    private readonly store: ScheduleRepository,
    private readonly clock: Clock,
    @Inject(AccessPolicy) private readonly access: Pick<AccessPolicy, 'requireStation'>,
    @Inject(StationsService) private readonly stations: Pick<StationsService, 'get'>,
    @Inject(HolidaysService) private readonly days: Pick<HolidaysService, 'rulesFor'>,
    private readonly lookAhead: LookAhead,
  ) {}

  async agenda(stationId: string, days: number): Promise<StationAgenda> {
    const station = await this.stations.get(stationId);
    const now = this.clock.now();
    const [from, to] = [now, now + days * DAY_MS];
    const slots = await this.store.liveSlots(['approved'], from - DAY_MS, to);
    const rules = await this.days.rulesFor(from, to, slots);
    const { airings: base, targeted } = await this.baseAirings(this.store, stationId, slots, rules, from, to);
    const slotIds = slots.map((s) => s.id);
    const [orders, overrides, actions, programmes] = await Promise.all([
      this.store.ordersOf([stationId]),
      this.store.overridesOf(slotIds),
      this.store.actionsOf(slotIds),
      this.store.programmes([...new Set(slots.map((s) => s.programmeId))]),
    ]);
    const programme = new Map(programmes.map((p) => [p.id, p]));
    const airing = (slot: Slot, plannedAt: string, startAt: string | null, startMode: Slot['startMode'], declined: AgendaAiring['declined']): AgendaAiring => {
      const p = programme.get(slot.programmeId);
      return {
        slotId: slot.id,
        plannedAt,
        startAt,
        durationMs: slot.durationMs,
        priority: slot.priority,
        source: slot.source,
        startMode,
        programmeId: slot.programmeId,
        title: p?.title ?? '',
        chuyenMuc: p?.chuyenMuc ?? '',
        own: slot.source === 'local',
        declined,
      };
    };
    const out: AgendaAiring[] = applyOrders(base, orders).map((b) => airing(b.slot, b.plannedAt, b.startAt, b.startMode, null));
    // What the station declined: gone from what it will play, shown so the operator sees its own choice.
    for (const o of overrides) {
      if (o.action !== 'cancel' || o.stationId !== stationId || !targeted.has(o.slotId)) continue;
      const t = fromInstant(o.occurrenceAt);
      const slot = slots.find((s) => s.id === o.slotId)!;
      if (t + slot.durationMs <= from || t >= to) continue;
      const by = actions.find((a) => a.slotId === o.slotId && a.action === 'airing_cancelled' && a.note?.startsWith(o.occurrenceAt) && a.note.includes(`@${stationId}`));
      out.push(airing(slot, o.occurrenceAt, null, slot.startMode, { by: by?.username ?? null, at: o.createdAt, reason: o.reason ?? null }));
    }
    out.sort((a, b) => (a.startAt ?? a.plannedAt).localeCompare(b.startAt ?? b.plannedAt) || a.slotId.localeCompare(b.slotId));
    const clashes: AgendaClash[] = priorityClashes(base).map(([a, b]) => {
      const order = orders.find(
        (o) =>
          (keyOf(o.firstSlotId, o.firstAt) === keyOf(a.slotId, a.startAt) && keyOf(o.secondSlotId, o.secondAt) === keyOf(b.slotId, b.startAt)) ||
          (keyOf(o.firstSlotId, o.firstAt) === keyOf(b.slotId, b.startAt) && keyOf(o.secondSlotId, o.secondAt) === keyOf(a.slotId, a.startAt)),
      );
      return { a: { slotId: a.slotId, at: a.startAt }, b: { slotId: b.slotId, at: b.startAt }, order: order ? orderView(order) : null };
    });
    return { stationId, stationName: station.name, from: toInstant(from), to: toInstant(to), airings: out, clashes };
  }

  /** The station's orders, oldest first. */
  async orders(stationId: string): Promise<AiringOrderView[]> {
    return (await this.store.ordersOf([stationId])).map(orderView);
  }

  /**
   * Stores the order the station wants for two of its clashing priority airings (the second waits for the
   * first), in place of any order it chose for the same pair, and rebuilds the station's look-ahead.
   */
  async setOrder(stationId: string, input: OrderInput, who: Principal): Promise<AiringOrderView> {
    await this.stations.get(stationId);
    await this.access.requireStation(who, stationId, 'write');
    const first = { slotId: input.firstSlotId, at: normalise(input.firstAt, 'firstAt') };
    const second = { slotId: input.secondSlotId, at: normalise(input.secondAt, 'secondAt') };
    if (first.slotId === second.slotId) throw new LoaError('order_invalid', 'Hai buổi phát phải thuộc hai lịch phát khác nhau.');
    const now = this.clock.now();
    const to = Math.max(fromInstant(first.at), fromInstant(second.at)) + DAY_MS;
    const slots = await this.store.liveSlots(['approved'], now - DAY_MS, to);
    const rules = await this.days.rulesFor(now - DAY_MS, to, slots);
    const saved = await this.store.transaction(async (tx) => {
      const { airings: base } = await this.baseAirings(tx, stationId, await tx.liveSlots(['approved'], now - DAY_MS, to), rules, now - DAY_MS, to);
      const find = (r: { slotId: string; at: string }) => base.find((b) => b.slotId === r.slotId && b.startAt === r.at);
      const [a, b] = [find(first), find(second)];
      if (!a || !b) throw new LoaError('not_found', 'Không có buổi phát đã chọn trên trạm này (có thể đã bị huỷ hoặc chưa được duyệt).');
      if (a.priority !== 'priority' || b.priority !== 'priority') {
        throw new LoaError('order_invalid', 'Chỉ chọn thứ tự cho hai chương trình ưu tiên trùng giờ; chương trình khẩn cấp luôn phát ngay, chương trình thông thường nhường chương trình ưu tiên.');
      }
      if (Math.min(fromInstant(a.startAt), fromInstant(b.startAt)) <= now) throw new LoaError('order_invalid', 'Một trong hai buổi phát đã đến giờ phát, không thể đổi thứ tự nữa.');
      if (!priorityClashes([a, b]).length) throw new LoaError('order_invalid', 'Hai buổi phát này không trùng giờ trên trạm, không cần chọn thứ tự.');
      const existing = await tx.ordersOf([stationId]);
      const samePair = (o: AiringOrder) => {
        const keys = new Set([keyOf(o.firstSlotId, o.firstAt), keyOf(o.secondSlotId, o.secondAt)]);
        return keys.has(keyOf(first.slotId, first.at)) && keys.has(keyOf(second.slotId, second.at));
      };
      const others = existing.filter((o) => !samePair(o));
      if (closesCircle(others, keyOf(first.slotId, first.at), keyOf(second.slotId, second.at))) {
        throw new LoaError('order_invalid', 'Thứ tự này mâu thuẫn với thứ tự đã chọn cho các buổi phát khác trên trạm.');
      }
      for (const o of existing.filter(samePair)) await tx.deleteOrder(o.id);
      const nowIso = this.clock.nowInstant();
      const row = await tx.insertOrder({ stationId, firstSlotId: first.slotId, firstAt: first.at, secondSlotId: second.slotId, secondAt: second.at, createdBy: who.kind === 'user' ? who.userId : null, createdAt: nowIso });
      const username = who.kind === 'user' ? who.username : 'hệ thống';
      const userId = who.kind === 'user' ? who.userId : null;
      for (const [r, note] of [[first, 'phát trước'], [second, 'phát sau']] as const) {
        await tx.record({ slotId: r.slotId, action: 'airing_ordered', userId, username, note: `${r.at} @${stationId}: ${note}`, at: nowIso });
      }
      return row;
    });
    await this.lookAhead.refreshStations([stationId]);
    return orderView(saved);
  }

  /** Forgets an order; the two airings go back to the rules' own order. */
  async removeOrder(stationId: string, orderId: string, who: Principal): Promise<void> {
    await this.access.requireStation(who, stationId, 'write');
    await this.store.transaction(async (tx) => {
      const order = await tx.order(orderId);
      if (!order || order.stationId !== stationId) throw new LoaError('not_found', 'Không tìm thấy thứ tự phát này trên trạm.');
      await tx.deleteOrder(orderId);
    });
    await this.lookAhead.refreshStations([stationId]);
  }

  /** The station's approved airings starting in [from, to) (a day earlier for ones still playing), as their slots give them. */
  private async baseAirings(store: ScheduleRepository, stationId: string, slots: readonly Slot[], rules: AiringRules, from: number, to: number): Promise<{ airings: Base[]; targeted: Set<string> }> {
    const slotIds = slots.map((s) => s.id);
    const [world, targets, overrides] = await store.reads(() => store.world(), () => store.targetsOf(slotIds), () => store.overridesOf(slotIds));
    const expansions = new Expansions(rules);
    const out: Base[] = [];
    const targeted = new Set<string>();
    for (const slot of slots) {
      const map = resolveTargets(targets.filter((t) => t.slotId === slot.id), world);
      if (!map.has(stationId)) continue;
      targeted.add(slot.id);
      for (const at of expansions.airingsOf(slot, overrides, stationId, from - slot.durationMs, to)) {
        if (at + slot.durationMs <= from) continue;
        out.push({ slot, slotId: slot.id, plannedAt: toInstant(at), startAt: toInstant(at), durationMs: slot.durationMs, priority: slot.priority, startMode: slot.startMode, occurrenceId: occurrenceIdOf(slot.id, toInstant(at)), clusterIds: map.get(stationId) ?? null });
      }
    }
    return { airings: out.sort((a, b) => a.startAt.localeCompare(b.startAt) || a.slotId.localeCompare(b.slotId)), targeted };
  }
}

function normalise(text: string, field: string): string {
  const ms = fromInstant(text);
  if (Number.isNaN(ms)) throw new LoaError('validation_failed', `${field} không phải thời điểm hợp lệ.`, { field });
  return toInstant(ms);
}

/** Would "a before b" close a circle with the orders there are (b already before a, directly or through others)? */
function closesCircle(orders: readonly AiringOrder[], a: string, b: string): boolean {
  const next = new Map<string, string[]>();
  for (const o of orders) {
    const from = keyOf(o.firstSlotId, o.firstAt);
    next.set(from, [...(next.get(from) ?? []), keyOf(o.secondSlotId, o.secondAt)]);
  }
  const stack = [b];
  const seen = new Set<string>();
  while (stack.length) {
    const at = stack.pop()!;
    if (at === a) return true;
    if (seen.has(at)) continue;
    seen.add(at);
    stack.push(...(next.get(at) ?? []));
  }
  return false;
}
