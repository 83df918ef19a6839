import { z } from 'zod';
import { WireInstant } from './time';

/**
 * Live relays and emergencies on the agents' WebSocket.
 *
 * Control frames are JSON like the rest of the protocol. The audio itself travels in binary frames: a
 * fixed 32-byte header and a group of whole MP3 frames (about 100 ms), so a relay costs ten messages a
 * second per agent and no base64.
 */

const instant = WireInstant;
const relayId = z.uuid();

export const LiveKind = z.enum(['relay', 'emergency']);
export type LiveKind = z.infer<typeof LiveKind>;

/** Server → agent: a live source is on air for this station; play what follows from the live point. */
export const LiveStartFrame = z.strictObject({
  type: z.literal('live.start'),
  relayId,
  /** Which airing of the relay (emergencies may repeat); one logbook line per round. */
  round: z.number().int().min(1).max(1000),
  kind: LiveKind,
  priority: z.enum(['normal', 'priority', 'emergency']),
  title: z.string().min(1).max(300),
  codec: z.literal('mp3'),
  sampleRate: z.number().int().min(8000).max(48000),
  channels: z.number().int().min(1).max(2),
  /** When the round went on air at the server. */
  startedAt: instant,
});
export type LiveStartFrame = z.infer<typeof LiveStartFrame>;

/** Server → agent: the round is over; play out what is buffered and give the output back to the schedule. */
export const LiveStopFrame = z.strictObject({
  type: z.literal('live.stop'),
  relayId,
  round: z.number().int().min(1).max(1000),
  reason: z.enum(['ended', 'stopped', 'expired', 'failed']),
});
export type LiveStopFrame = z.infer<typeof LiveStopFrame>;

/** Agent → server: how the live audio is doing at this station. */
export const LiveStatusFrame = z.strictObject({
  type: z.literal('live.status'),
  relayId,
  round: z.number().int().min(1).max(1000),
  playing: z.boolean(),
  /** Audio received and not yet played. */
  bufferMs: z.number().int().min(0).max(600_000),
  /** Server frame time to the moment it is played. */
  lagMs: z.number().int().min(-600_000).max(600_000),
  /** Audio lost to gaps so far (link lost, frames dropped by the server). */
  gapMs: z.number().int().min(0).max(7 * 24 * 3600_000),
});
export type LiveStatusFrame = z.infer<typeof LiveStatusFrame>;

// ---- binary audio frames ----

/** "LA", version 1. */
const MAGIC0 = 0x4c;
const MAGIC1 = 0x41;
const VERSION = 1;
export const LIVE_HEADER_BYTES = 32;
/** A group is about 100 ms; anything near this size is not ours. */
export const MAX_LIVE_PAYLOAD_BYTES = 64 * 1024;

/**
 * One binary audio message:
 * `0..1` "LA" · `2` version · `3` flags (bit 0: first group of a round) · `4..7` sequence number (uint32 BE,
 * per relay) · `8..15` server time the group belongs on air, epoch ms (float64 BE) · `16..31` relay id (the
 * UUID's 16 bytes) · then whole MP3 frames.
 */
export interface LiveAudio {
  relayId: string;
  seq: number;
  /** Server time, epoch ms. */
  at: number;
  /** How much audio the group holds. */
  durationMs: number;
  first: boolean;
  payload: Buffer;
}

export function encodeLiveAudio(a: Omit<LiveAudio, 'durationMs'> & { durationMs?: number }): Buffer {
  const out = Buffer.allocUnsafe(LIVE_HEADER_BYTES + a.payload.length);
  out[0] = MAGIC0;
  out[1] = MAGIC1;
  out[2] = VERSION;
  out[3] = a.first ? 1 : 0;
  out.writeUInt32BE(a.seq >>> 0, 4);
  out.writeDoubleBE(a.at, 8);
  Buffer.from(a.relayId.replace(/-/g, ''), 'hex').copy(out, 16);
  a.payload.copy(out, LIVE_HEADER_BYTES);
  return out;
}

export type ParsedLiveAudio = { ok: true; audio: LiveAudio } | { ok: false; why: string };

/** Validates a binary audio message. Never throws. */
export function parseLiveAudio(raw: Buffer): ParsedLiveAudio {
  if (raw.length <= LIVE_HEADER_BYTES) return { ok: false, why: 'too short' };
  if (raw.length > LIVE_HEADER_BYTES + MAX_LIVE_PAYLOAD_BYTES) return { ok: false, why: 'too large' };
  if (raw[0] !== MAGIC0 || raw[1] !== MAGIC1) return { ok: false, why: 'not a live audio frame' };
  if (raw[2] !== VERSION) return { ok: false, why: `unsupported version ${raw[2]}` };
  const at = raw.readDoubleBE(8);
  if (!Number.isFinite(at) || at <= 0) return { ok: false, why: 'bad timestamp' };
  const hex = raw.subarray(16, 32).toString('hex');
  const relayId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const payload = raw.subarray(LIVE_HEADER_BYTES);
  const durationMs = mp3DurationMs(payload);
  if (durationMs === null) return { ok: false, why: 'payload is not whole MP3 frames' };
  return { ok: true, audio: { relayId, seq: raw.readUInt32BE(4), at, first: (raw[3] & 1) === 1, payload, durationMs } };
}

// ---- MP3 frames ----

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const RATES_V1 = [44100, 48000, 32000];

export interface Mp3FrameInfo {
  bytes: number;
  sampleRate: number;
  samples: number;
}

/** Reads an MPEG audio Layer III frame header at `offset`; null if there is none. */
export function mp3FrameAt(buf: Buffer, offset: number): Mp3FrameInfo | null {
  if (offset + 4 > buf.length) return null;
  if (buf[offset] !== 0xff || (buf[offset + 1] & 0xe0) !== 0xe0) return null;
  const version = (buf[offset + 1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const layer = (buf[offset + 1] >> 1) & 3; // 1: Layer III
  if (version === 1 || layer !== 1) return null;
  const bitrateIndex = buf[offset + 2] >> 4;
  const rateIndex = (buf[offset + 2] >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const padding = (buf[offset + 2] >> 1) & 1;
  const mpeg1 = version === 3;
  const kbps = (mpeg1 ? BITRATES_V1 : BITRATES_V2)[bitrateIndex];
  const sampleRate = RATES_V1[rateIndex] / (mpeg1 ? 1 : version === 2 ? 2 : 4);
  const samples = mpeg1 ? 1152 : 576;
  const bytes = Math.floor(((samples / 8) * kbps * 1000) / sampleRate) + padding;
  return { bytes, sampleRate, samples };
}

/** Splits a byte stream into whole frames; returns them and the bytes of an incomplete last frame. */
export function splitMp3(buf: Buffer): { frames: { data: Buffer; durationMs: number }[]; rest: Buffer } {
  const frames: { data: Buffer; durationMs: number }[] = [];
  let i = 0;
  while (i + 4 <= buf.length) {
    const info = mp3FrameAt(buf, i);
    if (!info) {
      i++; // resynchronise on the next frame header (ID3 tags, garbage)
      continue;
    }
    if (i + info.bytes > buf.length) break;
    frames.push({ data: buf.subarray(i, i + info.bytes), durationMs: (info.samples / info.sampleRate) * 1000 });
    i += info.bytes;
  }
  return { frames, rest: buf.subarray(i) };
}

/** Duration of a payload made only of whole frames, or null when it is anything else. */
export function mp3DurationMs(buf: Buffer): number | null {
  let i = 0;
  let ms = 0;
  while (i < buf.length) {
    const info = mp3FrameAt(buf, i);
    if (!info || i + info.bytes > buf.length) return null;
    ms += (info.samples / info.sampleRate) * 1000;
    i += info.bytes;
  }
  return ms;
}
