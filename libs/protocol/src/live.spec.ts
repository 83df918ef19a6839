import { encodeLiveAudio, mp3FrameAt, parseLiveAudio, splitMp3, LIVE_HEADER_BYTES } from './live';
import { parseAgentFrame, parseServerFrame } from './parse';

/** A 64 kb/s, 44.1 kHz MPEG-1 Layer III frame header (no padding: 208 bytes a frame). */
function frame(padding = false): Buffer {
  const f = Buffer.alloc(padding ? 209 : 208, 0x55);
  f[0] = 0xff;
  f[1] = 0xfb;
  f[2] = 0x50 | (padding ? 0x02 : 0);
  f[3] = 0xc4;
  return f;
}

const RELAY = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';

describe('live audio frames', () => {
  it('reads MP3 frame headers and splits a stream at frame boundaries, keeping the incomplete tail', () => {
    expect(mp3FrameAt(frame(), 0)).toEqual({ bytes: 208, sampleRate: 44100, samples: 1152 });
    expect(mp3FrameAt(frame(true), 0)?.bytes).toBe(209);
    const stream = Buffer.concat([Buffer.from('ID3junk'), frame(), frame(true), frame().subarray(0, 100)]);
    const { frames, rest } = splitMp3(stream);
    expect(frames.map((f) => f.data.length)).toEqual([208, 209]);
    expect(frames[0].durationMs).toBeCloseTo(26.12, 1);
    expect(rest.length).toBe(100);
  });

  it('round-trips header and payload', () => {
    const payload = Buffer.concat([frame(), frame(), frame(true), frame()]);
    const msg = encodeLiveAudio({ relayId: RELAY, seq: 4_000_000_000, at: 1795400000123.5, first: true, payload });
    expect(msg.length).toBe(LIVE_HEADER_BYTES + payload.length);
    const parsed = parseLiveAudio(msg);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.audio).toMatchObject({ relayId: RELAY, seq: 4_000_000_000, at: 1795400000123.5, first: true });
    expect(parsed.audio.durationMs).toBeCloseTo(104.49, 1);
    expect(parsed.audio.payload.equals(payload)).toBe(true);
  });

  it.each([
    ['too short', Buffer.alloc(10)],
    ['wrong magic', Buffer.concat([Buffer.from('XX'), Buffer.alloc(40)])],
    ['text, not audio', encodeLiveAudio({ relayId: RELAY, seq: 1, at: 1, first: false, payload: Buffer.from('hello, not mp3') })],
    ['half a frame', encodeLiveAudio({ relayId: RELAY, seq: 1, at: 1, first: false, payload: frame().subarray(0, 120) })],
    ['no timestamp', encodeLiveAudio({ relayId: RELAY, seq: 1, at: Number.NaN, first: false, payload: frame() })],
    ['too large', encodeLiveAudio({ relayId: RELAY, seq: 1, at: 1, first: false, payload: Buffer.concat(Array.from({ length: 400 }, () => frame())) })],
  ])('refuses %s without throwing', (_name, raw) => {
    expect(parseLiveAudio(raw).ok).toBe(false);
  });
});

describe('live control frames', () => {
  const start = {
    type: 'live.start',
    relayId: RELAY,
    round: 1,
    kind: 'emergency',
    priority: 'emergency',
    title: 'Bão số 5',
    codec: 'mp3',
    sampleRate: 44100,
    channels: 1,
    startedAt: '2026-11-24T22:30:00.000Z',
  };

  it('accepts live.start and live.stop from the server and live.status from an agent', () => {
    expect(parseServerFrame(JSON.stringify(start)).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ type: 'live.stop', relayId: RELAY, round: 1, reason: 'ended' })).ok).toBe(true);
    expect(parseAgentFrame(JSON.stringify({ type: 'live.status', relayId: RELAY, round: 1, playing: true, bufferMs: 480, lagMs: 512, gapMs: 0 })).ok).toBe(true);
  });

  it.each([
    ['an unknown codec', { ...start, codec: 'opus' }],
    ['a relay id that is not a UUID', { ...start, relayId: 'abc' }],
    ['an extra field', { ...start, volume: 11 }],
    ['round zero', { ...start, round: 0 }],
  ])('refuses live.start with %s', (_name, frame) => {
    const parsed = parseServerFrame(JSON.stringify(frame));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.code).toBe('invalid_frame');
  });

  it('refuses a live.status with a negative buffer', () => {
    expect(parseAgentFrame(JSON.stringify({ type: 'live.status', relayId: RELAY, round: 1, playing: true, bufferMs: -1, lagMs: 0, gapMs: 0 })).ok).toBe(false);
  });
});
