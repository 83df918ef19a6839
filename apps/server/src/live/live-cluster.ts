import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { LiveStartFrame, LiveStatusFrame, LiveStopFrame } from '@loa/protocol';
import { ClusterBus, decodeJson, encodeJson } from '../cluster/cluster-bus';
import { Clock } from '../common/clock';
import { LiveHub } from './live-hub';
import { LiveRelayLeaseRepository, type RelayProgress } from './live-relay-lease.repository';
import type { LiveRelayLease } from './live-relay.entity';
import { LiveRelayRepository } from './live-relay.repository';
import { fromInstant, toInstant } from '@loa/protocol';

/**
 * A relay's lease runs out this long after its encoding instance last renewed it; the instance renews it
 * far more often, and every instance looks for run-out leases as often again. Together with the time a
 * source takes to start, a relay resumes within about four seconds of its instance dying.
 */
export const LEASE_TTL_MS = 2500;
export const LEASE_RENEW_MS = 700;
export const LEASE_SCAN_MS = 500;
/**
 * An owner's audio groups are its heartbeat too: a survivor takes a relay over only once its lease has run
 * out and no group of it has come over the bus for this long. A dead owner's groups stop at once, and its
 * lease runs out 1.8 to 2.5 s later, so this adds nothing to a real takeover; an owner that is only late
 * renewing (its event loop or its database connection held up) keeps its relay while its groups flow.
 */
export const OWNER_SILENT_MS = 1500;
/**
 * Past its lease, the owner goes on sending only while its own groups follow each other this closely: the
 * survivors then cannot have seen it silent for OWNER_SILENT_MS. After a longer pause (this instance stalled)
 * one may have taken the relay over, so it stays silent until a renewal says the lease is still its own.
 */
export const OWNER_GAP_MS = 800;
/** A lease run out longer than this belongs to a relay the whole deployment lost (every instance was down): it is not resumed. */
export const TAKEOVER_WINDOW_MS = 60_000;

/** Resolves after the event loop has read what waits in the sockets. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  /** A station's agent connected on another instance (announced again for `relayId` only, when given). */
  remoteAgentConnected(stationId: string, relayId?: string): void;
  /** Another instance took over the relay: agents held here that wait for it are announced to it again. */
  announceAwaiting(relayId: string): void;
  /** The relay ended, here or on another instance. */
  relayEnded(relayId: string): void;
  /** A station on another instance reported on a relay encoded here. */
  remoteAgentStatus(stationId: string, status: LiveStatusFrame): void;
  /** Someone on another instance asked to stop a relay; true when it is encoded here. */
  stopRequested(relayId: string): Promise<boolean>;
  /** Whether this instance encodes the relay. */
  encodes(relayId: string): boolean;
  /** How far the relay encoded here got, for its lease. */
  progress(relayId: string): RelayProgress | null;
  /** The lease of a relay encoded here was taken by another instance (this one was thought dead): stop encoding it, quietly. */
  leaseLost(relayId: string): void;
  /** The lease of a relay encoded here was renewed: what was held back while it had run out may go on now. */
  leaseKept(relayId: string): void;
  /** This instance now holds the lease of a relay whose instance died: carry it on. */
  takeOver(lease: LiveRelayLease, credentials: string | null): Promise<void>;
  /** A relay whose lease ran out too long ago to resume: end it as failed. */
  abandon(relayId: string): Promise<void>;
  /** Microphone audio for a relay encoded here, from a browser connected to another instance; `null` when it ended. */
  remoteMic(relayId: string, chunk: Buffer | null): void;
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
 * A relay is encoded once, on the instance that holds its lease (the one that started it, or the one that
 * took it over when that one died); its live.start/stop and audio groups cross to every other instance
 * through the cluster bus, and each writes them to the target agents it holds. Agents' arrivals and live
 * reports go the other way, to the encoding instance.
 */
@Injectable()
export class LiveCluster implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('LiveCluster');
  private readonly heard = new Map<string, Audience>();
  private origin: RelayOrigin | null = null;
  private readonly subscriptions: (() => void)[] = [];
  /**
   * Relays whose lease this instance holds: until when it may send their audio (the lease it last wrote),
   * and when it last sent a group of one (0 before the first, or after a pause past the lease).
   */
  private readonly owned = new Map<string, { validUntil: number; sentAt: number }>();
  /** When a group of each relay last came over the bus, from whichever instance encodes it. */
  private readonly lastGroupAt = new Map<string, number>();
  /**
   * Stream URL credentials of relays encoded anywhere, kept in memory only (never in the database), so the
   * instance that takes a relay over can open its stream again.
   */
  private readonly credentials = new Map<string, string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private renewing = false;
  private scanning = false;

  constructor(
    private readonly bus: ClusterBus,
    private readonly hub: LiveHub,
    private readonly leases: LiveRelayLeaseRepository,
    private readonly clock: Clock,
    private readonly relays: LiveRelayRepository,
  ) {}

  get clustered(): boolean {
    return this.bus.clustered;
  }

  setOrigin(origin: RelayOrigin): void {
    this.origin = origin;
  }

  async onModuleInit(): Promise<void> {
    if (!this.bus.clustered) return;
    this.timers.push(setInterval(() => void this.renewAll(), LEASE_RENEW_MS));
    this.timers.push(setInterval(() => void this.scan(), LEASE_SCAN_MS));
    this.subscriptions.push(
      this.bus.subscribe('live.control', (data) => {
        const m = decodeJson<ControlMessage>(data);
        if (typeof m?.relayId !== 'string' || !m.frame) return;
        this.inOrder(m.relayId, () => this.control(m));
      }),
      this.bus.subscribe('live.audio.*', (data, subject) => {
        const relayId = subject.slice('live.audio.'.length);
        if (!this.owned.has(relayId)) this.lastGroupAt.set(relayId, this.clock.now());
        const a = this.heard.get(relayId);
        if (!a) return;
        const message = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        // One group per turn of the event loop. Groups that waited in the bus connection (this instance was
        // busy) arrive together; written back to back as promise callbacks, they would hold the loop for the
        // whole backlog, and the agents' live reports waiting meanwhile would go unread until the hub judged
        // every agent silent and cut it. Between two groups here, the agents' sockets are read.
        this.inOrder(relayId, async () => {
          await nextTurn();
          if (a.list.length) this.hub.sendAudio(a.list, message);
        });
      }),
      this.bus.subscribe('live.agent-connected', (data) => {
        const { stationId, relayId } = decodeJson<{ stationId: unknown; relayId?: unknown }>(data);
        if (typeof stationId === 'string') this.origin?.remoteAgentConnected(stationId, typeof relayId === 'string' ? relayId : undefined);
      }),
      this.bus.subscribe('live.taken-over', (data) => {
        const { relayId } = decodeJson<{ relayId: unknown }>(data);
        if (typeof relayId === 'string') this.origin?.announceAwaiting(relayId);
      }),
      this.bus.subscribe('live.status', (data) => {
        const { stationId, status } = decodeJson<{ stationId: unknown; status: LiveStatusFrame }>(data);
        if (typeof stationId === 'string' && typeof status?.relayId === 'string' && this.origin?.encodes(status.relayId)) this.origin.remoteAgentStatus(stationId, status);
      }),
      this.bus.subscribe('live.stop-request', (data) => {
        const { relayId } = decodeJson<{ relayId: unknown }>(data);
        if (typeof relayId === 'string') void this.origin?.stopRequested(relayId);
      }),
      this.bus.subscribe('live.mic.*', (data, subject) => {
        const relayId = subject.slice('live.mic.'.length);
        if (this.origin?.encodes(relayId)) this.origin.remoteMic(relayId, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      }),
      this.bus.subscribe('live.mic-end', (data) => {
        const { relayId } = decodeJson<{ relayId: unknown }>(data);
        if (typeof relayId === 'string' && this.origin?.encodes(relayId)) this.origin.remoteMic(relayId, null);
      }),
      this.bus.subscribe('live.credentials', (data) => {
        const { relayId, credentials } = decodeJson<{ relayId: unknown; credentials: unknown }>(data);
        if (typeof relayId === 'string' && typeof credentials === 'string') this.credentials.set(relayId, credentials);
      }),
      this.bus.subscribe('live.ended', (data) => {
        const { relayId } = decodeJson<{ relayId: unknown }>(data);
        if (typeof relayId !== 'string') return;
        this.credentials.delete(relayId);
        this.lastGroupAt.delete(relayId);
        this.origin?.relayEnded(relayId);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const t of this.timers) clearInterval(t);
    for (const unsubscribe of this.subscriptions) unsubscribe();
  }

  // ---- the encoding instance ----

  /** A control frame for `stationIds` (the relay's `targets` when they are the same array): written here and sent on. */
  sendControl(relayId: string, stationIds: string[], targets: string[], frame: LiveStartFrame | LiveStopFrame): boolean {
    // Past its lease another instance may be carrying the relay on: a live.stop (or a start of an old
    // round) from here would cut its audio off at every agent. Only a lease renewed in time speaks for it.
    if (!this.mayEmit(relayId)) {
      this.log.warn(`relay ${relayId}: ${frame.type} not sent, the lease held here has run out`);
      return false;
    }
    this.hub.sendControl(stationIds, frame);
    if (!this.bus.clustered) return true;
    const all = stationIds === targets && stationIds.length > INLINE_STATIONS;
    this.bus.publish('live.control', encodeJson({ relayId, stations: all ? null : stationIds, frame } satisfies ControlMessage));
    return true;
  }

  /**
   * One audio group: sent on to the other instances first, then written to this instance's agents, so the
   * others' agents do not wait for this instance's whole fan-out loop before their copy leaves.
   */
  sendAudio(relayId: string, stationIds: readonly string[], message: Buffer): void {
    if (this.bus.clustered) {
      const own = this.owned.get(relayId);
      // Only a group this instance may send keeps its right to send past the lease.
      if (own && this.mayEmit(relayId)) own.sentAt = this.clock.now();
      this.bus.publish(`live.audio.${relayId}`, message);
    }
    this.hub.sendAudio(stationIds, message);
  }

  /** A relay started here: its lease is written before its first audio, so no other instance takes it for dead. */
  async claim(relayId: string, progress: RelayProgress, credentials: string | null): Promise<void> {
    if (!this.bus.clustered) return;
    const now = this.clock.now();
    await this.leases.create(relayId, this.bus.instanceId, toInstant(now + LEASE_TTL_MS), progress);
    this.owned.set(relayId, { validUntil: now + LEASE_TTL_MS, sentAt: 0 });
    if (credentials) {
      this.credentials.set(relayId, credentials);
      this.bus.publish('live.credentials', encodeJson({ relayId, credentials }));
    }
  }

  /**
   * Whether this instance may still send the relay's audio (or its live.start/stop): while the lease it last
   * wrote runs, and past it only while its groups have gone out without a pause (no survivor takes a relay
   * over while they arrive). An instance that stalled past its lease, or stopped sending, falls silent until
   * it renews: another may have taken the relay over meanwhile.
   */
  mayEmit(relayId: string): boolean {
    if (!this.bus.clustered) return true;
    const own = this.owned.get(relayId);
    if (!own) return false;
    const now = this.clock.now();
    if (now < own.validUntil) return true;
    if (own.sentAt && now - own.sentAt < OWNER_GAP_MS) return true;
    own.sentAt = 0;
    return false;
  }

  /** The relay ended here: its lease is gone, and the others forget its credentials. */
  async release(relayId: string): Promise<void> {
    this.credentials.delete(relayId);
    this.origin?.relayEnded(relayId);
    if (!this.bus.clustered) return;
    this.owned.delete(relayId);
    this.bus.publish('live.ended', encodeJson({ relayId }));
    await this.leases.release(relayId, this.bus.instanceId).catch((err: Error) => this.log.warn(`lease of relay ${relayId} not released: ${err.message}`));
  }

  /** Stops renewing a lease another instance took. */
  forget(relayId: string): void {
    this.owned.delete(relayId);
  }

  /** Of relays the database says are live, those no instance encodes and none will take over (all of them when alone). */
  async unclaimed(relays: { id: string; startedAt: string }[]): Promise<string[]> {
    if (!this.bus.clustered) return relays.map((r) => r.id);
    // A relay just started may not have its lease yet.
    const settled = this.clock.now() - 30_000;
    const without = new Set((await this.leases.liveWithoutLease()).map((r) => r.id));
    return relays.filter((r) => without.has(r.id) && fromInstant(r.startedAt) < settled).map((r) => r.id);
  }

  /** Renews every lease held here, with each relay's progress. */
  private async renewAll(): Promise<void> {
    if (this.renewing || !this.origin) return;
    this.renewing = true;
    try {
      await Promise.all(
        [...this.owned.keys()].map(async (relayId) => {
          // Null while a relay taken over here is still opening its source: the lease is held all the same.
          const progress = this.origin?.progress(relayId) ?? null;
          const issued = this.clock.now();
          try {
            if (await this.leases.renew(relayId, this.bus.instanceId, toInstant(issued + LEASE_TTL_MS), progress)) {
              const own = this.owned.get(relayId);
              if (own) own.validUntil = issued + LEASE_TTL_MS;
              this.origin?.leaseKept(relayId);
            } else if (this.owned.has(relayId)) {
              this.owned.delete(relayId);
              this.log.warn(`relay ${relayId} was taken over by another instance: no longer encoded here`);
              this.origin?.leaseLost(relayId);
            }
          } catch (err) {
            // The database is unreachable for now: the relay goes silent when its lease runs out, and either
            // this instance renews it when the database is back or another has taken it.
            this.log.warn(`lease of relay ${relayId} not renewed: ${(err as Error).message}`);
          }
        }),
      );
    } finally {
      this.renewing = false;
    }
  }

  /** Takes over relays whose instance stopped renewing their lease. */
  private async scan(): Promise<void> {
    if (this.scanning || !this.origin) return;
    this.scanning = true;
    try {
      const now = this.clock.now();
      for (const lease of await this.leases.lapsed(toInstant(now))) {
        if (this.owned.has(lease.relayId) || this.origin.encodes(lease.relayId)) continue;
        if (now - fromInstant(lease.leaseUntil) > TAKEOVER_WINDOW_MS) {
          await this.origin.abandon(lease.relayId);
          continue;
        }
        // Read after the query above: the groups that waited in the bus connection meanwhile are counted.
        const at = this.clock.now();
        const heardAt = this.lastGroupAt.get(lease.relayId);
        if (heardAt !== undefined && at - heardAt < OWNER_SILENT_MS) continue;
        if (!(await this.leases.take(lease, this.bus.instanceId, toInstant(at), toInstant(at + LEASE_TTL_MS)))) continue;
        this.owned.set(lease.relayId, { validUntil: at + LEASE_TTL_MS, sentAt: 0 });
        // Heard from the dead instance until now; from here on encoded here.
        this.heard.delete(lease.relayId);
        this.lastGroupAt.delete(lease.relayId);
        this.log.warn(`relay ${lease.relayId}: its instance stopped renewing the lease; taken over here`);
        try {
          await this.origin.takeOver(lease, this.credentials.get(lease.relayId) ?? null);
        } catch (err) {
          this.log.error(`relay ${lease.relayId} not taken over: ${(err as Error).message}`);
          continue;
        }
        // Agents that connected while nobody encoded it announced themselves to no one: they do again.
        this.bus.publish('live.taken-over', encodeJson({ relayId: lease.relayId }));
        this.origin.announceAwaiting(lease.relayId);
      }
    } catch (err) {
      this.log.warn(`live relay leases not checked: ${(err as Error).message}`);
    } finally {
      this.scanning = false;
    }
  }

  // ---- every instance ----

  /** An agent connected here: relays encoded elsewhere may need it. */
  agentConnected(stationId: string, relayId?: string): void {
    if (this.bus.clustered) this.bus.publish('live.agent-connected', encodeJson(relayId === undefined ? { stationId } : { stationId, relayId }));
  }

  /** A report on a relay encoded elsewhere goes to its instance. */
  forwardStatus(stationId: string, status: LiveStatusFrame): void {
    if (this.bus.clustered && this.heard.has(status.relayId)) this.bus.publish('live.status', encodeJson({ stationId, status }));
  }

  /**
   * A browser's microphone connected here for a relay encoded on another instance (the one that took it
   * over after the browser's instance died): its audio goes on to that instance, which may change again.
   */
  micElsewhere(relayId: string): { write(chunk: Buffer): boolean; end(): void } | null {
    if (!this.bus.clustered) return null;
    return {
      write: (chunk) => {
        this.bus.publish(`live.mic.${relayId}`, chunk);
        return true;
      },
      end: () => this.bus.publish('live.mic-end', encodeJson({ relayId })),
    };
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
      a.targets ??= await this.relays.targets(m.relayId);
      stations = a.targets;
    }
    this.hub.sendControl(stations, m.frame);
    if (m.frame.type === 'live.start') for (const id of stations) a.stations.add(id);
    else for (const id of stations) a.stations.delete(id);
    a.list = [...a.stations];
    if (!a.stations.size && m.frame.type === 'live.stop') this.heard.delete(m.relayId);
  }
}
