import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeLiveAudio, type LiveStartFrame, type LiveStatusFrame, type PlaybackEvent } from '@loa/protocol';
import { SyncedClock } from '../clock';
import type { Logger } from '../log';
import { Outbox } from '../outbox';
import { AgentStore } from '../store';
import type { LiveAiring, LiveOutput } from './live-output';
import { LiveReceiver } from './live-receiver';

const RELAY = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';

/** Four 64 kb/s MP3 frame headers with empty bodies: 104.5 ms of (silent) audio, enough for the framing. */
function group(): Buffer {
  const f = Buffer.alloc(208);
  f[0] = 0xff;
  f[1] = 0xfb;
  f[2] = 0x50;
  f[3] = 0xc4;
  return Buffer.concat([f, f, f, f]);
}
const GROUP_MS = (4 * 1152 * 1000) / 44100;

describe('LiveReceiver', () => {
  let dir: string;
  let store: AgentStore;
  let outbox: Outbox;
  let receiver: LiveReceiver;
  const clock = new SyncedClock();
  let airings: (LiveAiring & { bytes: number; ended: boolean })[];
  let holds: string[];
  let statuses: LiveStatusFrame[];
  let warnings: string[];

  const output: LiveOutput = {
    open(a) {
      const airing = { ...a, bytes: 0, ended: false };
      airings.push(airing);
      return {
        write: (b) => (airing.bytes += b.length),
        end: () => {
          airing.ended = true;
          return Promise.resolve(null);
        },
      };
    },
  };
  const log: Logger = { info: () => {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'loa-live-'));
    store = new AgentStore(join(dir, 'agent.db'));
    outbox = new Outbox(store);
    airings = [];
    holds = [];
    statuses = [];
    warnings = [];
    receiver = new LiveReceiver({
      clock,
      output,
      runner: { hold: (h) => holds.push(`hold ${h.id}`), release: () => holds.push('release') },
      store,
      outbox,
      log,
      send: (f) => statuses.push(f) > 0,
      jitterMs: 200,
      stallMs: 600,
    });
  });
  afterEach(async () => {
    await receiver.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (round = 1, kind: 'relay' | 'emergency' = 'emergency'): LiveStartFrame => ({
    type: 'live.start',
    relayId: RELAY,
    round,
    kind,
    priority: 'emergency',
    title: 'Bão số 5',
    codec: 'mp3',
    sampleRate: 44100,
    channels: 1,
    startedAt: new Date(Math.floor(clock.serverNow())).toISOString(),
  });
  const audio = (seq: number, at: number) => encodeLiveAudio({ relayId: RELAY, seq, at, first: seq === 0, payload: group() });
  const events = (): PlaybackEvent[] => outbox.pending(100).map((e) => e.event);
  async function until(done: () => boolean, ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(done()).toBe(true);
  }

  it('takes the output at once, plays each group at its instant plus the jitter delay, and gives the output back', async () => {
    const frame = start();
    receiver.onStart(frame);
    expect(holds).toEqual([`hold live:${RELAY}:1`]);
    const t0 = clock.serverNow();
    for (let i = 0; i < 5; i++) receiver.onAudio(audio(i, t0 + i * GROUP_MS));
    await new Promise((r) => setTimeout(r, 100));
    expect(airings).toHaveLength(0); // still in the jitter buffer
    await until(() => airings.length === 1);
    // The frame's instant reaches the output as epoch ms, read once at the frame.
    expect(airings[0].plannedAt).toBe(Date.parse(frame.startedAt));
    expect(airings[0].startedAt - t0).toBeGreaterThanOrEqual(200);
    expect(airings[0].startedAt - t0).toBeLessThan(300);
    receiver.onStop({ type: 'live.stop', relayId: RELAY, round: 1, reason: 'ended' });
    await until(() => airings[0].ended);
    expect(airings[0].bytes).toBe(5 * group().length);
    expect(holds).toEqual([`hold live:${RELAY}:1`, 'release']);
    await until(() => events().length === 2);
    const [started, finished] = events();
    expect(started).toMatchObject({ kind: 'started', occurrenceId: `live:${RELAY}:1`, slotId: RELAY });
    expect(finished).toMatchObject({ kind: 'finished', occurrenceId: `live:${RELAY}:1` });
    expect(finished.playedMs).toBe(Math.round(5 * GROUP_MS));
    expect(statuses.some((s) => s.playing && s.lagMs >= 200)).toBe(true);
  });

  it('after losing the link, carries on from the live point and logs the gap', async () => {
    receiver.onStart(start());
    const t0 = clock.serverNow();
    receiver.onAudio(audio(0, t0));
    receiver.onAudio(audio(1, t0 + GROUP_MS));
    // The link drops; on return the server announces the same round again and sends from the live point.
    receiver.onStart(start());
    receiver.onAudio(audio(20, t0 + 20 * GROUP_MS));
    expect(warnings.join('\n')).toMatch(/gián đoạn 1\.9 giây/);
    receiver.onStop({ type: 'live.stop', relayId: RELAY, round: 1, reason: 'ended' });
    await until(() => events().length === 2, 5000);
    expect(events()[1]).toMatchObject({ kind: 'finished', detail: expect.stringContaining('Gián đoạn 1 lần') });
    expect(holds).toEqual([`hold live:${RELAY}:1`, 'release']);
  });

  it('gives the output back when the audio stops and does not come back', async () => {
    receiver.onStart(start());
    receiver.onAudio(audio(0, clock.serverNow()));
    await until(() => holds.includes('release'), 3000);
    await until(() => events().length === 2);
    expect(events()[1]).toMatchObject({ kind: 'failed', reason: 'interrupted' });
  });

  it('ignores audio of another relay and malformed messages', () => {
    receiver.onStart(start());
    receiver.onAudio(encodeLiveAudio({ relayId: '11111111-1111-4111-8111-111111111111', seq: 0, at: clock.serverNow(), first: true, payload: group() }));
    receiver.onAudio(Buffer.from('not audio at all, just some text that is long enough'));
    expect(warnings).toHaveLength(1);
    expect(receiver.current()).toBeNull();
  });
});
