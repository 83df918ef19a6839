import { Readable } from 'node:stream';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { withFakeLiveTimers } from '../../../../test/support/fakes/live-encoder.fake';
import { asRepository, partial, unused } from '../../../../test/support/fakes/fakes';
import { liveParts } from '../../../../test/support/fakes/live.fake';
import type { Principal } from '../auth/principal';
import type { StationPresence } from '../cluster/station-presence';
import { LiveAudience } from './live-audience';
import type { EncoderInput } from './live-encoder';
import type { LiveHub } from './live-hub';
import type { LiveInputs } from './live-inputs';
import { LiveMicrophone } from './live-mic';
import { LiveQueries } from './live-queries';
import type { LiveRecordings } from './live-recording';
import type { LiveRelayLeaseRepository } from './live-relay-lease.repository';
import type { LiveRelayRepository } from './live-relay.repository';
import { hashStreamToken, type StartLive } from './live-state';
import type { LiveTakeover } from './live-takeover';
import { LiveService } from './live.service';

jest.mock('./live-encoder', () => ({
  ...jest.requireActual<object>('./live-encoder'),
  LiveEncoder: jest.requireActual<typeof import('../../../../test/support/fakes/live-encoder.fake')>('../../../../test/support/fakes/live-encoder.fake').FakeLiveEncoder,
}));

const admin: Principal = { kind: 'user', userId: 'u-admin', username: 'admin', role: 'admin', unitId: 'P' };
const communeA: Principal = { kind: 'user', userId: 'u-a1', username: 'a1', role: 'operator', unitId: 'A1' };
const emergency: StartLive = { kind: 'emergency', title: 'Bão số 3', sourceKind: 'programme', programmeId: 'p-1', stationIds: ['s-a1', 's-b1'] };
const settle = () => new Promise((r) => setImmediate(r));

function setup(source: () => EncoderInput = () => ({ kind: 'file', path: '/media/tin.mp3', format: 'mp3' })) {
  const parts = liveParts();
  const { access } = provinceAccess();
  const relays = asRepository<LiveRelayRepository>(parts.relays);
  const hub = parts.hub as unknown as LiveHub;
  const recordings = parts.recordings as unknown as LiveRecordings;
  const inputs = partial<LiveInputs>('inputs', {
    targets: async (input: StartLive) => input.stationIds ?? [],
    source: async () => ({ source: source(), programmeId: 'p-1', url: null, reopen: null, credentials: null }),
  });
  const queries = new LiveQueries(parts.active, relays, access, hub, partial<StationPresence>('presence', { heldElsewhere: () => false }), recordings, parts.clock);
  const service = new LiveService(
    parts.active,
    relays,
    unused<LiveRelayLeaseRepository>('leases'),
    hub,
    parts.cluster,
    access,
    inputs,
    parts.rounds,
    new LiveAudience(parts.active, parts.rounds, parts.cluster, hub, parts.clock, asRepository<LiveRelayRepository>(parts.relays)),
    new LiveMicrophone(parts.active, parts.cluster),
    unused<LiveTakeover>('takeover'),
    queries,
    recordings,
    parts.clock,
  );
  return { ...parts, service };
}

describe('LiveService', () => {
  withFakeLiveTimers();

  it('starts an emergency: writes the relay with its stations and rounds, puts its first round on air and hands out its stream token once', async () => {
    const { relays, hub, service } = setup();
    const started = await service.start({ ...emergency, repeats: 2, intervalSeconds: 30 }, admin);
    const row = (await relays.find(started.relay.id))!;
    expect(row).toMatchObject({ kind: 'emergency', priority: 'emergency', rounds: 3, intervalMs: 30_000, roundsAired: 1, status: 'live', startedBy: 'u-admin' });
    expect(row.streamTokenHash).toBe(hashStreamToken(started.streamToken));
    expect(started.relay).not.toHaveProperty('streamTokenHash');
    expect(started.streamUrl).toBe(`/api/live/relays/${row.id}/stream.mp3?token=${started.streamToken}`);
    expect(await relays.targets(row.id)).toEqual(['s-a1', 's-b1']);
    expect(hub.frames()).toEqual(['live.start 1 → s-a1,s-b1']);
    expect(service.encodes(row.id)).toBe(true);
  });

  it('repeats an emergency by the hour for a week when no end is given, and refuses an end in the past, beyond a week, or hours with a repeat count', async () => {
    const { clock, relays, service } = setup();
    const { relay } = await service.start({ ...emergency, repeatEveryHours: 24 }, admin);
    expect(await relays.find(relay.id)).toMatchObject({ rounds: 7, intervalMs: 24 * 3600_000, expiresAt: new Date(clock.at + 7 * 24 * 3600_000 - 60_000).toISOString() });

    await expect(service.start({ ...emergency, repeatEveryHours: 1, repeats: 2 }, admin)).rejects.toMatchObject({ code: 'validation_failed', details: { fields: [{ field: 'repeatEveryHours' }] } });
    await expect(service.start({ ...emergency, expiresAt: new Date(clock.at).toISOString() }, admin)).rejects.toMatchObject({ details: { fields: [{ field: 'expiresAt', problems: ['in the past'] }] } });
    await expect(service.start({ ...emergency, expiresAt: new Date(clock.at + 8 * 24 * 3600_000).toISOString() }, admin)).rejects.toMatchObject({ details: { fields: [{ field: 'expiresAt', problems: ['more than 7 days ahead'] }] } });
    expect(relays.relayRows).toHaveLength(1);
  });

  it('closes the opened stream when the relay cannot be written', async () => {
    const body = Readable.from([]);
    const { relays, service } = setup(() => ({ kind: 'stream', body, format: 'mp3' }));
    relays.create = async () => {
      throw new Error('database gone');
    };
    await expect(service.start({ ...emergency, kind: 'relay', sourceKind: 'url' }, admin)).rejects.toThrow('database gone');
    expect(body.destroyed).toBe(true);
  });

  it('stops a relay for whoever reaches all its stations, not for a commune on a province-wide one, and only once', async () => {
    const { relays, hub, service } = setup();
    const { relay } = await service.start(emergency, admin);
    await expect(service.stop(relay.id, communeA)).rejects.toMatchObject({ code: 'forbidden', message: 'Buổi phát này có cả các trạm ngoài đơn vị của bạn, nên chỉ cấp trên mới dừng được.' });
    expect(await service.stop(relay.id, admin)).toMatchObject({ id: relay.id, status: 'stopped', endReason: 'Dừng theo yêu cầu.' });
    expect(hub.frames().at(-1)).toBe('live.stop 1 → s-a1,s-b1');
    expect((await relays.find(relay.id))!.status).toBe('stopped');
    await expect(service.stop(relay.id, admin)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('stops a relay another instance asks it to, and every relay when the server shuts down', async () => {
    const { relays, service } = setup();
    const first = await service.start(emergency, admin);
    const second = await service.start({ ...emergency, kind: 'relay' }, admin);
    expect(await service.stopRequested('00000000-0000-4000-8000-000000000000')).toBe(false);
    expect(await service.stopRequested(first.relay.id)).toBe(true);
    await service.onModuleDestroy();
    await settle();
    expect((await relays.find(first.relay.id))!.status).toBe('stopped');
    expect((await relays.find(second.relay.id))!.status).toBe('stopped');
    expect(service.encodes(second.relay.id)).toBe(false);
  });
});
