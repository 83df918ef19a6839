import { randomUUID } from 'node:crypto';
import type { Programme } from '../../../apps/server/src/programmes/programme.entity';
import {
  ScheduleRepository,
  type AiringWindow,
  type NewAction,
  type NewAiringOrder,
  type NewOverride,
  type NewSlotRow,
  type SlotQuery,
  type SlotTargetRow,
} from '../../../apps/server/src/schedule/schedule.repository';
import type { AiringRow } from '../../../apps/server/src/schedule/snapshot';
import type { AiringOrder } from '../../../apps/server/src/schedule/airing-order.entity';
import type { VersionMedia } from '../../../apps/server/src/schedule/language-choice';
import type { Airing, Slot, SlotAction, SlotOverride, SlotStatus } from '../../../apps/server/src/schedule/slot.entity';
import type { TargetRef, TargetWorld } from '../../../apps/server/src/schedule/targets';

export interface FakeStation {
  id: string;
  unitId: string;
  name: string;
  scheduleVersion: number;
}

/** Everything the fake holds: plain rows, copied in and out as a database would. */
export interface ScheduleTables {
  slots: Slot[];
  targets: SlotTargetRow[];
  overrides: SlotOverride[];
  actions: SlotAction[];
  orders: AiringOrder[];
  airings: Airing[];
  stations: FakeStation[];
  units: { id: string; parentId: string | null }[];
  groups: { id: string; stationIds: string[] }[];
  clusters: { id: string; stationId: string }[];
  programmes: Programme[];
  /** Audio of each media asset, by id, as snapshots carry it. */
  media: Record<string, { sha256: string; size: number; durationMs: number }>;
  /** Each chuyên mục's own dead-air threshold, by id. */
  deadAir: Record<string, number | null>;
  /** Language versions of programmes, with their audio. */
  versions?: VersionMedia[];
}

const copy = <T>(x: T): T => structuredClone(x);

/** The schedule's store in memory, for unit specs: a failed transaction leaves nothing behind. */
export class FakeScheduleRepository extends ScheduleRepository {
  /** Transactions run, in order; specs read it to see that work was batched. */
  transactions = 0;
  private nextAction = 1;

  constructor(readonly t: ScheduleTables = { slots: [], targets: [], overrides: [], actions: [], orders: [], airings: [], stations: [], units: [], groups: [], clusters: [], programmes: [], media: {}, deadAir: {} }) {
    super();
  }

  async transaction<T>(work: (tx: ScheduleRepository) => Promise<T>): Promise<T> {
    this.transactions++;
    const before = copy(this.t);
    try {
      return await work(this);
    } catch (e) {
      Object.assign(this.t, before);
      throw e;
    }
  }

  joining(): ScheduleRepository {
    return this;
  }

  async slot(id: string) {
    return copy(this.t.slots.find((s) => s.id === id) ?? null);
  }

  async slots(ids: readonly string[]) {
    return copy(this.t.slots.filter((s) => ids.includes(s.id)));
  }

  async insertSlot(row: NewSlotRow) {
    const slot = { ...copy(row), id: randomUUID() };
    this.t.slots.push(slot);
    return copy(slot);
  }

  async updateSlot(slot: Slot) {
    const i = this.t.slots.findIndex((s) => s.id === slot.id);
    if (i < 0) throw new Error(`no slot ${slot.id}`);
    this.t.slots[i] = copy(slot);
  }

  async liveSlots(statuses: readonly SlotStatus[], from: number, to: number) {
    return copy(this.t.slots.filter((s) => statuses.includes(s.status) && Date.parse(s.startAt) < to && Date.parse(s.endAt) > from));
  }

  async findSlots(q: SlotQuery) {
    const rows = this.t.slots
      .filter((s) => (!q.from || Date.parse(s.endAt) > Date.parse(q.from)) && (!q.to || Date.parse(s.startAt) < Date.parse(q.to)) && (!q.status || s.status === q.status))
      .sort((a, b) => Date.parse(a.startAt) - Date.parse(b.startAt));
    return copy(rows.slice(0, q.limit));
  }

  async slotsCreatedBy(userId: string, limit: number) {
    return copy(
      this.t.slots
        .filter((s) => s.createdBy === userId)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .slice(0, limit),
    );
  }

  async targetsOf(slotIds: readonly string[]) {
    return copy(this.t.targets.filter((t) => slotIds.includes(t.slotId)));
  }

  async addTargets(slotId: string, targets: readonly TargetRef[]) {
    this.t.targets.push(...targets.map((t) => ({ slotId, kind: t.kind, refId: t.refId })));
  }

  async overridesOf(slotIds: readonly string[]) {
    return copy(this.t.overrides.filter((o) => slotIds.includes(o.slotId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
  }

  async insertOverride(row: NewOverride) {
    const o = { ...copy(row), id: randomUUID() };
    this.t.overrides.push(o);
    return copy(o);
  }

  async ordersOf(stationIds: readonly string[]) {
    return copy(this.t.orders.filter((o) => stationIds.includes(o.stationId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt)));
  }

  async order(id: string) {
    const o = this.t.orders.find((x) => x.id === id);
    return o ? copy(o) : null;
  }

  async insertOrder(row: NewAiringOrder) {
    const o = { ...copy(row), id: randomUUID() };
    this.t.orders.push(o);
    return copy(o);
  }

  async deleteOrder(id: string) {
    this.t.orders = this.t.orders.filter((o) => o.id !== id);
  }

  async record(row: NewAction) {
    this.t.actions.push({ ...copy(row), id: this.nextAction++ });
  }

  async actionsOf(slotIds: readonly string[]) {
    return copy(this.t.actions.filter((a) => slotIds.includes(a.slotId)).sort((a, b) => a.id - b.id));
  }

  async world(): Promise<TargetWorld> {
    return {
      stations: this.t.stations.map((s) => ({ id: s.id, unitId: s.unitId })),
      units: copy(this.t.units),
      groupMembers: this.t.groups.flatMap((g) => g.stationIds.map((stationId) => ({ groupId: g.id, stationId }))),
      clusters: copy(this.t.clusters),
    };
  }

  async existingGroups(ids: readonly string[]) {
    return this.t.groups.filter((g) => ids.includes(g.id)).map((g) => g.id);
  }

  async stationIds() {
    return this.t.stations.map((s) => s.id);
  }

  async stationNames(ids: readonly string[]) {
    return this.t.stations.filter((s) => ids.includes(s.id)).map((s) => ({ id: s.id, name: s.name }));
  }

  async programme(id: string) {
    return copy(this.t.programmes.find((p) => p.id === id) ?? null);
  }

  async programmes(ids: readonly string[]) {
    return copy(this.t.programmes.filter((p) => ids.includes(p.id)));
  }

  async airings(stationIds: readonly string[], w: AiringWindow) {
    return copy(this.t.airings.filter((a) => stationIds.includes(a.stationId) && a.startAt >= w.from && a.startAt < w.to));
  }

  async lockLookAhead() {}

  async replaceAirings(stationIds: readonly string[], w: AiringWindow, rows: readonly Airing[]) {
    const replaced = new Set(rows.map((r) => `${r.stationId}|${r.occurrenceId}`));
    this.t.airings = this.t.airings.filter(
      (a) => !(stationIds.includes(a.stationId) && a.startAt >= w.from && a.startAt < w.to) && !replaced.has(`${a.stationId}|${a.occurrenceId}`),
    );
    this.t.airings.push(...copy(rows));
    for (const s of this.t.stations) if (stationIds.includes(s.id)) s.scheduleVersion++;
  }

  async hasAiring(stationId: string, occurrenceId: string, slotId: string) {
    return this.t.airings.some((a) => a.stationId === stationId && a.occurrenceId === occurrenceId && a.slotId === slotId);
  }

  async expireAirings(before: string) {
    const n = this.t.airings.length;
    this.t.airings = this.t.airings.filter((a) => a.startAt >= before);
    return n - this.t.airings.length;
  }

  async snapshotRows(stationIds: readonly string[], from: string, to: string): Promise<(AiringRow & { stationId: string })[]> {
    const out: (AiringRow & { stationId: string })[] = [];
    for (const a of this.t.airings) {
      if (!stationIds.includes(a.stationId) || a.startAt < from || a.startAt >= to) continue;
      const slot = this.t.slots.find((s) => s.id === a.slotId);
      if (slot?.status !== 'approved') continue;
      const p = this.t.programmes.find((x) => x.id === slot.programmeId);
      const media = p && this.t.media[p.mediaAssetId];
      if (!p || !media) continue;
      out.push({
        stationId: a.stationId,
        slotId: a.slotId,
        startAt: a.startAt,
        durationMs: a.durationMs,
        priority: a.priority,
        source: a.source,
        startMode: a.startMode,
        waitMs: a.waitMs,
        clusterIds: a.clusterIds,
        programmeId: p.id,
        title: p.title,
        chuyenMuc: p.chuyenMuc,
        deadAirSeconds: p.chuyenMucId ? (this.t.deadAir[p.chuyenMucId] ?? null) : null,
        sha256: media.sha256,
        size: media.size,
        mediaDurationMs: media.durationMs,
      });
    }
    return out;
  }

  async versionMedia(programmeIds: readonly string[]): Promise<VersionMedia[]> {
    return (this.t.versions ?? []).filter((v) => programmeIds.includes(v.programmeId)).map((v) => ({ ...v }));
  }
}
