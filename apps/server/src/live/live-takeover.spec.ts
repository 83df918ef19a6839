import { FakeLiveEncoder, withFakeLiveTimers } from '../../../../test/support/fakes/live-encoder.fake';
import { asRepository, partial } from '../../../../test/support/fakes/fakes';
import { liveParts, relayRow } from '../../../../test/support/fakes/live.fake';
import type { Programme } from '../programmes/programme.entity';
import type { EncoderInput } from './live-encoder';
import { LiveInputs } from './live-inputs';
import type { LiveRecordings } from './live-recording';
import type { LiveRelayLeaseRepository } from './live-relay-lease.repository';
import type { LiveRelay, LiveRelayLease } from './live-relay.entity';
import type { LiveRelayRepository } from './live-relay.repository';
import { LiveTakeover, TAKEOVER_SEQ_JUMP } from './live-takeover';

jest.mock('./live-encoder', () => ({
  ...jest.requireActual<object>('./live-encoder'),
  LiveEncoder: jest.requireActual<typeof import('../../../../test/support/fakes/live-encoder.fake')>('../../../../test/support/fakes/live-encoder.fake').FakeLiveEncoder,
}));

const R1 = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';
const settle = () => new Promise((r) => setImmediate(r));

function setup() {
  const parts = liveParts();
  const orphans: { relayId: string; patch: Partial<LiveRelay> }[] = [];
  const leases = partial<LiveRelayLeaseRepository>('leases', {
    endOrphan: async (relayId: string, _now: string, patch: Partial<LiveRelay>) => (orphans.push({ relayId, patch }), true),
  });
  const inputs = partial<LiveInputs>('inputs', {
    programmeInput: async (p: Programme, startMs = 0): Promise<EncoderInput> => ({ kind: 'file', path: `/media/${p.mediaAssetId}.mp3`, format: 'mp3', ...(startMs ? { startMs } : {}) }),
  });
  const takeover = new LiveTakeover(
    parts.active,
    asRepository<LiveRelayRepository>(parts.relays),
    leases,
    parts.cluster,
    parts.rounds,
    inputs,
    parts.recordings as unknown as LiveRecordings,
    parts.clock,
  );
  parts.relays.programmeRows.push({ id: 'p-1', mediaAssetId: 'm-1' } as Programme);
  return { ...parts, takeover, orphans };
}

function lease(fields: Partial<LiveRelayLease>): LiveRelayLease {
  return { relayId: R1, owner: 'dead', leaseUntil: '2026-01-01T07:59:59.000Z', round: 1, onAir: true, roundStartedAt: '2026-01-01T07:59:00.000Z', offsetMs: 5000, seq: 40, roundEndedAt: null, ...fields };
}

describe('LiveTakeover', () => {
  withFakeLiveTimers();

  it('carries the round on air on from where the dead instance got to: same round and instant, one jump in sequence, the recording appended to', async () => {
    const { relays, hub, recordings, active, takeover } = setup();
    relays.seed(relayRow({ id: R1, rounds: 1 }), ['s1', 's2']);
    recordings.leftBehind.set(R1, 4096);
    await takeover.takeOver(lease({}), null);

    expect(FakeLiveEncoder.last().input).toMatchObject({ kind: 'file', startMs: 5000 });
    expect(hub.controls[0]!.frame).toMatchObject({ type: 'live.start', round: 1, startedAt: '2026-01-01T07:59:00.000Z' });
    const a = active.get(R1)!;
    expect(a.seq).toBe(40 + TAKEOVER_SEQ_JUMP);
    expect(a.firstOfRound).toBe(false);
    expect(a.recording.bytes).toBe(4096);
    expect(takeover.progress(R1)).toMatchObject({ round: 1, onAir: true, offsetMs: 5000, seq: 40 + TAKEOVER_SEQ_JUMP });
  });

  it('between an emergency’s rounds, starts the next one when it is due', async () => {
    const { clock, relays, hub, takeover } = setup();
    relays.seed(relayRow({ id: R1, kind: 'emergency', rounds: 3, intervalMs: 60_000 }), ['s1']);
    await takeover.takeOver(lease({ onAir: false, roundEndedAt: new Date(clock.at - 10_000).toISOString() }), null);
    expect(FakeLiveEncoder.made).toHaveLength(0);
    jest.advanceTimersByTime(49_999);
    expect(FakeLiveEncoder.made).toHaveLength(0);
    jest.advanceTimersByTime(1);
    await settle();
    expect(hub.frames()).toEqual(['live.start 2 → s1']);
    expect(FakeLiveEncoder.last().input).not.toHaveProperty('startMs');
  });

  it('fails a relay whose source cannot be opened again, and leaves alone one that ended meanwhile', async () => {
    const { relays, active, takeover } = setup();
    relays.seed(relayRow({ id: R1, programmeId: 'p-gone' }), ['s1']);
    await takeover.takeOver(lease({}), null);
    expect(await relays.find(R1)).toMatchObject({ status: 'failed', endReason: 'Máy chủ đang phát bị dừng và không mở lại được nguồn phát: its programme no longer exists' });
    expect(active.has(R1)).toBe(false);

    await relays.update(R1, { status: 'stopped', endReason: 'Dừng theo yêu cầu.' });
    await takeover.takeOver(lease({}), null);
    expect(await relays.find(R1)).toMatchObject({ status: 'stopped', endReason: 'Dừng theo yêu cầu.' });
    expect(FakeLiveEncoder.made).toHaveLength(0);
  });

  it('ends as failed a relay nobody carried on for too long, and, alone, every relay a restart left live', async () => {
    const { relays, takeover, orphans } = setup();
    await takeover.abandon(R1);
    expect(orphans).toEqual([{ relayId: R1, patch: expect.objectContaining({ status: 'failed', endReason: 'Máy chủ khởi động lại khi đang phát trực tiếp.' }) }]);

    relays.seed(relayRow({ id: 'left' }), ['s1']);
    relays.seed(relayRow({ id: 'done', status: 'ended' }), ['s1']);
    await takeover.endLeftBehind();
    expect(await relays.find('left')).toMatchObject({ status: 'failed', endReason: 'Máy chủ khởi động lại khi đang phát trực tiếp.' });
    expect(await relays.find('done')).toMatchObject({ status: 'ended' });
  });
});
