import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager, In, LessThan } from 'typeorm';
import { binder, engineOf } from '../database/sql';
import { ChuyenMuc } from '../programmes/chuyen-muc.entity';
import { Programme } from '../programmes/programme.entity';
import { SpeakerCluster, StationGroup, StationGroupMember } from '../stations/station-group.entity';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
import { AiringOrder } from './airing-order.entity';
import type { AiringRow } from './snapshot';
import type { VersionMedia } from './language-choice';
import { ProgrammeVersion } from '../programmes/programme-version.entity';
import { Airing, Slot, SlotAction, SlotOverride, SlotTarget, SlotTargetRef, type SlotStatus, type TargetKind } from './slot.entity';
import type { TargetRef, TargetWorld } from './targets';
import { toInstant } from '@loa/protocol';

export type SlotTargetRow = TargetRef & { slotId: string };
export type NewSlotRow = Omit<Slot, 'id'>;
export type NewOverride = Omit<SlotOverride, 'id'>;
export type NewAction = Omit<SlotAction, 'id'>;
export type NewAiringOrder = Omit<AiringOrder, 'id'>;
export interface AiringWindow {
  from: string;
  to: string;
}
export interface SlotQuery {
  /** Slots whose span ends after this instant. */
  from?: string;
  /** Slots that start before this instant. */
  to?: string;
  status?: SlotStatus;
  limit: number;
}

/**
 * What the schedule stores: slots, their targets, single-airing edits and history, the materialised
 * airings, and the facts about stations, units and programmes it reads. The services see only this.
 */
export abstract class ScheduleRepository {
  /** Runs `work` in one transaction: all its writes land, or none does. */
  abstract transaction<T>(work: (tx: ScheduleRepository) => Promise<T>): Promise<T>;
  /** The same reads inside a transaction another capability opened (its opaque handle). */
  abstract joining(handle: object): ScheduleRepository;
  /**
   * Runs several reads and gives their results in order: together on the pool, one after another inside
   * a transaction, whose one connection takes one query at a time (pg queues the rest, and pg 9 refuses them).
   */
  reads<T extends unknown[]>(...reads: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
    return Promise.all(reads.map((read) => read())) as Promise<T>;
  }

  abstract slot(id: string): Promise<Slot | null>;
  abstract slots(ids: readonly string[]): Promise<Slot[]>;
  abstract insertSlot(row: NewSlotRow): Promise<Slot>;
  abstract updateSlot(slot: Slot): Promise<void>;
  /** Slots in `statuses` whose span meets [from, to). */
  abstract liveSlots(statuses: readonly SlotStatus[], from: number, to: number): Promise<Slot[]>;
  /** Slots matching the query, earliest start first. */
  abstract findSlots(query: SlotQuery): Promise<Slot[]>;
  /** An author's slots, newest first. */
  abstract slotsCreatedBy(userId: string, limit: number): Promise<Slot[]>;

  /** Every target of the slots, direct stations and the rest alike. */
  abstract targetsOf(slotIds: readonly string[]): Promise<SlotTargetRow[]>;
  abstract addTargets(slotId: string, targets: readonly TargetRef[]): Promise<void>;
  /** Single-airing edits of the slots, oldest first. */
  abstract overridesOf(slotIds: readonly string[]): Promise<SlotOverride[]>;
  abstract insertOverride(row: NewOverride): Promise<SlotOverride>;
  abstract record(row: NewAction): Promise<void>;
  /** The orders the stations chose for their clashing priority airings, oldest first. */
  abstract ordersOf(stationIds: readonly string[]): Promise<AiringOrder[]>;
  abstract order(id: string): Promise<AiringOrder | null>;
  abstract insertOrder(row: NewAiringOrder): Promise<AiringOrder>;
  abstract deleteOrder(id: string): Promise<void>;
  /** History of the slots, in the order it happened. */
  abstract actionsOf(slotIds: readonly string[]): Promise<SlotAction[]>;

  /** Stations, units, group members and speaker clusters, as target resolution needs them. */
  abstract world(): Promise<TargetWorld>;
  /** Those of `ids` that are station groups. */
  abstract existingGroups(ids: readonly string[]): Promise<string[]>;
  abstract stationIds(): Promise<string[]>;
  abstract stationNames(ids: readonly string[]): Promise<{ id: string; name: string }[]>;
  abstract programme(id: string): Promise<Programme | null>;
  abstract programmes(ids: readonly string[]): Promise<Programme[]>;

  /** Materialised airings of the stations that start in the window. */
  abstract airings(stationIds: readonly string[], window: AiringWindow): Promise<Airing[]>;
  /**
   * Holds these stations' look-ahead for the rest of the transaction, so two rebuilds of one station (two
   * instances, or a change and the periodic refresh) take turns instead of writing the same airing twice.
   */
  abstract lockLookAhead(stationIds: readonly string[]): Promise<void>;
  /** Replaces the stations' airings in the window by `rows` and raises their schedule versions. */
  abstract replaceAirings(stationIds: readonly string[], window: AiringWindow, rows: readonly Airing[]): Promise<void>;
  abstract hasAiring(stationId: string, occurrenceId: string, slotId: string): Promise<boolean>;
  /** Forgets airings that started before `before`; says how many. */
  abstract expireAirings(before: string): Promise<number>;
  /** The station's approved airings in [from, to) with programme, chuyên mục and audio, for its snapshot. */
  abstract snapshotRows(stationIds: readonly string[], from: string, to: string): Promise<(AiringRow & { stationId: string })[]>;
  /** The language versions of these programmes whose audio is ready, with that audio. */
  abstract versionMedia(programmeIds: readonly string[]): Promise<VersionMedia[]>;
}

/** Airing rows per INSERT: ten bound values each, well within SQLite's and PostgreSQL's limits. */
const ROWS_PER_STATEMENT = 100;
const AIRING_COLUMNS = ['stationId', 'occurrenceId', 'slotId', 'startAt', 'durationMs', 'priority', 'source', 'startMode', 'waitMs', 'clusterIds'] as const;

/** The schedule's rows through one TypeORM entity manager (the data source's, or a transaction's). */
/** The advisory-lock space of the look-ahead's per-station locks (the logbook's chains use another). */
const LOOK_AHEAD_LOCK_SPACE = 7306;

class ScheduleRows extends ScheduleRepository {
  constructor(protected readonly m: EntityManager) {
    super();
  }

  transaction<T>(work: (tx: ScheduleRepository) => Promise<T>): Promise<T> {
    return this.m.transaction((m) => work(new ScheduleRows(m)));
  }

  joining(handle: object): ScheduleRepository {
    if (!(handle instanceof EntityManager)) throw new Error('not a transaction of this data source');
    return new ScheduleRows(handle);
  }

  override async reads<T extends unknown[]>(...reads: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
    if (!this.m.queryRunner) return super.reads<T>(...reads);
    const out: unknown[] = [];
    for (const read of reads) out.push(await read());
    return out as T;
  }

  slot(id: string) {
    return this.m.findOneBy(Slot, { id });
  }

  slots(ids: readonly string[]) {
    return ids.length ? this.m.findBy(Slot, { id: In([...ids]) }) : Promise.resolve([]);
  }

  insertSlot(row: NewSlotRow) {
    return this.m.save(this.m.create(Slot, row));
  }

  async updateSlot(slot: Slot) {
    await this.m.save(Slot, slot);
  }

  liveSlots(statuses: readonly SlotStatus[], from: number, to: number) {
    return this.m
      .createQueryBuilder(Slot, 'slot')
      .where('slot.status IN (:...statuses)', { statuses })
      .andWhere(new Brackets((w) => w.where('slot.startAt < :to', { to: toInstant(to) }).andWhere('slot.endAt > :from', { from: toInstant(from) })))
      .getMany();
  }

  findSlots(query: SlotQuery) {
    const qb = this.m.createQueryBuilder(Slot, 'slot').orderBy('slot.startAt', 'ASC').take(query.limit);
    if (query.from) qb.andWhere('slot.endAt > :from', { from: query.from });
    if (query.to) qb.andWhere('slot.startAt < :to', { to: query.to });
    if (query.status) qb.andWhere('slot.status = :status', { status: query.status });
    return qb.getMany();
  }

  slotsCreatedBy(userId: string, limit: number) {
    return this.m.find(Slot, { where: { createdBy: userId }, order: { createdAt: 'DESC' }, take: limit });
  }

  async targetsOf(slotIds: readonly string[]): Promise<SlotTargetRow[]> {
    if (!slotIds.length) return [];
    const [direct, refs] = await this.reads(
      () => this.m.findBy(SlotTarget, { slotId: In([...slotIds]) }),
      () => this.m.findBy(SlotTargetRef, { slotId: In([...slotIds]) }),
    );
    return [...direct.map((t) => ({ slotId: t.slotId, kind: 'station' as const, refId: t.stationId })), ...refs.map((t) => ({ slotId: t.slotId, kind: t.kind, refId: t.refId }))];
  }

  async addTargets(slotId: string, targets: readonly TargetRef[]) {
    const direct = targets.filter((t) => t.kind === 'station');
    const refs = targets.filter((t): t is { kind: Exclude<TargetKind, 'station'>; refId: string } => t.kind !== 'station');
    if (direct.length) await this.m.insert(SlotTarget, direct.map((t) => ({ slotId, stationId: t.refId })));
    if (refs.length) await this.m.insert(SlotTargetRef, refs.map((t) => ({ slotId, kind: t.kind, refId: t.refId })));
  }

  overridesOf(slotIds: readonly string[]) {
    return slotIds.length ? this.m.find(SlotOverride, { where: { slotId: In([...slotIds]) }, order: { createdAt: 'ASC' } }) : Promise.resolve([]);
  }

  insertOverride(row: NewOverride) {
    return this.m.save(this.m.create(SlotOverride, row));
  }

  async record(row: NewAction) {
    await this.m.insert(SlotAction, row);
  }

  ordersOf(stationIds: readonly string[]) {
    return stationIds.length ? this.m.find(AiringOrder, { where: { stationId: In([...stationIds]) }, order: { createdAt: 'ASC' } }) : Promise.resolve([]);
  }

  order(id: string) {
    return this.m.findOneBy(AiringOrder, { id });
  }

  insertOrder(row: NewAiringOrder) {
    return this.m.save(this.m.create(AiringOrder, row));
  }

  async deleteOrder(id: string) {
    await this.m.delete(AiringOrder, { id });
  }

  actionsOf(slotIds: readonly string[]) {
    return slotIds.length ? this.m.find(SlotAction, { where: { slotId: In([...slotIds]) }, order: { id: 'ASC' } }) : Promise.resolve([]);
  }

  async world(): Promise<TargetWorld> {
    const [stations, units, groupMembers, clusters] = await this.reads(
      () => this.m.find(Station, { select: { id: true, unitId: true } }),
      () => this.m.find(Unit, { select: { id: true, parentId: true } }),
      () => this.m.find(StationGroupMember),
      () => this.m.find(SpeakerCluster, { select: { id: true, stationId: true } }),
    );
    return { stations, units, groupMembers, clusters };
  }

  async existingGroups(ids: readonly string[]) {
    return ids.length ? (await this.m.find(StationGroup, { select: { id: true }, where: { id: In([...ids]) } })).map((g) => g.id) : [];
  }

  async stationIds() {
    return (await this.m.find(Station, { select: { id: true } })).map((s) => s.id);
  }

  stationNames(ids: readonly string[]) {
    return ids.length ? this.m.find(Station, { select: { id: true, name: true }, where: { id: In([...ids]) } }) : Promise.resolve([]);
  }

  programme(id: string) {
    return this.m.findOneBy(Programme, { id });
  }

  programmes(ids: readonly string[]) {
    return ids.length ? this.m.findBy(Programme, { id: In([...new Set(ids)]) }) : Promise.resolve([]);
  }

  airings(stationIds: readonly string[], window: AiringWindow) {
    if (!stationIds.length) return Promise.resolve([]);
    return this.m
      .createQueryBuilder(Airing, 'a')
      .where('a.stationId IN (:...stationIds) AND a.startAt >= :from AND a.startAt < :to', { stationIds, ...window })
      .getMany();
  }

  async lockLookAhead(stationIds: readonly string[]) {
    // SQLite has one writer at a time already; on PostgreSQL, stations in sorted order so two rebuilds never deadlock.
    if (!stationIds.length || engineOf(this.m) !== 'postgres') return;
    const ids = [...new Set(stationIds)].sort();
    await this.m.query('SELECT pg_advisory_xact_lock($1, hashtext(t.id)) FROM unnest($2::text[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n', [LOOK_AHEAD_LOCK_SPACE, ids]);
  }

  async replaceAirings(stationIds: readonly string[], window: AiringWindow, rows: readonly Airing[]) {
    if (!stationIds.length) return;
    const m = this.m;
    const engine = engineOf(m);
    await m
      .createQueryBuilder()
      .delete()
      .from(Airing)
      .where('"stationId" IN (:...stationIds) AND "startAt" >= :from AND "startAt" < :to', { stationIds, ...window })
      .execute();
    // An airing moved out of the window keeps no stale row behind; one with the same id is replaced.
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      const batch = rows.slice(i, i + ROWS_PER_STATEMENT);
      let p = binder(engine);
      await m.query(
        `DELETE FROM "airing" WHERE ("stationId", "occurrenceId") IN (VALUES ${batch.map(() => `(${p()}, ${p()})`).join(', ')})`,
        batch.flatMap((r) => [r.stationId, r.occurrenceId]),
      );
      p = binder(engine);
      await m.query(
        `INSERT INTO "airing" (${AIRING_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${batch.map(() => `(${AIRING_COLUMNS.map(() => p()).join(', ')})`).join(', ')}`,
        batch.flatMap((r) => [r.stationId, r.occurrenceId, r.slotId, r.startAt, r.durationMs, r.priority, r.source, r.startMode, r.waitMs, r.clusterIds === null ? null : JSON.stringify(r.clusterIds)]),
      );
    }
    await m
      .createQueryBuilder()
      .update(Station)
      .set({ scheduleVersion: () => '"scheduleVersion" + 1' })
      .where('"id" IN (:...stationIds)', { stationIds })
      .execute();
  }

  hasAiring(stationId: string, occurrenceId: string, slotId: string) {
    return this.m.existsBy(Airing, { stationId, occurrenceId, slotId });
  }

  async expireAirings(before: string) {
    return (await this.m.delete(Airing, { startAt: LessThan(before) })).affected ?? 0;
  }

  async snapshotRows(stationIds: readonly string[], from: string, to: string): Promise<(AiringRow & { stationId: string })[]> {
    if (!stationIds.length) return [];
    const rows = await this.m
      .createQueryBuilder(Airing, 'air')
      .innerJoin(Slot, 'slot', 'slot.id = air.slotId')
      .innerJoin(Programme, 'p', 'p.id = slot.programmeId')
      .innerJoin('media_asset', 'a', 'a.id = p.mediaAssetId')
      .leftJoin(ChuyenMuc, 'cm', 'cm.id = p.chuyenMucId')
      .select([
        'air.stationId AS "stationId"',
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
      .where('air.stationId IN (:...stationIds)', { stationIds: [...stationIds] })
      .andWhere('slot.status = :status', { status: 'approved' })
      .andWhere('air.startAt >= :from AND air.startAt < :to', { from, to })
      .getRawMany<Omit<AiringRow, 'clusterIds'> & { stationId: string; clusterIds: string | null }>();
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

  async versionMedia(programmeIds: readonly string[]): Promise<VersionMedia[]> {
    if (!programmeIds.length) return [];
    const rows = await this.m
      .createQueryBuilder(ProgrammeVersion, 'v')
      .innerJoin('media_asset', 'a', 'a.id = v.mediaAssetId')
      .select(['v.programmeId AS "programmeId"', 'v.language AS language', 'a.sha256 AS sha256', 'a.size AS size', 'a.durationMs AS "durationMs"'])
      .where('v.programmeId IN (:...programmeIds)', { programmeIds: [...programmeIds] })
      .andWhere('a.status = :ready', { ready: 'ready' })
      .getRawMany<VersionMedia>();
    return rows.map((r) => ({ ...r, size: Number(r.size), durationMs: Number(r.durationMs) }));
  }
}

/** The schedule's rows in the application's database. */
@Injectable()
export class TypeormScheduleRepository extends ScheduleRows {
  constructor(@InjectDataSource() db: DataSource) {
    super(db.manager);
  }
}
