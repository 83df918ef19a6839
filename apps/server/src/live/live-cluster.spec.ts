import { Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { encodeJson, type ClusterBus } from '../cluster/cluster-bus';
import type { Clock } from '../common/clock';
import { LiveHub } from './live-hub';
import type { LiveRelayLeaseRepository, RelayProgress } from './live-relay-lease.repository';
import type { LiveRelayLease } from './live-relay.entity';
import type { LiveRelayRepository } from './live-relay.repository';
import { LEASE_TTL_MS, LiveCluster, OWNER_GAP_MS, OWNER_SILENT_MS } from './live-cluster';

describe('LiveCluster audio', () => {
  const RELAY = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';

  it("publishes a group to the other instances before writing it to this instance's agents", () => {
    const order: string[] = [];
    const bus = { clustered: true, publish: (subject: string) => order.push(`publish ${subject}`) } as unknown as ClusterBus;
    const hub = { sendAudio: (ids: readonly string[]) => (order.push(`local ${ids.length}`), ids.length) } as unknown as LiveHub;
    const cluster = new LiveCluster(bus, hub, {} as LiveRelayLeaseRepository, {} as Clock, {} as LiveRelayRepository);
    cluster.sendAudio(RELAY, ['s1', 's2', 's3'], Buffer.from('group'));
    expect(order).toEqual([`publish live.audio.${RELAY}`, 'local 3']);
  });

  it('sends no live.stop or live.start once the lease held here has run out: another instance may be airing the relay by then', async () => {
    let now = 1_000_000;
    const published: string[] = [];
    const local: string[] = [];
    const bus = { clustered: true, instanceId: 'i-a', publish: (subject: string) => published.push(subject) } as unknown as ClusterBus;
    const hub = { sendControl: (_ids: Iterable<string>, frame: { type: string }) => local.push(frame.type) } as unknown as LiveHub;
    const leases = { create: async () => undefined } as unknown as LiveRelayLeaseRepository;
    const cluster = new LiveCluster(bus, hub, leases, { now: () => now } as Clock, {} as LiveRelayRepository);
    await cluster.claim(RELAY, { round: 1, onAir: true, roundStartedAt: null, offsetMs: 0, seq: 0, roundEndedAt: null }, null);
    const stop = { type: 'live.stop', relayId: RELAY, round: 1, reason: 'ended' } as const;
    const targets = ['s1', 's2'];
    expect(cluster.sendControl(RELAY, targets, targets, stop)).toBe(true);
    expect(local).toEqual(['live.stop']);
    expect(published).toEqual(['live.control']);

    // Too slow to renew: the lease ran out, and a survivor may have taken the relay over and be airing it.
    now += LEASE_TTL_MS + 1;
    expect(cluster.sendControl(RELAY, targets, targets, stop)).toBe(false);
    expect(local).toEqual(['live.stop']);
    expect(published).toEqual(['live.control']);
  });

  it('alone, only writes to its own agents', () => {
    const published: string[] = [];
    const sent: number[] = [];
    const bus = { clustered: false, publish: (subject: string) => published.push(subject) } as unknown as ClusterBus;
    const hub = { sendAudio: (ids: readonly string[]) => (sent.push(ids.length), ids.length) } as unknown as LiveHub;
    new LiveCluster(bus, hub, {} as LiveRelayLeaseRepository, {} as Clock, {} as LiveRelayRepository).sendAudio(RELAY, ['s1'], Buffer.from('group'));
    expect(published).toEqual([]);
    expect(sent).toEqual([1]);
  });
});

/** Instances on one in-memory bus and one in-memory lease table, on one fake clock. */
class Network {
  now = 1_000_000;
  readonly clock = { now: () => this.now, nowInstant: () => new Date(this.now).toISOString() } as Clock;
  private readonly handlers: { instanceId: string; pattern: RegExp; handler: (data: Uint8Array, subject: string) => void }[] = [];
  readonly rows = new Map<string, LiveRelayLease>();
  /** While set, renewals from this instance hang (its database connection is held up). */
  stuck: string | null = null;
  readonly leases = {
    create: async (relayId: string, owner: string, until: string, progress: RelayProgress) => {
      this.rows.set(relayId, { relayId, owner, leaseUntil: until, ...progress } as LiveRelayLease);
    },
    renew: (relayId: string, owner: string, until: string) => {
      if (owner === this.stuck) return new Promise<boolean>(() => undefined);
      const row = this.rows.get(relayId);
      if (row?.owner !== owner) return Promise.resolve(false);
      row.leaseUntil = until;
      return Promise.resolve(true);
    },
    lapsed: async (now: string) => [...this.rows.values()].filter((r) => r.leaseUntil < now).map((r) => ({ ...r })),
    take: async (seen: LiveRelayLease, owner: string, now: string, until: string) => {
      const row = this.rows.get(seen.relayId);
      if (!row || row.owner !== seen.owner || !(row.leaseUntil < now)) return false;
      row.owner = owner;
      row.leaseUntil = until;
      return true;
    },
  } as unknown as LiveRelayLeaseRepository;

  instance(name: string): { cluster: LiveCluster; takenOver: string[]; lost: string[] } {
    const bus = {
      clustered: true,
      instanceId: name,
      // As NATS without echo: every other instance hears it.
      publish: (subject: string, data: Uint8Array) => {
        for (const h of this.handlers) if (h.instanceId !== name && h.pattern.test(subject)) h.handler(data, subject);
      },
      subscribe: (subject: string, handler: (data: Uint8Array, subject: string) => void) => {
        this.handlers.push({ instanceId: name, pattern: new RegExp(`^${subject.replace(/\./g, '\\.').replace('*', '[^.]+')}$`), handler });
        return () => undefined;
      },
    } as unknown as ClusterBus;
    const hub = { sendAudio: () => 0, sendControl: () => undefined } as unknown as LiveHub;
    const cluster = new LiveCluster(bus, hub, this.leases, this.clock, {} as LiveRelayRepository);
    const takenOver: string[] = [];
    const lost: string[] = [];
    cluster.setOrigin({
      remoteAgentConnected: () => undefined,
      remoteAgentStatus: () => undefined,
      announceAwaiting: () => undefined,
      relayEnded: () => undefined,
      stopRequested: async () => false,
      encodes: () => false,
      progress: () => null,
      leaseLost: (id: string) => lost.push(id),
      leaseKept: () => undefined,
      takeOver: async (lease: LiveRelayLease) => void takenOver.push(lease.relayId),
      abandon: async () => undefined,
      remoteMic: () => undefined,
    });
    return { cluster, takenOver, lost };
  }

  /** Moves the clock on by `ms` in steps of 100 ms, running the instances' timers, with `each` at every step. */
  async advance(ms: number, each: () => void = () => undefined): Promise<void> {
    for (let t = 0; t < ms; t += 100) {
      this.now += 100;
      each();
      await jest.advanceTimersByTimeAsync(100);
    }
  }
}

describe('LiveCluster owner liveness', () => {
  const RELAY = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';
  const progress = { round: 1, onAir: true, roundStartedAt: null, offsetMs: 0, seq: 0, roundEndedAt: null };
  const group = Buffer.from('group');
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('keeps the relay with a slow owner whose groups still flow, though its renewals hang past the lease; a survivor takes it once they stop', async () => {
    const net = new Network();
    const a = net.instance('a');
    const b = net.instance('b');
    await a.cluster.onModuleInit();
    await b.cluster.onModuleInit();
    await a.cluster.claim(RELAY, progress, null);
    await net.advance(1000, () => a.cluster.sendAudio(RELAY, [], group));

    // A's database connection is held up: its lease runs out, but its groups keep coming every 100 ms.
    net.stuck = 'a';
    await net.advance(LEASE_TTL_MS * 3, () => {
      expect(a.cluster.mayEmit(RELAY)).toBe(true);
      a.cluster.sendAudio(RELAY, [], group);
    });
    expect(net.rows.get(RELAY)!.leaseUntil < net.clock.nowInstant()).toBe(true);
    expect(b.takenOver).toEqual([]);
    expect(net.rows.get(RELAY)!.owner).toBe('a');

    // A dies: its groups stop, and B carries the relay on within the resume bound.
    const diedAt = net.now;
    await net.advance(OWNER_SILENT_MS + 1000);
    expect(b.takenOver).toEqual([RELAY]);
    expect(net.rows.get(RELAY)!.owner).toBe('b');
    expect(net.now - diedAt).toBeLessThan(5000);
    a.cluster.onModuleDestroy();
    b.cluster.onModuleDestroy();
  });

  it('an owner that paused past its lease sends nothing more until a renewal: a survivor may have taken the relay meanwhile', async () => {
    const net = new Network();
    const a = net.instance('a');
    await a.cluster.claim(RELAY, progress, null);
    net.now += LEASE_TTL_MS - 100;
    a.cluster.sendAudio(RELAY, [], group);
    net.now += 200;
    expect(a.cluster.mayEmit(RELAY)).toBe(true);
    net.now += OWNER_GAP_MS;
    expect(a.cluster.mayEmit(RELAY)).toBe(false);
    // A group sent anyway does not open the way again.
    a.cluster.sendAudio(RELAY, [], group);
    net.now += 10;
    expect(a.cluster.mayEmit(RELAY)).toBe(false);
  });

  it('takes over a dead owner between rounds, when no group flows, once its lease runs out', async () => {
    const net = new Network();
    const a = net.instance('a');
    const b = net.instance('b');
    await b.cluster.onModuleInit();
    await a.cluster.claim(RELAY, progress, null);
    await net.advance(LEASE_TTL_MS + 600);
    b.cluster.onModuleDestroy();
    expect(b.takenOver).toEqual([RELAY]);
  });
});

describe('LiveCluster audio heard from another instance', () => {
  const RELAY = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';
  beforeAll(() => Logger.overrideLogger(false));

  it('writes a backlog of groups one per turn of the event loop, so the agents\u2019 reports are read between them and nobody is cut for silence', async () => {
    let now = 1_000_000;
    const clock = { now: () => now, nowInstant: () => new Date(now).toISOString() } as Clock;
    const realHub = new LiveHub(clock);
    // A busy instance: each fan-out takes 150 ms.
    const hub = {
      sendAudio: (ids: readonly string[], message: Buffer) => {
        now += 150;
        return realHub.sendAudio(ids, message);
      },
      sendControl: realHub.sendControl.bind(realHub),
    } as unknown as LiveHub;
    const handlers = new Map<string, (data: Uint8Array, subject: string) => void>();
    const bus = { clustered: true, instanceId: 'b', publish: () => undefined, subscribe: (subject: string, h: (data: Uint8Array, subject: string) => void) => (handlers.set(subject, h), () => undefined) } as unknown as ClusterBus;
    const cluster = new LiveCluster(bus, hub, {} as LiveRelayLeaseRepository, clock, {} as LiveRelayRepository);
    await cluster.onModuleInit();
    const stations = ['s0', 's1', 's2'];
    const sockets = stations.map((stationId) => {
      const socket = { OPEN: 1, readyState: 1, bufferedAmount: 0, groups: 0, terminated: false, write: () => (socket.groups++, true), terminate: () => void (socket.terminated = true) };
      realHub.attach({ stationId, stationName: stationId, socket: socket as unknown as WebSocket, transport: socket });
      return socket;
    });
    const start = { type: 'live.start', relayId: RELAY, round: 1, kind: 'priority', priority: 'priority', title: 't', codec: 'mp3', sampleRate: 44100, channels: 1, startedAt: clock.nowInstant() };
    handlers.get('live.control')!(encodeJson({ relayId: RELAY, stations, frame: start }), 'live.control');
    // What the sockets hold is read once per turn: each agent has a report waiting every time.
    let reading = true;
    const read = () => {
      for (const id of stations) realHub.onStatus(id, { type: 'live.status', relayId: RELAY, round: 1, playing: true, bufferMs: 500, lagMs: 500, gapMs: 0 });
      if (reading) setImmediate(read);
    };
    read();
    // Ten seconds of groups waited in the bus connection and arrive together.
    const audio = handlers.get('live.audio.*')!;
    for (let i = 0; i < 100; i++) audio(Buffer.from(`group ${i}`), `live.audio.${RELAY}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 1000 && sockets.some((s) => s.groups < 101); i++) await new Promise((resolve) => setImmediate(resolve));
    reading = false;
    cluster.onModuleDestroy();
    expect(sockets.map((s) => s.terminated)).toEqual([false, false, false]);
    // live.start, then every group.
    expect(sockets.map((s) => s.groups)).toEqual([101, 101, 101]);
  });
});
