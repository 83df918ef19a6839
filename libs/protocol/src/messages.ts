import { z } from 'zod';
import { LiveStartFrame, LiveStatusFrame, LiveStopFrame } from './live';
import { TIME_OF_DAY_RANGE, WireInstant } from './time';

/**
 * The WebSocket contract between the server and a station agent.
 *
 * Every frame is one JSON object with a `type`. Instants are ISO-8601 UTC strings with milliseconds
 * ("2026-11-24T22:30:00.000Z"); durations are whole milliseconds.
 */

export const PROTOCOL_VERSION = 1;

/** The path agents connect to; the station token goes in `Authorization: Bearer …`. */
export const AGENT_WS_PATH = '/api/agent/ws';

/** Close codes the server uses when it refuses or drops an agent. */
export const CloseCode = {
  /** No token, or a token that matches no station. */
  Unauthorized: 4401,
  /** The station's token was rotated or revoked while connected. */
  Revoked: 4403,
  /** Another connection took over this station. */
  Replaced: 4409,
} as const;

const instant = WireInstant;
const id = z.string().min(1).max(200);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const ms = z.number().int().nonnegative().max(7 * 24 * 3600 * 1000);

export const Priority = z.enum(['normal', 'priority', 'emergency']);
export type Priority = z.infer<typeof Priority>;

export const SlotSource = z.enum(['relay', 'local', 'emergency']);
export type SlotSource = z.infer<typeof SlotSource>;

/**
 * How an item takes the air when something else is playing at its instant: `hard` cuts it (with a short
 * fade), `soft` waits for it to end, `wait` waits up to `waitMs` and then cuts. An item without one is hard.
 */
export const StartMode = z.enum(['hard', 'soft', 'wait']);
export type StartMode = z.infer<typeof StartMode>;

/** `/` not followed by `/`, with no backslash, whitespace or control character anywhere. */
export const SAME_ORIGIN_PATH = /^\/(?![/\\])[^\\\s\u0000-\u001f\u007f]*$/;

/** A language's code (ISO 639-1 or 639-3, optionally with a subtag): `km`, `hmn`, `ede`, `tay`. */
export const LANGUAGE_CODE = /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/;
const languageCode = z.string().regex(LANGUAGE_CODE);

export const MediaRef = z.strictObject({
  sha256,
  size: z.number().int().positive(),
  durationMs: ms,
  /**
   * Path on the server to download from, with the agent's token; supports Range. Only a path on the same
   * origin: no `//host` (scheme-relative), no backslash (URL parsers read `/\` as `//`) and no whitespace
   * or control characters (they are stripped before parsing), so the token never leaves for another host.
   */
  url: z.string().max(500).regex(SAME_ORIGIN_PATH, 'must be a path on the server (/…), not another host'),
});
export type MediaRef = z.infer<typeof MediaRef>;

export const ScheduleItem = z.strictObject({
  /** One airing of one slot on this station; stable across snapshots. */
  occurrenceId: id,
  slotId: id,
  startAt: instant,
  durationMs: ms,
  priority: Priority,
  source: SlotSource,
  startMode: StartMode.optional(),
  /** For `wait`: how long to wait for the item on air before cutting it. */
  waitMs: ms.optional(),
  /** Speaker clusters (cụm loa) of the station to play on; absent: all of them. */
  clusterIds: z.array(id).max(200).optional(),
  /** The chuyên mục's own dead-air threshold; absent: the station's (LOA_DEAD_AIR_SECONDS). */
  deadAirMs: z.number().int().min(3000).max(600_000).optional(),
  programme: z.strictObject({
    id,
    title: z.string().max(500),
    chuyenMuc: z.string().max(200),
  }),
  media: MediaRef,
  /**
   * The language version of the programme `media` is (a code such as `km`), when it is not the programme's
   * own Vietnamese audio; absent: the Vietnamese audio. Sent only for another language, so an agent of an
   * older release keeps reading the snapshots of stations that take Vietnamese.
   */
  language: languageCode.optional(),
});
export type ScheduleItem = z.infer<typeof ScheduleItem>;

export const ScheduleSnapshot = z.strictObject({
  stationId: id,
  /** Increases on every change that touches the station; an agent never goes back to an older one. */
  version: z.number().int().nonnegative(),
  generatedAt: instant,
  /** The window the snapshot covers: every item starting in [from, to) is listed. */
  from: instant,
  to: instant,
  items: z.array(ScheduleItem).max(10000),
});
export type ScheduleSnapshot = z.infer<typeof ScheduleSnapshot>;

export const EventKind = z.enum(['started', 'finished', 'failed']);
export type EventKind = z.infer<typeof EventKind>;

/** Why a slot did not play, or did not play in full. */
export const FailureReason = z.enum([
  'missed', // the agent was not running or had no schedule at the instant
  'media_missing', // the file was not in the cache, or failed verification
  'player_error', // the audio output failed
  'interrupted', // the agent stopped while the programme was playing
  'cancelled', // the slot was withdrawn while playing
  'preempted', // cut by a higher-priority item, such as an emergency
  'declined', // a normal item the commune chose not to air, from the box's own console (TT39 leaves it to them)
]);
export type FailureReason = z.infer<typeof FailureReason>;

/**
 * Whether a capture of what really went out (the amplifier's monitor, an FM receiver) carried the
 * programme: `confirmed` (xác nhận phát sóng), `not_confirmed` (không xác nhận), `no_capture` (không có
 * thiết bị thu, or it heard nothing during the airing).
 */
export const AirVerdict = z.enum(['confirmed', 'not_confirmed', 'no_capture']);
export type AirVerdict = z.infer<typeof AirVerdict>;

export const AirProof = z.strictObject({
  verdict: AirVerdict,
  /** How much of the airing the capture matched. */
  confirmedMs: ms,
  /** Share of the airing the capture matched, 0–100. */
  coveragePct: z.number().min(0).max(100),
  /** Where the capture found the programme relative to its recorded start (positive: later); null when not found. */
  offsetMs: z.number().int().min(-60_000).max(60_000).nullable(),
});
export type AirProof = z.infer<typeof AirProof>;

/** Occurrence ids of airings the station made itself, from its local console: `local:<uuid>`. */
export const LOCAL_OCCURRENCE = /^local:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What an airing the station made itself was (a "Phát thông báo ngay" from the box's console): the server
 * has no slot for it, so the event carries what its logbook line needs.
 */
export const LocalAiring = z.strictObject({
  title: z.string().trim().min(1).max(300),
  /** Typed text spoken by the box, or a recording made on the operator's phone. */
  kind: z.enum(['text', 'recording']),
  /** `emergency`: the commune's own khẩn cấp; `normal`: its own programme. */
  priority: z.enum(['normal', 'emergency']),
  /** The speaker clusters it went to; absent: the whole station. */
  clusterIds: z.array(id).min(1).max(200).optional(),
  /** The announcement's own length. */
  durationMs: ms,
});
export type LocalAiring = z.infer<typeof LocalAiring>;

export const PlaybackEvent = z.strictObject({
  /** Made by the agent (a UUID); the server stores each id once, however often it is sent. */
  id: z.uuid(),
  kind: EventKind,
  occurrenceId: id,
  slotId: id,
  plannedAt: instant,
  /** When the programme started on air (absent for a slot that never started). */
  startedAt: instant.optional(),
  /** For `finished` and `failed`: when it left the air, or when the failure was noticed. */
  endedAt: instant.optional(),
  /** Actual minus planned start, in milliseconds, as the agent measured it against server time. */
  startErrorMs: z.number().min(-3_600_000).max(3_600_000).optional(),
  playedMs: ms.optional(),
  reason: FailureReason.optional(),
  detail: z.string().max(1000).optional(),
  /** For an airing that went out (finished, or cut after it started): what the capture said. Absent from older agents. */
  air: AirProof.optional(),
  /** Silence or flat sound on air during the airing, past the dead-air threshold. */
  deadAirMs: ms.optional(),
  /** For an airing made at the station (occurrence `local:<uuid>`, the same as its slot id): what it was. */
  local: LocalAiring.optional(),
  /** The language version the agent played, as its schedule item named it; absent: the Vietnamese audio. */
  language: languageCode.optional(),
}).superRefine((e, ctx) => {
  const isLocal = e.occurrenceId.startsWith('local:');
  if (isLocal && !(LOCAL_OCCURRENCE.test(e.occurrenceId) && e.slotId === e.occurrenceId && e.local)) {
    ctx.addIssue({ code: 'custom', path: ['local'], message: 'a local airing is `local:<uuid>` as both occurrence and slot, with its `local` description' });
  }
  if (!isLocal && e.local) ctx.addIssue({ code: 'custom', path: ['local'], message: 'only a local airing (`local:<uuid>`) carries `local`' });
});
export type PlaybackEvent = z.infer<typeof PlaybackEvent>;

export const NowPlaying = z.strictObject({
  occurrenceId: id,
  title: z.string().max(500),
  startedAt: instant,
});

// ---- agent → server ----

export const HelloFrame = z.strictObject({
  type: z.literal('hello'),
  protocol: z.number().int().positive(),
  agentVersion: z.string().max(50),
  /** The snapshot version the agent already holds, or null on a fresh box. */
  scheduleVersion: z.number().int().nonnegative().nullable(),
  /** sha256 of every verified file in the cache. */
  cached: z.array(sha256).max(10000),
});

export const EventsFrame = z.strictObject({
  type: z.literal('events'),
  events: z.array(PlaybackEvent).min(1).max(500),
});

/** The station's sound output, as the agent last found it (at start, every few minutes, and at each playback). */
export const OutputStatus = z.strictObject({
  /** The ALSA device name, e.g. `hw:1,0`. */
  device: z.string().max(200),
  ok: z.boolean(),
  checkedAt: instant,
  /** When not ok: a Vietnamese sentence followed by the device's own words. */
  error: z.string().max(1000).nullable(),
});
export type OutputStatus = z.infer<typeof OutputStatus>;

/** The capture device and dead air on it, as the agent last found them. */
export const CaptureStatus = z.strictObject({
  /** `alsa:hw:1,0`, `file:…`; the agent reports none when it has no capture. */
  source: z.string().max(300),
  /** Audio arrived within the last few seconds. */
  ok: z.boolean(),
  /** Loudness of the last second heard, dBFS; null when nothing arrived. */
  levelDb: z.number().min(-120).max(10).nullable(),
  /** Dead air in progress on what is on air: since when, and on which airing or live round. */
  deadAir: z.strictObject({ since: instant, occurrenceId: id, live: z.boolean() }).nullable(),
});
export type CaptureStatus = z.infer<typeof CaptureStatus>;

/** The station's download limits for a 3G/4G link (LOA_DOWNLOAD_KBPS, LOA_DOWNLOAD_WINDOW) and what they hold back. */
export const DownloadStatus = z.strictObject({
  /** Every download together at most this many kbit/s; null: no cap. */
  capKbps: z.number().int().min(1).max(10_000_000).nullable(),
  /** `HH:MM-HH:MM` in the box's local time; null: any time. */
  window: z
    .string()
    .regex(TIME_OF_DAY_RANGE)
    .nullable(),
  /** Whether the window is open now; null without a window. */
  windowOpen: z.boolean().nullable(),
  /** Files waiting for the window (their airings are further off than the agent's urgency margin). */
  deferredFiles: z.number().int().nonnegative(),
  /** When the window next opens, while files wait for it. */
  nextWindowAt: instant.nullable(),
});
export type DownloadStatus = z.infer<typeof DownloadStatus>;

export const StatusFrame = z.strictObject({
  type: z.literal('status'),
  scheduleVersion: z.number().int().nonnegative().nullable(),
  nowPlaying: NowPlaying.nullable(),
  /** Every file needed within the look-ahead window is cached and verified. */
  cacheReady: z.boolean(),
  cachedFiles: z.number().int().nonnegative(),
  missingFiles: z.number().int().nonnegative(),
  pendingEvents: z.number().int().nonnegative(),
  lastError: z.string().max(1000).nullable(),
  /** Absent for players without a device (`file`, `null`) and from older agents. */
  output: OutputStatus.optional(),
  /** Absent when the agent has no capture device, and from older agents. */
  capture: CaptureStatus.optional(),
  /** Only when the station has a download cap or window; absent from older agents. */
  download: DownloadStatus.optional(),
});

/** One file the coming airings need that the box does not hold yet. */
export const MissingMedia = z.strictObject({
  sha256,
  /** The earliest airing within the look-ahead that needs it. */
  neededAt: instant,
  title: z.string().max(500),
});
export type MissingMedia = z.infer<typeof MissingMedia>;

/**
 * How the station box itself is doing, sent on connecting and with every periodic status. Each figure
 * the box cannot give (no thermal sensor, clock not yet measured) is null rather than a guess.
 */
export const AgentHealth = z.strictObject({
  /** Server time minus the box's system clock, from the clock pings; null until measured. */
  clockOffsetMs: z.number().int().min(-10 * 365 * 86_400_000).max(10 * 365 * 86_400_000).nullable(),
  /** The round trip of the ping the offset comes from. */
  clockRoundTripMs: z.number().int().nonnegative().max(3_600_000).nullable(),
  /** Space left and in all on the file system of the cache. */
  diskFreeBytes: z.number().int().nonnegative().nullable(),
  diskTotalBytes: z.number().int().nonnegative().nullable(),
  /** How far ahead the cache is kept (LOA_LOOKAHEAD_HOURS) and what is missing within it, earliest first. */
  lookaheadHours: z.number().int().positive().max(24 * 14),
  missing: z.array(MissingMedia).max(200),
  /** The agent process's and the box's uptime. */
  agentUptimeS: z.number().int().nonnegative(),
  systemUptimeS: z.number().int().nonnegative().nullable(),
  /** The hottest of the box's thermal zones (/sys/class/thermal), °C; null where it has none. */
  temperatureC: z.number().min(-100).max(300).nullable(),
  measuredAt: instant,
});
export type AgentHealth = z.infer<typeof AgentHealth>;

export const HealthFrame = z.strictObject({
  type: z.literal('health'),
  health: AgentHealth,
});

export const ClockPingFrame = z.strictObject({
  type: z.literal('clock.ping'),
  id: z.number().int().nonnegative(),
  /** Agent's clock when sent, epoch ms. */
  t0: z.number(),
});

export const AgentToServer = z.discriminatedUnion('type', [
  HelloFrame,
  EventsFrame,
  StatusFrame,
  ClockPingFrame,
  HealthFrame,
  LiveStatusFrame, // live relays: libs/protocol/src/live.ts
]);
export type AgentToServer = z.infer<typeof AgentToServer>;

// ---- server → agent ----

export const WelcomeFrame = z.strictObject({
  type: z.literal('welcome'),
  protocol: z.number().int().positive(),
  stationId: id,
  stationName: z.string().max(200),
  serverTime: instant,
});

export const ScheduleFrame = z.strictObject({
  type: z.literal('schedule'),
  snapshot: ScheduleSnapshot,
});

export const AckFrame = z.strictObject({
  type: z.literal('ack'),
  /** Event ids now stored durably by the server; the agent may forget them. */
  ids: z.array(z.uuid()).max(500),
});

export const ClockPongFrame = z.strictObject({
  type: z.literal('clock.pong'),
  id: z.number().int().nonnegative(),
  t0: z.number(),
  /** Server clock when the ping arrived and when the pong left, epoch ms. */
  t1: z.number(),
  t2: z.number(),
});

export const ErrorCode = z.enum(['bad_json', 'unknown_type', 'invalid_frame', 'too_large', 'internal']);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorFrame = z.strictObject({
  type: z.literal('error'),
  code: ErrorCode,
  /** A sentence for the station operator, in Vietnamese. */
  message: z.string(),
  /** Details for whoever reads the agent's log. */
  issues: z.array(z.string()).optional(),
});

export const ServerToAgent = z.discriminatedUnion('type', [
  WelcomeFrame,
  ScheduleFrame,
  AckFrame,
  ClockPongFrame,
  ErrorFrame,
  LiveStartFrame, // live relays: libs/protocol/src/live.ts
  LiveStopFrame,
]);
export type ServerToAgent = z.infer<typeof ServerToAgent>;

export type HelloFrame = z.infer<typeof HelloFrame>;
export type EventsFrame = z.infer<typeof EventsFrame>;
export type StatusFrame = z.infer<typeof StatusFrame>;
export type ClockPingFrame = z.infer<typeof ClockPingFrame>;
export type HealthFrame = z.infer<typeof HealthFrame>;
export type WelcomeFrame = z.infer<typeof WelcomeFrame>;
export type ScheduleFrame = z.infer<typeof ScheduleFrame>;
export type AckFrame = z.infer<typeof AckFrame>;
export type ClockPongFrame = z.infer<typeof ClockPongFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
