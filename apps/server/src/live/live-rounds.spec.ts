import { FakeLiveEncoder, withFakeLiveTimers } from '../../../../test/support/fakes/live-encoder.fake';
import { liveParts, relayRow } from '../../../../test/support/fakes/live.fake';
import { MIC_IDLE_MS } from './live-rounds';
import { MIC_INPUT } from './live-state';

jest.mock('./live-encoder', () => ({
  ...jest.requireActual<object>('./live-encoder'),
  LiveEncoder: jest.requireActual<typeof import('../../../../test/support/fakes/live-encoder.fake')>('../../../../test/support/fakes/live-encoder.fake').FakeLiveEncoder,
}));

const FILE = { kind: 'file', path: '/media/tin.mp3', format: 'mp3' } as const;
const settle = () => new Promise((r) => setImmediate(r));
const R1 = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';
/** The header fields of a live audio message this class sets. */
const header = (m: Buffer) => ({ first: (m[3]! & 1) === 1, seq: m.readUInt32BE(4), payload: m.subarray(32).toString() });

describe('LiveRounds', () => {
  withFakeLiveTimers();

  it('airs each round of an emergency to its stations, waits the interval between them, then ends the relay and keeps its recording', async () => {
    const { relays, hub, recordings, active, rounds } = liveParts();
    const row = relays.seed(relayRow({ id: R1, kind: 'emergency', priority: 'emergency', rounds: 2, intervalMs: 60_000 }), ['s1', 's2']);
    const a = rounds.activate(row, ['s1', 's2'], FILE, null);

    await rounds.startRound(a, 1);
    expect(FakeLiveEncoder.last().started).toBe(true);
    FakeLiveEncoder.last().emit(Buffer.from('group-1'));
    FakeLiveEncoder.last().emit(Buffer.from('group-2'));
    expect(hub.audio.map((x) => x.stationIds)).toEqual([
      ['s1', 's2'],
      ['s1', 's2'],
    ]);
    expect(hub.audio.map((x) => header(x.message))).toEqual([
      { first: true, seq: 0, payload: 'group-1' },
      { first: false, seq: 1, payload: 'group-2' },
    ]);
    expect((await relays.find(R1))!.roundsAired).toBe(1);

    FakeLiveEncoder.last().end();
    await settle();
    expect(hub.frames()).toEqual(['live.start 1 → s1,s2', 'live.stop 1 → s1,s2']);
    expect(active.has(R1)).toBe(true);

    jest.advanceTimersByTime(59_999);
    expect(FakeLiveEncoder.made).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await settle();
    expect(FakeLiveEncoder.made).toHaveLength(2);
    FakeLiveEncoder.last().end();
    await settle();
    await settle();

    expect(hub.frames().slice(2)).toEqual(['live.start 2 → s1,s2', 'live.stop 2 → s1,s2']);
    expect(await relays.find(R1)).toMatchObject({ status: 'ended', endReason: null, roundsAired: 2, recordingBytes: 'group-1group-2'.length });
    expect(recordings.kept).toEqual([R1]);
    expect(active.has(R1)).toBe(false);
  });

  it('ends a relay stopped mid-round with a live.stop saying so', async () => {
    const { relays, hub, active, rounds } = liveParts();
    const row = relays.seed(relayRow({ id: R1 }), ['s1']);
    const a = rounds.activate(row, ['s1'], FILE, null);
    await rounds.startRound(a, 1);

    await rounds.stopActive(a, 'stopped');
    expect(hub.controls.at(-1)!.frame).toEqual({ type: 'live.stop', relayId: R1, round: 1, reason: 'stopped' });
    expect(await relays.find(R1)).toMatchObject({ status: 'stopped', endReason: 'Dừng theo yêu cầu.', recordingSha256: null });
    expect(active.has(R1)).toBe(false);
  });

  it('fails the relay when its source fails', async () => {
    const { relays, hub, rounds } = liveParts();
    const row = relays.seed(relayRow({ id: R1, rounds: 3 }), ['s1']);
    await rounds.startRound(rounds.activate(row, ['s1'], FILE, null), 1);
    FakeLiveEncoder.last().end('ffmpeg exited with 1');
    await settle();
    expect(hub.controls.at(-1)!.frame).toMatchObject({ type: 'live.stop', reason: 'failed' });
    expect(await relays.find(R1)).toMatchObject({ status: 'failed', endReason: 'Nguồn phát bị lỗi: ffmpeg exited with 1' });
  });

  it('keeps an emergency in force after its rounds until it expires, then ends it as done rather than cut', async () => {
    const { clock, relays, active, rounds } = liveParts();
    const expiresAt = new Date(clock.at + 3600_000).toISOString();
    const row = relays.seed(relayRow({ id: R1, kind: 'emergency', priority: 'emergency', expiresAt }), ['s1']);
    await rounds.startRound(rounds.activate(row, ['s1'], FILE, null), 1);
    FakeLiveEncoder.last().end();
    await settle();
    expect(active.has(R1)).toBe(true);
    expect((await relays.find(R1))!.status).toBe('live');

    clock.at += 3600_000;
    jest.advanceTimersByTime(3600_000);
    await settle();
    await settle();
    expect(await relays.find(R1)).toMatchObject({ status: 'ended', endReason: 'Hết hạn.' });
    expect(active.has(R1)).toBe(false);
  });

  it('ends a microphone relay nobody speaks into', async () => {
    const { relays, rounds } = liveParts();
    const row = relays.seed(relayRow({ id: R1, sourceKind: 'mic', programmeId: null }), ['s1']);
    await rounds.startRound(rounds.activate(row, ['s1'], MIC_INPUT, null), 1);
    jest.advanceTimersByTime(MIC_IDLE_MS);
    await settle();
    await settle();
    expect(await relays.find(R1)).toMatchObject({ status: 'stopped', endReason: 'Dừng theo yêu cầu.' });
  });

  it('gives a relay another instance took up without a live.stop and without ending it, dropping its unwritten recording', async () => {
    const { relays, hub, recordings, active, rounds } = liveParts();
    const row = relays.seed(relayRow({ id: R1 }), ['s1']);
    await rounds.startRound(rounds.activate(row, ['s1'], FILE, null), 1);
    rounds.leaseLost(R1);
    await settle();
    expect(hub.frames()).toEqual(['live.start 1 → s1']);
    expect(active.has(R1)).toBe(false);
    expect(recordings.dropped).toEqual([R1]);
    expect((await relays.find(R1))!.status).toBe('live');
  });
});
