import type { Actor } from '../../../apps/server/src/access/access-policy';
import { Clock } from '../../../apps/server/src/common/clock';
import { LoaError } from '../../../apps/server/src/common/errors';
import { DomainEvents, type DomainEvent } from '../../../apps/server/src/common/events';
import type { ReadyMediaAsset } from '../../../apps/server/src/media/media.service';
import type { Programme } from '../../../apps/server/src/programmes/programme.entity';
import { LookAhead } from '../../../apps/server/src/schedule/look-ahead.service';
import { ScheduleAuthoring } from '../../../apps/server/src/schedule/schedule-authoring.service';
import { ScheduleQueries } from '../../../apps/server/src/schedule/schedule-queries.service';
import type { Station } from '../../../apps/server/src/stations/station.entity';
import { FakeScheduleRepository } from './schedule.repository.fake';
import type { AiringRules, QuietHours } from '../../../apps/server/src/schedule/day-rules';

/** A clock that stands still until a spec moves it. */
export class FakeClock extends Clock {
  constructor(public at: number) {
    super();
  }

  override now(): number {
    return this.at;
  }
}

export const PROGRAMME_MS = 10 * 60_000;
const DAY = 24 * 3600_000;

function programme(id: string, title: string, createdBy: string | null = null): Programme {
  return { id, title, chuyenMuc: 'Thời sự', chuyenMucId: 'cm-news', topicId: null, description: '', mediaAssetId: `media-${id}`, spokenText: null, createdBy, public: true, createdAt: '2026-01-01T00:00:00.000Z' };
}

/**
 * The schedule's three services on one in-memory store: a province with two communes, three stations
 * (two in the first commune), a speaker cluster, a station group and two ten-minute programmes.
 */
export function scheduleFixture(now = Date.parse('2026-06-01T00:00:00.000Z')) {
  const store = new FakeScheduleRepository();
  store.t.units.push({ id: 'province', parentId: null }, { id: 'commune-a', parentId: 'province' }, { id: 'commune-b', parentId: 'province' });
  store.t.stations.push(
    { id: 'st-a1', unitId: 'commune-a', name: 'Trạm A1', scheduleVersion: 1 },
    { id: 'st-a2', unitId: 'commune-a', name: 'Trạm A2', scheduleVersion: 1 },
    { id: 'st-b1', unitId: 'commune-b', name: 'Trạm B1', scheduleVersion: 1 },
  );
  store.t.clusters.push({ id: 'cluster-a1', stationId: 'st-a1' });
  store.t.groups.push({ id: 'group-ab', stationIds: ['st-a2', 'st-b1'] });
  store.t.programmes.push(programme('news', 'Bản tin sáng'), programme('music', 'Dân ca'));
  store.t.media['media-news'] = { sha256: 'a'.repeat(64), size: 1000, durationMs: PROGRAMME_MS };
  store.t.media['media-music'] = { sha256: 'b'.repeat(64), size: 2000, durationMs: PROGRAMME_MS };
  store.t.deadAir['cm-news'] = 20;

  const clock = new FakeClock(now);
  const events = new DomainEvents();
  const emitted: DomainEvent[] = [];
  events.stream.subscribe((e) => emitted.push(e));
  const config = { timezone: 'Asia/Ho_Chi_Minh', scheduleWindowMs: 7 * DAY };
  const stations = {
    async get(id: string): Promise<Station> {
      const s = store.t.stations.find((x) => x.id === id);
      if (!s) throw new LoaError('not_found', 'Không tìm thấy trạm này.');
      return { id: s.id, unitId: s.unitId, name: s.name, scheduleVersion: s.scheduleVersion } as Station;
    },
    async byIds(ids: readonly string[]): Promise<Station[]> {
      return Promise.all(store.t.stations.filter((x) => ids.includes(x.id)).map((x) => stations.get(x.id)));
    },
  };
  const media = {
    async requireReady(id: string): Promise<ReadyMediaAsset> {
      const m = store.t.media[id];
      if (!m) throw new LoaError('not_found', 'Không tìm thấy tệp âm thanh này.');
      return { id, status: 'ready', ...m } as ReadyMediaAsset;
    },
  };
  // Programmes a spec marks as another unit's are hidden from every user.
  const hidden = new Set<string>();
  const access = {
    async filterOwned<T>(_who: unknown, rows: readonly T[], ownerOf: (row: T) => string | null): Promise<T[]> {
      return rows.filter((r) => !hidden.has(ownerOf(r) ?? ''));
    },
  };
  // No holidays, quiet hours or disabled stations unless a spec sets them.
  const days = {
    rules: { holidays: new Map<string, string>(), quiet: new Map<string, QuietHours>(), timeZone: 'Asia/Ho_Chi_Minh', disabled: new Set<string>() } as AiringRules,
    async rulesFor(): Promise<AiringRules> {
      return days.rules;
    },
    async refuseQuietHours(): Promise<void> {},
    async quietStations() {
      return [];
    },
  };
  const lookAhead = new LookAhead(store, config, clock, events, days);
  const queries = new ScheduleQueries(store, config, clock, stations, days);
  const authoring = new ScheduleAuthoring(store, config, clock, media, access, lookAhead, queries, days);
  return { store, clock, events, emitted, lookAhead, queries, authoring, hidden, now, days };
}

export const admin: Actor = { userId: 'u-admin', username: 'admin', role: 'admin', unitId: null };
export const editor: Actor = { userId: 'u-editor', username: 'bien-tap', role: 'editor', unitId: 'province' };
export const approver: Actor = { userId: 'u-approver', username: 'duyet', role: 'approver', unitId: 'province' };
export const operatorA: Actor = { userId: 'u-op-a', username: 'xa-a', role: 'operator', unitId: 'commune-a' };
export const operatorB: Actor = { userId: 'u-op-b', username: 'xa-b', role: 'operator', unitId: 'commune-b' };
