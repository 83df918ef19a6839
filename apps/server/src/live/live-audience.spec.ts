import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { FakeLiveEncoder, withFakeLiveTimers } from '../../../../test/support/fakes/live-encoder.fake';
import { asRepository } from '../../../../test/support/fakes/fakes';
import { liveParts, relayRow } from '../../../../test/support/fakes/live.fake';
import { LiveAudience } from './live-audience';
import type { LiveHub } from './live-hub';
import type { LiveRelayRepository } from './live-relay.repository';
import { hashStreamToken, STATUS_FRESH_MS } from './live-state';

jest.mock('./live-encoder', () => ({
  ...jest.requireActual<object>('./live-encoder'),
  LiveEncoder: jest.requireActual<typeof import('../../../../test/support/fakes/live-encoder.fake')>('../../../../test/support/fakes/live-encoder.fake').FakeLiveEncoder,
}));

const R1 = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';
const FILE = { kind: 'file', path: '/media/tin.mp3', format: 'mp3' } as const;
const settle = () => new Promise((r) => setImmediate(r));
const playing = (round: number, relayId = R1) => ({ type: 'live.status', relayId, round, playing: true, bufferMs: 800, lagMs: 120, gapMs: 0 }) as const;

function setup() {
  const parts = liveParts();
  const audience = new LiveAudience(parts.active, parts.rounds, parts.cluster, parts.hub as unknown as LiveHub, parts.clock, asRepository<LiveRelayRepository>(parts.relays));
  return { ...parts, audience };
}

describe('LiveAudience', () => {
  withFakeLiveTimers();

  it('lets an agent that connects mid-round join it, and ignores one the relay is not for', async () => {
    const { relays, hub, rounds, active, audience } = setup();
    const row = relays.seed(relayRow({ id: R1 }), ['s1', 's2']);
    const a = rounds.activate(row, ['s1', 's2'], FILE, null);
    await rounds.startRound(a, 1, ['s1']);
    audience.onAgentConnected('s2');
    audience.onAgentConnected('s9');
    expect(hub.frames()).toEqual(['live.start 1 → s1', 'live.start 1 → s2']);
    expect(active.get(R1)!.roundTargets).toEqual(['s1', 's2']);
  });

  it('plays an emergency still in force to a station that connects late and has not aired it, on its own', async () => {
    const { clock, relays, hub, rounds, audience } = setup();
    const row = relays.seed(relayRow({ id: R1, kind: 'emergency', priority: 'emergency', expiresAt: new Date(clock.at + 3600_000).toISOString() }), ['s1', 's2']);
    const a = rounds.activate(row, ['s1', 's2'], FILE, null);
    await rounds.startRound(a, 1);
    audience.onAgentStatus('s1', playing(1));
    FakeLiveEncoder.last().end();
    await settle();

    audience.onAgentConnected('s1'); // aired it already
    audience.onAgentConnected('s2');
    await settle();
    expect(hub.frames()).toEqual(['live.start 1 → s1,s2', 'live.stop 1 → s1,s2', 'live.start 2 → s2']);
    expect(FakeLiveEncoder.made).toHaveLength(2);
  });

  it('gives an emergency\'s catch-up to a station by what the database says it played, as an instance that took the emergency over knows it', async () => {
    const { clock, relays, hub, rounds, audience } = setup();
    const row = relays.seed(relayRow({ id: R1, kind: 'emergency', priority: 'emergency', expiresAt: new Date(clock.at + 3600_000).toISOString() }), ['s1', 's2']);
    // s1 played it while another instance encoded it; that instance wrote so, then died. This one carries
    // the emergency on between its rounds, with nothing of it in memory.
    await relays.recordCarriage([{ relayId: R1, stationId: 's1' }]);
    const a = rounds.activate(row, ['s1', 's2'], FILE, null);
    a.round = 1;
    a.row.roundsAired = 1;
    a.inputUsed = true;

    audience.onAgentConnected('s1');
    audience.onAgentConnected('s2');
    await settle();
    await settle();
    expect(hub.frames()).toEqual(['live.start 2 → s2']);

    // s2's report of playing it is written by the instance holding its agent, for whichever instance comes next.
    audience.onAgentStatus('s2', playing(2));
    await jest.advanceTimersByTimeAsync(500);
    expect(await relays.carriedBy(R1)).toEqual(['s1', 's2']);
  });

  it('tells the alert rules which stations carried the round on air and whether they still do', async () => {
    const { clock, relays, hub, rounds, audience } = setup();
    const row = relays.seed(relayRow({ id: R1, title: 'Tiếp sóng VOV1' }), ['s1', 's2', 's3']);
    await rounds.startRound(rounds.activate(row, ['s1', 's2', 's3'], FILE, null), 1);
    hub.online.add('s1').add('s2');
    audience.onAgentStatus('s1', playing(1));
    audience.onAgentStatus('s2', playing(1));
    audience.onAgentStatus('s9', playing(1)); // not a target
    audience.onAgentStatus('s1', playing(1, '00000000-0000-4000-8000-000000000000')); // a relay not encoded here
    clock.at += STATUS_FRESH_MS - 1;
    audience.onAgentStatus('s2', playing(1));
    clock.at += 2;
    expect(audience.carriage()).toEqual([
      { relayId: R1, title: 'Tiếp sóng VOV1', stationId: 's1', carried: true, carrying: false },
      { relayId: R1, title: 'Tiếp sóng VOV1', stationId: 's2', carried: true, carrying: true },
    ]);
  });

  it('lets an HTTP listener in only with the relay’s stream token, and forgets it when it goes', async () => {
    const { relays, rounds, active, audience } = setup();
    const row = relays.seed(relayRow({ id: R1, title: 'Bản tin', streamTokenHash: hashStreamToken('secret-token') }), ['s1']);
    rounds.activate(row, ['s1'], FILE, null);
    expect(() => audience.authorizeStream(R1, 'wrong')).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => audience.authorizeStream(R1, undefined)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => audience.authorizeStream('00000000-0000-4000-8000-000000000000', 'secret-token')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(audience.authorizeStream(R1, 'secret-token')).toEqual({ title: 'Bản tin' });

    const res = Object.assign(new EventEmitter(), { end: jest.fn() }) as unknown as ServerResponse;
    audience.listen(R1, res);
    expect(active.get(R1)!.listeners.size).toBe(1);
    res.emit('close');
    expect(active.get(R1)!.listeners.size).toBe(0);
  });
});
