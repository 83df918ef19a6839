import type { ClusterBus } from '../cluster/cluster-bus';
import type { Clock } from '../common/clock';
import type { LiveHub } from './live-hub';
import type { LiveRelayLeaseRepository } from './live-relay-lease.repository';
import type { LiveRelayRepository } from './live-relay.repository';
import { LEASE_TTL_MS, LiveCluster } from './live-cluster';

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
