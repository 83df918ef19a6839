import { firstValueFrom } from 'rxjs';
import { LOGIN_MAX_FAILURES, LoginLimiter } from '../auth/login-limiter';
import { SessionRevocations } from '../auth/sessions';
import { DomainEvents, type DomainEvent } from '../common/events';
import { NATS_MISSING, natsAvailable, startNats, type NatsServer } from '../../../../test/support/nats';
import { BucketConflict, decodeJson, encodeJson, LocalBus } from './cluster-bus';
import { NatsBus } from './nats-bus';
import { SharedFailureStore } from './shared-failure-store';

const available = natsAvailable();
if (!available) console.warn(NATS_MISSING);
const describeWithNats = available ? describe : describe.skip;

const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the bus of a server alone', () => {
  it('reaches no one and has no shared bucket, so nothing runs beyond the process', async () => {
    const bus = new LocalBus();
    const heard: unknown[] = [];
    bus.subscribe('events', (d) => heard.push(d));
    bus.publish('events', encodeJson({ type: 'x' }));
    expect(heard).toEqual([]);
    expect(bus.bucket('logins', 1000)).toBeNull();
    expect(bus.clustered).toBe(false);
  });
});

describeWithNats('the NATS bus between server instances', () => {
  let nats: NatsServer;
  let a: NatsBus;
  let b: NatsBus;
  let c: NatsBus;

  beforeAll(async () => {
    nats = await startNats();
    [a, b, c] = await Promise.all([NatsBus.connect(nats.url), NatsBus.connect(nats.url), NatsBus.connect(nats.url)]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a, b, c].map((bus) => bus?.close()));
    await nats?.stop();
  });

  it('carries a message to every other instance, never back to the one that published it', async () => {
    const heard: string[] = [];
    for (const [name, bus] of [['a', a], ['b', b], ['c', c]] as const) bus.subscribe('test.hello', (d) => heard.push(`${name}:${decodeJson<{ n: number }>(d).n}`));
    await Promise.all([b.flush(), c.flush()]);
    a.publish('test.hello', encodeJson({ n: 1 }));
    await until('b and c hear it', () => heard.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard.sort()).toEqual(['b:1', 'c:1']);
  });

  it('carries schedule changes and revocations to the other instances, but not a new station (its jobs run once)', async () => {
    const [ea, eb, ec] = [new DomainEvents(a), new DomainEvents(b), new DomainEvents(c)];
    const heard: Record<string, DomainEvent[]> = { a: [], b: [], c: [] };
    ea.stream.subscribe((e) => heard.a.push(e));
    eb.stream.subscribe((e) => heard.b.push(e));
    ec.stream.subscribe((e) => heard.c.push(e));
    await Promise.all([b.flush(), c.flush()]);
    ea.emit({ type: 'station.created', stationId: 's-new' });
    ea.emit({ type: 'schedule.changed', stationIds: Array.from({ length: 12_000 }, (_, i) => `s-${i}`) });
    ea.emit({ type: 'station.token-revoked', stationId: 's-7' });
    // The emitting instance hears its own events at once, without the network.
    expect(heard.a.map((e) => e.type)).toEqual(['station.created', 'schedule.changed', 'station.token-revoked']);
    await until('b and c hear the revocation', () => [heard.b, heard.c].every((h) => h.some((e) => e.type === 'station.token-revoked')));
    for (const other of [heard.b, heard.c]) {
      expect(other.some((e) => e.type === 'station.created')).toBe(false);
      // A province-wide change arrives whole, in messages small enough for NATS.
      const ids = other.flatMap((e) => (e.type === 'schedule.changed' ? e.stationIds : []));
      expect(new Set(ids).size).toBe(12_000);
    }
    for (const e of [ea, eb, ec]) e.onModuleDestroy();
  });

  it('closes a user\'s long-lived connections on whichever instance holds them when the session is revoked elsewhere', async () => {
    const onA = new SessionRevocations(a);
    const onC = new SessionRevocations(c);
    const closed = firstValueFrom(onC.of('user-42'));
    await c.flush();
    onA.revoked('user-42');
    await expect(closed).resolves.toBe('user-42');
    onA.onModuleDestroy();
    onC.onModuleDestroy();
  });

  it('counts failed sign-ins spread over three instances as one count', async () => {
    let now = Date.UTC(2026, 11, 4, 8, 0, 0);
    const limiters = await Promise.all([a, b, c].map(async (bus) => new LoginLimiter(() => now, {}, new SharedFailureStore(await bus.bucket('logins-test', 60_000)))));
    for (let i = 0; i < LOGIN_MAX_FAILURES - 1; i++) {
      await limiters[i % 3].fail('bientap', '10.0.0.9');
      now += 1000;
    }
    for (const l of limiters) expect(await l.blocked('bientap', '10.0.0.9')).toBeNull();
    await limiters[1].fail('bientap', '10.0.0.9');
    for (const l of limiters) expect(await l.blocked('bientap', '10.0.0.9')).toMatchObject({ scope: 'name' });
    // A success on one instance forgets the name's failures on all of them.
    await limiters[2].succeed('bientap', '10.0.0.9');
    expect(await limiters[0].blocked('bientap', '10.0.0.9')).toBeNull();
  });

  it('loses no failure when instances write the same key at once', async () => {
    const now = Date.now();
    const stores = await Promise.all([a, b, c].map(async (bus) => new SharedFailureStore(await bus.bucket('logins-race', 60_000))));
    await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3].add('login:all', now + i, now - 60_000, 300)));
    expect(await stores[0].recent('login:all', now - 60_000)).toHaveLength(12);
  });

  it('writes a bucket key by compare-and-set only at the revision read', async () => {
    const bucket = await a.bucket('cas-test', 60_000);
    const rev = await bucket.create('k', encodeJson(1));
    await expect(bucket.create('k', encodeJson(2))).rejects.toBeInstanceOf(BucketConflict);
    await bucket.update('k', encodeJson(3), rev);
    await expect(bucket.update('k', encodeJson(4), rev)).rejects.toBeInstanceOf(BucketConflict);
    expect(decodeJson(((await bucket.get('k'))!).value)).toBe(3);
  });

  it('comes back after NATS restarts: messages cross again and watchers reload the bucket', async () => {
    const seen = new Map<string, unknown>();
    let reloads = 0;
    const bucketB = await b.bucket('watch-test', 60_000);
    const stopWatch = bucketB.watch((k, v) => (v ? seen.set(k, decodeJson(v)) : seen.delete(k)), () => reloads++);
    const bucketA = await a.bucket('watch-test', 60_000);
    await bucketA.put('station-1', encodeJson({ on: 'a' }));
    await until('b sees the key', () => seen.has('station-1'));

    const heard: number[] = [];
    c.subscribe('test.after', (d) => heard.push(decodeJson<number>(d)));
    await c.flush();
    await nats.restart();
    await until('a reconnected and c hears it', async () => {
      a.publish('test.after', encodeJson(7));
      await new Promise((r) => setTimeout(r, 100));
      return heard.includes(7);
    }, 20_000);
    await until('b reloaded its watch', () => reloads >= 2, 20_000);
    await bucketA.put('station-2', encodeJson({ on: 'a' }));
    await until('b sees a key written after the restart', () => seen.has('station-2'), 10_000);
    expect(seen.get('station-1')).toEqual({ on: 'a' });
    stopWatch();
  }, 60_000);
});
