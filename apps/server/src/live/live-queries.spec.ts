import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { asRepository, partial } from '../../../../test/support/fakes/fakes';
import { liveParts, relayRow } from '../../../../test/support/fakes/live.fake';
import type { Principal } from '../auth/principal';
import type { StationPresence } from '../cluster/station-presence';
import type { LiveHub } from './live-hub';
import { LiveQueries } from './live-queries';
import type { LiveRecordings } from './live-recording';
import type { LiveRelayRepository } from './live-relay.repository';

const admin: Principal = { kind: 'user', userId: 'u-admin', username: 'admin', role: 'admin', unitId: 'P' };
const communeA: Principal = { kind: 'user', userId: 'u-a1', username: 'a1', role: 'editor', unitId: 'A1' };
const R1 = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';
const FILE = { kind: 'file', path: '/media/tin.mp3', format: 'mp3' } as const;

function setup(elsewhere: string[] = []) {
  const parts = liveParts();
  const { access } = provinceAccess();
  parts.relays.stationRows.push({ id: 's-a1', unitId: 'A1', name: 'Trạm A1' }, { id: 's-b1', unitId: 'B1', name: 'Trạm B1' });
  const presence = partial<StationPresence>('presence', { heldElsewhere: (id: string) => elsewhere.includes(id) });
  const queries = new LiveQueries(parts.active, asRepository<LiveRelayRepository>(parts.relays), access, parts.hub as unknown as LiveHub, presence, parts.recordings as unknown as LiveRecordings, parts.clock);
  return { ...parts, queries };
}

describe('LiveQueries', () => {
  it('lists the newest relays first, and to a commune only those that reach one of its stations, without the token hash', async () => {
    const { relays, queries } = setup();
    relays.seed(relayRow({ id: 'r-a', startedAt: '2026-01-01T01:00:00.000Z' }), ['s-a1']);
    relays.seed(relayRow({ id: 'r-b', startedAt: '2026-01-01T02:00:00.000Z' }), ['s-b1']);
    relays.seed(relayRow({ id: 'r-ab', startedAt: '2026-01-01T03:00:00.000Z', sourceUrl: 'http://u:p@radio.example/live' }), ['s-a1', 's-b1']);
    expect((await queries.list(admin)).map((r) => r.id)).toEqual(['r-ab', 'r-b', 'r-a']);
    const seen = await queries.list(communeA);
    expect(seen.map((r) => r.id)).toEqual(['r-ab', 'r-a']);
    expect(seen[0]).not.toHaveProperty('streamTokenHash');
    expect(seen[0]!.sourceUrl).toBe('http://radio.example/live');
  });

  it('shows a relay encoded here with each station as it last reported, and refuses another commune’s', async () => {
    const { relays, hub, rounds, queries } = setup(['s-b1']);
    const row = relays.seed(relayRow({ id: R1 }), ['s-a1', 's-b1']);
    const a = rounds.activate(row, ['s-a1', 's-b1'], FILE, null);
    a.round = 1;
    a.onAir = true;
    hub.online.add('s-a1');
    a.statuses.set('s-a1', { status: { type: 'live.status', relayId: R1, round: 1, playing: true, bufferMs: 900, lagMs: 150, gapMs: 20 }, at: Date.parse('2026-01-01T08:00:00.000Z') });

    const view = await queries.status(R1, admin);
    expect(view).toMatchObject({ round: 1, onAir: true, listeners: 0 });
    expect(view.stations).toEqual([
      { stationId: 's-a1', stationName: 'Trạm A1', connected: true, carrying: true, bufferMs: 900, lagMs: 150, gapMs: 20, droppedFrames: 0, reportedAt: '2026-01-01T08:00:00.000Z' },
      { stationId: 's-b1', stationName: 'Trạm B1', connected: true, carrying: false, bufferMs: null, lagMs: null, gapMs: null, droppedFrames: 0, reportedAt: null },
    ]);

    relays.seed(relayRow({ id: 'r-b' }), ['s-b1']);
    await expect(queries.status('r-b', communeA)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(queries.status('r-x', admin)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('says whether a user’s unit reaches every station of a relay', async () => {
    const { relays, queries } = setup();
    relays.seed(relayRow({ id: 'r-a' }), ['s-a1']);
    relays.seed(relayRow({ id: 'r-ab' }), ['s-a1', 's-b1']);
    expect(await queries.mayChange('r-a', communeA)).toBe(true);
    expect(await queries.mayChange('r-ab', communeA)).toBe(false);
    expect(await queries.mayChange('r-ab', admin)).toBe(true);
  });

  it('hands out the recording of a finished relay only', async () => {
    const { relays, queries } = setup();
    relays.seed(relayRow({ id: 'r-live' }), ['s-a1']);
    relays.seed(relayRow({ id: 'r-done', status: 'ended', recordingSha256: 'b'.repeat(64) }), ['s-a1']);
    await expect(queries.recordingPath('r-live', admin)).rejects.toMatchObject({ code: 'not_found' });
    expect(await queries.recordingPath('r-done', admin)).toBe(`/media/${'b'.repeat(64)}.mp3`);
  });
});
