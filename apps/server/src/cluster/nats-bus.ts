import { Logger } from '@nestjs/common';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { BucketConflict, ClusterBus, type BucketEntry, type BusHandler, type SharedBucket } from './cluster-bus';

type NatsConnection = Awaited<ReturnType<typeof connect>>;

/** Every subject of ours starts with this, so one NATS can serve other systems too. */
const PREFIX = 'loa.';

/**
 * The instances' link through NATS (JetStream on, for the buckets). The client reconnects by itself for
 * as long as the process runs; what is published while NATS is away waits in the client's buffer, and the
 * bucket watchers reload once the link is back.
 */
export class NatsBus extends ClusterBus {
  readonly clustered = true;
  private readonly log = new Logger('Cluster');
  private readonly reconnectListeners: (() => void)[] = [];
  private readonly buckets = new Map<string, Promise<NatsBucket>>();

  private constructor(private readonly nc: NatsConnection) {
    super();
    void this.followStatus();
  }

  /** Connects to `servers` (comma-separated); waits for the first connection however long NATS takes to come up. */
  static async connect(servers: string): Promise<NatsBus> {
    const log = new Logger('Cluster');
    const list = servers.split(',').map((s) => s.trim()).filter(Boolean);
    log.log(`connecting to NATS at ${list.map(withoutCredentials).join(', ')}`);
    const nc = await connect({
      servers: list,
      name: 'loa-server',
      // Our own messages are handled on our side when they are published; NATS need not echo them back.
      noEcho: true,
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 5_000,
      maxPingOut: 2,
    });
    const bus = new NatsBus(nc);
    log.log(`connected to NATS as instance ${bus.instanceId}`);
    return bus;
  }

  private async followStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      switch (s.type) {
        case 'disconnect':
          this.log.warn('NATS connection lost; reconnecting');
          break;
        case 'reconnect':
          this.log.log('NATS connection back');
          for (const fn of this.reconnectListeners) fn();
          break;
        default:
          break;
      }
    }
  }

  publish(subject: string, data: Uint8Array): void {
    try {
      this.nc.publish(PREFIX + subject, data);
    } catch (err) {
      this.log.error(`not published on ${subject}: ${(err as Error).message}`);
    }
  }

  subscribe(subject: string, handler: BusHandler): () => void {
    const sub = this.nc.subscribe(PREFIX + subject, {
      callback: (err: Error | null, msg: { data: Uint8Array; subject: string }) => {
        if (err) {
          this.log.error(`subscription ${subject}: ${err.message}`);
          return;
        }
        try {
          handler(msg.data, msg.subject.slice(PREFIX.length));
        } catch (e) {
          this.log.error(`message on ${msg.subject} not handled: ${(e as Error).stack ?? String(e)}`);
        }
      },
    });
    return () => sub.unsubscribe();
  }

  bucket(name: string, ttlMs: number): Promise<SharedBucket> {
    let b = this.buckets.get(name);
    if (!b) {
      b = NatsBucket.open(this.nc, `loa_${name}`, ttlMs, this.log).then((bucket) => {
        this.onReconnect(() => bucket.reopen());
        return bucket;
      });
      this.buckets.set(name, b);
      b.catch(() => this.buckets.delete(name));
    }
    return b;
  }

  flush(): Promise<void> {
    return this.nc.flush();
  }

  onReconnect(fn: () => void): void {
    this.reconnectListeners.push(fn);
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => this.nc.close());
  }
}

function withoutCredentials(server: string): string {
  return server.replace(/\/\/[^@/]*@/, '//');
}

function isConflict(err: unknown): boolean {
  return err instanceof JetStreamApiError && (err.code === JetStreamApiCodes.StreamWrongLastSequence || err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}

class NatsBucket implements SharedBucket {
  private watchers = new Set<{ restart(): void }>();

  private constructor(
    private kv: KV,
    private readonly nc: NatsConnection,
    private readonly name: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  static async open(nc: NatsConnection, name: string, ttlMs: number, log: Logger): Promise<NatsBucket> {
    return new NatsBucket(await new Kvm(nc).create(name, { ttl: ttlMs, history: 1 }), nc, name, ttlMs, log);
  }

  /** After a reconnect: the bucket is made again if NATS lost it, and watchers reload what they missed. */
  reopen(): void {
    void new Kvm(this.nc)
      .create(this.name, { ttl: this.ttlMs, history: 1 })
      .then((kv) => {
        this.kv = kv;
        for (const w of this.watchers) w.restart();
      })
      .catch((err: Error) => this.log.error(`bucket ${this.name} not reopened: ${err.message}`));
  }

  async get(key: string): Promise<BucketEntry | null> {
    const e = await this.kv.get(key);
    if (!e || e.operation !== 'PUT') return null;
    return { value: e.value, revision: e.revision };
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    try {
      return await this.kv.create(key, value);
    } catch (err) {
      if (isConflict(err)) throw new BucketConflict(key);
      throw err;
    }
  }

  async update(key: string, value: Uint8Array, revision: number): Promise<number> {
    try {
      return await this.kv.update(key, value, revision);
    } catch (err) {
      if (isConflict(err)) throw new BucketConflict(key);
      throw err;
    }
  }

  put(key: string, value: Uint8Array): Promise<number> {
    return this.kv.put(key, value);
  }

  async delete(key: string, revision?: number): Promise<void> {
    try {
      await this.kv.delete(key, revision === undefined ? undefined : { previousSeq: revision });
    } catch (err) {
      if (isConflict(err)) throw new BucketConflict(key);
      throw err;
    }
  }

  watch(onEntry: (key: string, value: Uint8Array | null) => void, onReload?: () => void): () => void {
    let stopped = false;
    let current: { stop(): void } | null = null;
    const start = async () => {
      current?.stop();
      const iter = await this.kv.watch();
      if (stopped) {
        iter.stop();
        return;
      }
      current = iter;
      onReload?.();
      for await (const e of iter) onEntry(e.key, e.operation === 'PUT' ? e.value : null);
    };
    const run = () => void start().catch((err: Error) => this.log.error(`watch of ${this.name} stopped: ${err.message}`));
    const watcher = { restart: run };
    this.watchers.add(watcher);
    run();
    return () => {
      stopped = true;
      this.watchers.delete(watcher);
      current?.stop();
    };
  }
}
