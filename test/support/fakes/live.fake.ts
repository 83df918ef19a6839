import { randomUUID } from 'node:crypto';
import type { WriteStream } from 'node:fs';
import type { LiveStartFrame, LiveStopFrame } from '@loa/protocol';
import { LocalBus } from '../../../apps/server/src/cluster/cluster-bus';
import { Clock } from '../../../apps/server/src/common/clock';
import { LiveCluster } from '../../../apps/server/src/live/live-cluster';
import type { LiveHub } from '../../../apps/server/src/live/live-hub';
import type { LiveRecordings, RelayRecording } from '../../../apps/server/src/live/live-recording';
import type { LiveRelayLeaseRepository } from '../../../apps/server/src/live/live-relay-lease.repository';
import type { LiveRelay } from '../../../apps/server/src/live/live-relay.entity';
import type { LiveRelayRepository, SpokenProgramme } from '../../../apps/server/src/live/live-relay.repository';
import type { Programme } from '../../../apps/server/src/programmes/programme.entity';
import { LiveRounds } from '../../../apps/server/src/live/live-rounds';
import { ActiveRelays } from '../../../apps/server/src/live/live-state';
import { asRepository, unused, type PublicPart } from './fakes';

/** A relay row with everything a test does not name filled in: a live relay of a stored programme, started at `startedAt`. */
export function relayRow(fields: Partial<LiveRelay> & { id: string }): LiveRelay {
  return {
    kind: 'relay',
    priority: 'priority',
    title: 'Tiếp sóng',
    sourceKind: 'programme',
    programmeId: 'p-1',
    sourceUrl: null,
    sourceText: null,
    rounds: 1,
    intervalMs: 0,
    roundsAired: 0,
    expiresAt: null,
    status: 'live',
    endReason: null,
    streamTokenHash: '0'.repeat(64),
    recordingSha256: null,
    recordingBytes: null,
    startedBy: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: null,
    ...fields,
  };
}

/** Relays, their targets, and the stations, units and programmes a start reads, in memory. */
export class InMemoryLiveRelayRepository implements PublicPart<LiveRelayRepository> {
  readonly relayRows: LiveRelay[] = [];
  readonly targetRows = new Map<string, string[]>();
  readonly stationRows: { id: string; unitId: string; name: string }[] = [];
  readonly unitRows: { id: string; parentId: string | null }[] = [];
  readonly programmeRows: Programme[] = [];
  /** Which stations played which relay: relay id → station ids. */
  readonly carriage = new Map<string, Set<string>>();

  /** Adds a relay as if started earlier, with its targets. */
  seed(row: LiveRelay, targets: string[]): LiveRelay {
    this.relayRows.push({ ...row });
    this.targetRows.set(row.id, [...targets]);
    return row;
  }

  async create(relay: Omit<LiveRelay, 'id'>, targets: readonly string[]): Promise<LiveRelay> {
    const saved = { ...relay, id: randomUUID() };
    this.relayRows.push({ ...saved });
    this.targetRows.set(saved.id, [...targets]);
    return saved;
  }

  async find(id: string): Promise<LiveRelay | null> {
    const r = this.relayRows.find((x) => x.id === id);
    return r ? { ...r } : null;
  }

  async live(): Promise<{ id: string; startedAt: string }[]> {
    return this.relayRows.filter((r) => r.status === 'live').map((r) => ({ id: r.id, startedAt: r.startedAt }));
  }

  async update(id: string, change: Partial<LiveRelay>): Promise<void> {
    const r = this.relayRows.find((x) => x.id === id);
    if (r) Object.assign(r, change);
  }

  async updateLive(ids: readonly string[], change: Partial<LiveRelay>): Promise<void> {
    for (const r of this.relayRows) if (ids.includes(r.id) && r.status === 'live') Object.assign(r, change);
  }

  async targets(relayId: string): Promise<string[]> {
    return [...(this.targetRows.get(relayId) ?? [])];
  }

  async recordCarriage(rows: readonly { relayId: string; stationId: string }[]): Promise<void> {
    for (const r of rows) {
      const set = this.carriage.get(r.relayId) ?? new Set<string>();
      set.add(r.stationId);
      this.carriage.set(r.relayId, set);
    }
  }

  async carriedBy(relayId: string): Promise<string[]> {
    return [...(this.carriage.get(relayId) ?? [])];
  }

  async hasCarried(relayId: string, stationId: string): Promise<boolean> {
    return this.carriage.get(relayId)?.has(stationId) ?? false;
  }

  async uncarriedEmergencies(stationId: string, now: string): Promise<string[]> {
    return this.relayRows
      .filter((r) => r.status === 'live' && r.kind === 'emergency' && r.expiresAt !== null && r.expiresAt > now)
      .filter((r) => (this.targetRows.get(r.id) ?? []).includes(stationId) && !this.carriage.get(r.id)?.has(stationId))
      .map((r) => r.id);
  }

  async forgetCarriage(relayId: string): Promise<void> {
    this.carriage.delete(relayId);
  }

  async newest(limit: number, stations?: ReadonlySet<string>): Promise<LiveRelay[]> {
    return this.relayRows
      .filter((r) => !stations || (this.targetRows.get(r.id) ?? []).some((s) => stations.has(s)))
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }

  async tree(): Promise<{ stations: { id: string; unitId: string }[]; units: { id: string; parentId: string | null }[] }> {
    return { stations: this.stationRows.map((s) => ({ id: s.id, unitId: s.unitId })), units: this.unitRows.map((u) => ({ ...u })) };
  }

  async stations(ids: readonly string[]): Promise<{ id: string; name: string }[]> {
    return this.stationRows.filter((s) => ids.includes(s.id)).map((s) => ({ id: s.id, name: s.name }));
  }

  async programme(id: string): Promise<Programme | null> {
    const p = this.programmeRows.find((x) => x.id === id);
    return p ? { ...p } : null;
  }

  async createProgramme(fields: SpokenProgramme): Promise<Programme> {
    const saved = { ...fields, id: randomUUID(), chuyenMucId: null, topicId: null, public: false } as Programme;
    this.programmeRows.push(saved);
    return { ...saved };
  }
}

/** Recordings kept in memory: what each relay recorded, and what was stored or dropped. */
export class InMemoryLiveRecordings implements PublicPart<LiveRecordings> {
  /** Bytes a dead instance left, by relay. */
  readonly leftBehind = new Map<string, number>();
  readonly written = new Map<string, Buffer[]>();
  readonly kept: string[] = [];
  readonly dropped: string[] = [];

  async init(): Promise<void> {}

  async recordedSoFar(relayId: string): Promise<number> {
    return this.leftBehind.get(relayId) ?? 0;
  }

  open(relayId: string, recordedBytes = 0): RelayRecording {
    this.written.set(relayId, []);
    return { relayId, path: `/work/live-${relayId}.mp3`, stream: unused<WriteStream>('recording stream'), bytes: recordedBytes, held: 0 };
  }

  write(recording: RelayRecording, payload: Buffer): void {
    recording.bytes += payload.length;
    this.written.get(recording.relayId)?.push(payload);
  }

  async keep(recording: RelayRecording): Promise<{ sha256: string; size: number } | null> {
    if (!recording.bytes) return null;
    this.kept.push(recording.relayId);
    return { sha256: 'a'.repeat(64), size: recording.bytes };
  }

  drop(recording: RelayRecording): void {
    this.dropped.push(recording.relayId);
  }

  pathOf(sha256: string): string {
    return `/media/${sha256}.mp3`;
  }
}

/** The agents' side of the live link: who is connected, and every frame written to them. */
export class FakeLiveHub implements Pick<LiveHub, 'connected' | 'dropped' | 'sendControl' | 'sendAudio' | 'setListener'> {
  readonly online = new Set<string>();
  readonly controls: { stationIds: string[]; frame: LiveStartFrame | LiveStopFrame }[] = [];
  readonly audio: { stationIds: string[]; message: Buffer }[] = [];

  connected(stationId: string): boolean {
    return this.online.has(stationId);
  }

  dropped(): number {
    return 0;
  }

  sendControl(stationIds: Iterable<string>, frame: LiveStartFrame | LiveStopFrame): void {
    this.controls.push({ stationIds: [...stationIds], frame });
  }

  sendAudio(stationIds: readonly string[], message: Buffer): number {
    this.audio.push({ stationIds: [...stationIds], message });
    return stationIds.length;
  }

  setListener(): void {}

  /** The control frames sent so far, as `type round → stations`. */
  frames(): string[] {
    return this.controls.map((c) => `${c.frame.type} ${c.frame.round} → ${c.stationIds.join(',')}`);
  }
}

/** A clock that stands still until a spec moves it. */
export class StillClock extends Clock {
  constructor(public at: number) {
    super();
  }

  override now(): number {
    return this.at;
  }
}

/** The cluster link of one instance alone (as without NATS): every frame goes to this instance's hub. */
export function soleInstanceCluster(hub: FakeLiveHub, relays: InMemoryLiveRelayRepository, clock: Clock): LiveCluster {
  return new LiveCluster(new LocalBus(), hub as unknown as LiveHub, unused<LiveRelayLeaseRepository>('leases'), clock, asRepository<LiveRelayRepository>(relays));
}

/**
 * The parts every live class shares, on fakes: one instance alone, its relays in memory, a hub that keeps
 * what it was sent, recordings in memory and a clock that stands still.
 */
export function liveParts(now = Date.parse('2026-01-01T08:00:00.000Z')) {
  const clock = new StillClock(now);
  const relays = new InMemoryLiveRelayRepository();
  const hub = new FakeLiveHub();
  const cluster = soleInstanceCluster(hub, relays, clock);
  const recordings = new InMemoryLiveRecordings();
  const active = new ActiveRelays();
  const rounds = new LiveRounds(active, asRepository<LiveRelayRepository>(relays), cluster, recordings as unknown as LiveRecordings, clock);
  return { clock, relays, hub, cluster, recordings, active, rounds };
}
