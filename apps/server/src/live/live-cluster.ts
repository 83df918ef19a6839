import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { LiveStartFrame, LiveStatusFrame, LiveStopFrame } from '@loa/protocol';
import { ClusterBus, decodeJson, encodeJson, type SharedBucket } from '../cluster/cluster-bus';
import { LiveHub } from './live-hub';
import { LiveRelayTarget } from './live-relay.entity';

/** A relay's claim lapses this long after its encoding instance last renewed it (the instance died). */
const CLAIM_TTL_MS = 30_000;
const CLAIM_RENEW_MS = 10_000;

/** Above this many stations a control message names none: each instance reads the relay's targets itself. */
const INLINE_STATIONS = 10_000;

interface ControlMessage {
  relayId: string;
  /** The stations the frame is for; null for every target of the relay. */
  stations: string[] | null;
  frame: LiveStartFrame | LiveStopFrame;
}

/** What an instance that encodes a relay asks of the others, and hears from them. */
export interface RelayOrigin {
  /** A station's agent connected on another instance. */
  remoteAgentConnected(stationId: string): void;
  /** A station on another instance reported on a relay encoded here. */
  remoteAgentStatus(stationId: string, status: LiveStatusFrame): void;
  /** Someone on another instance asked to stop a relay; true when it is encoded here. */
  stopRequested(relayId: string): Promise<boolean>;
  /** Whether this instance encodes the relay. */
  encodes(relayId: string): boolean;
}

/** Who, on this instance, hears a relay encoded on another one. */
interface Audience {
  stations: Set<string>;
  /** The same, as one array kept while unchanged, so the hub finds the connections once per change. */
  list: string[];
  /** Messages of the relay, handled in the order they came. */
  queue: Promise<void>;
  targets: string[] | null;
}

/**
 * A relay is encoded once, on the instance that started it; its live.start/stop and audio groups cross
 * to every other instance through the cluster bus, and each writes them to the target agents it holds.
 * Agents' arrivals and live reports go the other way, to the encoding instance.
 */
@Injectable()
export class LiveCluster implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('LiveCluster');
  private readonly heard = new Map<string, Audience>();
  private origin: RelayOrigin | null = null;
  private readonly subscriptions: (() => void)[] = [];
  /** Relays encoded here, claimed in a bucket so a starting instance does not take them for left behind. */
  private readonly claims = new Set<string>();
  private claimBucket: SharedBucket | null = null;
  private renew: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: ClusterBus,
    private readonly hub: LiveHub,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  get clustered(): boolean {
    return this.bus.clustered;
  }

  setOrigin(origin: RelayOrigin): void {
    this.origin = origin;
  }

  async onModuleInit(): Promise<void> {
    if (!this.bus.clustered) return;
    this.claimBucket = await this.bus.bucket('relays', CLAIM_TTL_MS);
    this.renew = setInterval(() => {
      for (const id of this.claims) this.writeClaim(id);
    }, CLAIM_RENEW_MS);
    this.subscriptions.push(
      this.bus.subscribe('live.control', (data) => {
        const m = decodeJson<ControlMessage>(data);
        if (typeof m?.relayId !== 'string' || !m.frame) return;
        this.inOrder(m.relayId, () => this.control(m));
      }),
      this.bus.subscribe('live.audio.*', (data, subject) => {
        const relayId = subject.slice('live.audio.'.length);
        const a = this.heard.get(relayId);
        if (!a) return;
        const message = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        this.inOrder(relayId, () => {
          if (a.list.length) this.hub.sendAudio(a.list, message);
        });
      }),
      this.bus.subscribe('live.agent-connected', (data) => {
        const { stationId } = decodeJson<{ stationId: unknown }>(data);
        if (typeof stationId === 'string') this.origin?.remoteAgentConnected(stationId);
      }),
      this.bus.subscribe('live.status', (data) => {
        const { stationId, status } = decodeJson<{ stationId: unknown; status: LiveStatusFrame }>(data);
        if (typeof stationId === 'string' && typeof status?.relayId === 'string' && this.origin?.encodes(status.relayId)) this.origin.remoteAgentStatus(stationId, status);
      }),
      this.bus.subscribe('live.stop-request', (data) => {
        const { relayId } = decodeJson<{ relayId: unknown }>(data);
        if (typeof relayId === 'string') void this.origin?.stopRequested(relayId);
      }),
    );
  }

  onModuleDestroy(): void {
    if (this.renew) clearInterval(this.renew);
    for (const unsubscribe of this.subscriptions) unsubscribe();
  }

  // ---- the encoding instance ----

  /** A control frame for `stationIds` (the relay's `targets` when they are the same array): written here and sent on. */
  sendControl(relayId: string, stationIds: string[], targets: string[], frame: LiveStartFrame | LiveStopFrame): void {
    this.hub.sendControl(stationIds, frame);
    if (!this.bus.clustered) return;
    const all = stationIds === targets && stationIds.length > INLINE_STATIONS;
    this.bus.publish('live.control', encodeJson({ relayId, stations: all ? null : stationIds, frame } satisfies ControlMessage));
  }

  /**
   * One audio group: sent on to the other instances first, then written to this instance's agents, so the
   * others' agents do not wait for this instance's whole fan-out loop before their copy leaves.
   */
  sendAudio(relayId: string, stationIds: readonly string[], message: Buffer): void {
    if (this.bus.clustered) this.bus.publish(`live.audio.${relayId}`, message);
    this.hub.sendAudio(stationIds, message);
  }

  claim(relayId: string): void {
    this.claims.add(relayId);
    this.writeClaim(relayId);
  }

  release(relayId: string): void {
    this.claims.delete(relayId);
    this.claimBucket?.delete(relayId).catch((err: Error) => this.log.warn(`claim of relay ${relayId} not released: ${err.message}`));
  }

  /** Of relays the database says are live, those no instance encodes (all of them when alone). */
  async unclaimed(relays: { id: string; startedAt: string }[]): Promise<string[]> {
    const bucket = this.claimBucket;
    if (!bucket) return relays.map((r) => r.id);
    const settled = Date.now() - CLAIM_TTL_MS;
    const left: string[] = [];
    for (const r of relays) if (Date.parse(r.startedAt) < settled && !(await bucket.get(r.id))) left.push(r.id);
    return left;
  }

  private writeClaim(relayId: string): void {
    this.claimBucket?.put(relayId, encodeJson({ instance: this.bus.instanceId })).catch((err: Error) => this.log.warn(`claim of relay ${relayId} not written: ${err.message}`));
  }

  // ---- every instance ----

  /** An agent connected here: relays encoded elsewhere may need it. */
  agentConnected(stationId: string): void {
    if (this.bus.clustered) this.bus.publish('live.agent-connected', encodeJson({ stationId }));
  }

  /** A report on a relay encoded elsewhere goes to its instance. */
  forwardStatus(stationId: string, status: LiveStatusFrame): void {
    if (this.bus.clustered && this.heard.has(status.relayId)) this.bus.publish('live.status', encodeJson({ stationId, status }));
  }

  /** Asks the instance encoding the relay to stop it. */
  requestStop(relayId: string): void {
    this.bus.publish('live.stop-request', encodeJson({ relayId }));
  }

  private inOrder(relayId: string, work: () => void | Promise<void>): void {
    let a = this.heard.get(relayId);
    if (!a) {
      a = { stations: new Set(), list: [], queue: Promise.resolve(), targets: null };
      this.heard.set(relayId, a);
    }
    a.queue = a.queue.then(work).catch((err: Error) => this.log.error(`relay ${relayId}: ${err.message}`));
  }

  private async control(m: ControlMessage): Promise<void> {
    const a = this.heard.get(m.relayId)!;
    let stations = m.stations;
    if (!stations) {
      a.targets ??= (await this.db.getRepository(LiveRelayTarget).findBy({ relayId: m.relayId })).map((t) => t.stationId);
      stations = a.targets;
    }
    this.hub.sendControl(stations, m.frame);
    if (m.frame.type === 'live.start') for (const id of stations) a.stations.add(id);
    else for (const id of stations) a.stations.delete(id);
    a.list = [...a.stations];
    if (!a.stations.size && m.frame.type === 'live.stop') this.heard.delete(m.relayId);
  }
}
