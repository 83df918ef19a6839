import { FakeLiveEncoder, withFakeLiveTimers } from '../../../../test/support/fakes/live-encoder.fake';
import { partial } from '../../../../test/support/fakes/fakes';
import { liveParts, relayRow } from '../../../../test/support/fakes/live.fake';
import type { LiveCluster } from './live-cluster';
import { LiveMicrophone } from './live-mic';
import { MIC_INPUT } from './live-state';

jest.mock('./live-encoder', () => ({
  ...jest.requireActual<object>('./live-encoder'),
  LiveEncoder: jest.requireActual<typeof import('../../../../test/support/fakes/live-encoder.fake')>('../../../../test/support/fakes/live-encoder.fake').FakeLiveEncoder,
}));

const R1 = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';

async function micRelay() {
  const parts = liveParts();
  const row = parts.relays.seed(relayRow({ id: R1, sourceKind: 'mic', programmeId: null }), ['s1']);
  const a = parts.rounds.activate(row, ['s1'], MIC_INPUT, null);
  await parts.rounds.startRound(a, 1);
  return { ...parts, a, encoder: FakeLiveEncoder.last() };
}

describe('LiveMicrophone', () => {
  withFakeLiveTimers();

  it('feeds one browser’s audio into the relay’s encoder, and turns a second microphone away', async () => {
    const { active, cluster, a, encoder } = await micRelay();
    const mic = new LiveMicrophone(active, cluster);
    const sink = mic.attach(R1)!;
    sink.write(Buffer.from([1, 2]));
    sink.end();
    expect(encoder.written).toEqual([Buffer.from([1, 2])]);
    expect(encoder.inputEnded).toBe(true);
    expect(a.micAttached).toBe(true);
    expect(mic.attach(R1)).toBeNull();
  });

  it('takes audio from a browser on another instance in whole samples only', async () => {
    const { active, cluster, a, encoder } = await micRelay();
    const mic = new LiveMicrophone(active, cluster);
    mic.remote(R1, Buffer.from([1, 2, 3]));
    expect(encoder.written).toEqual([]);
    mic.remote(R1, Buffer.from([1, 2, 3, 4]));
    expect(encoder.written).toEqual([Buffer.from([1, 2, 3, 4])]);
    expect(a.micAttached).toBe(true);
    mic.remote(R1, null);
    expect(encoder.inputEnded).toBe(true);
  });

  it('has nowhere to send a microphone for a relay that is not a microphone’s, or not encoded anywhere it knows of', async () => {
    const parts = liveParts();
    const row = parts.relays.seed(relayRow({ id: R1 }), ['s1']);
    await parts.rounds.startRound(parts.rounds.activate(row, ['s1'], { kind: 'file', path: '/x.mp3', format: 'mp3' }, null), 1);
    const mic = new LiveMicrophone(parts.active, parts.cluster);
    expect(mic.attach(R1)).toBeNull();
    expect(mic.attach('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('sends a microphone on to the instance that encodes the relay, and into the encoder here once this instance takes it over', async () => {
    const parts = liveParts();
    const forwarded: string[] = [];
    const cluster = partial<LiveCluster>('cluster', {
      micElsewhere: () => ({ write: (chunk: Buffer) => (forwarded.push(chunk.toString('hex')), true), end: () => void forwarded.push('end') }),
    });
    const mic = new LiveMicrophone(parts.active, cluster);
    const sink = mic.attach(R1)!;
    sink.write(Buffer.from([0xaa, 0xbb]));
    expect(forwarded).toEqual(['aabb']);

    const row = parts.relays.seed(relayRow({ id: R1, sourceKind: 'mic', programmeId: null }), ['s1']);
    await parts.rounds.startRound(parts.rounds.activate(row, ['s1'], MIC_INPUT, null), 1);
    sink.write(Buffer.from([0xcc, 0xdd]));
    sink.end();
    expect(forwarded).toEqual(['aabb']);
    expect(FakeLiveEncoder.last().written).toEqual([Buffer.from([0xcc, 0xdd])]);
    expect(FakeLiveEncoder.last().inputEnded).toBe(true);
  });
});
