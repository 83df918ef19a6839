import type { DataSource } from 'typeorm';
import type { ClusterBus } from '../cluster/cluster-bus';
import type { Clock } from '../common/clock';
import type { LiveHub } from './live-hub';
import type { LiveRelayLeaseRepository } from './live-relay-lease.repository';
import { LiveCluster } from './live-cluster';

describe('LiveCluster audio', () => {
  const RELAY = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';

  it("publishes a group to the other instances before writing it to this instance's agents", () => {
    const order: string[] = [];
    const bus = { clustered: true, publish: (subject: string) => order.push(`publish ${subject}`) } as unknown as ClusterBus;
    const hub = { sendAudio: (ids: readonly string[]) => (order.push(`local ${ids.length}`), ids.length) } as unknown as LiveHub;
    const cluster = new LiveCluster(bus, hub, {} as LiveRelayLeaseRepository, {} as Clock, {} as DataSource);
    cluster.sendAudio(RELAY, ['s1', 's2', 's3'], Buffer.from('group'));
    expect(order).toEqual([`publish live.audio.${RELAY}`, 'local 3']);
  });

  it('alone, only writes to its own agents', () => {
    const published: string[] = [];
    const sent: number[] = [];
    const bus = { clustered: false, publish: (subject: string) => published.push(subject) } as unknown as ClusterBus;
    const hub = { sendAudio: (ids: readonly string[]) => (sent.push(ids.length), ids.length) } as unknown as LiveHub;
    new LiveCluster(bus, hub, {} as LiveRelayLeaseRepository, {} as Clock, {} as DataSource).sendAudio(RELAY, ['s1'], Buffer.from('group'));
    expect(published).toEqual([]);
    expect(sent).toEqual([1]);
  });
});
