import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Injectable } from '@nestjs/common';
import type { LiveKind, LiveStartFrame, LiveStatusFrame } from '@loa/protocol';
import { LIVE_CHANNELS, LIVE_SAMPLE_RATE, type EncoderInput, type LiveEncoder } from './live-encoder';
import type { RelayProgress } from './live-relay-lease.repository';
import type { LiveRelay, LiveSourceKind } from './live-relay.entity';
import type { RelayRecording } from './live-recording';
import { withoutCredentials } from './stream-address';
import { fromInstant } from '@loa/protocol';

export interface StartLive {
  kind: LiveKind;
  title: string;
  sourceKind: LiveSourceKind;
  programmeId?: string;
  url?: string;
  /** For a `text` source: what the speech engine reads out. */
  text?: string;
  stationIds?: string[];
  unitIds?: string[];
  /** Emergencies: extra airings after the first, the pause between them, and when it stops for good. */
  repeats?: number;
  intervalSeconds?: number;
  expiresAt?: string;
  /** Emergencies: aired again every so many hours until stopped or expired (a week at most), instead of `repeats`. */
  repeatEveryHours?: number;
}

/** A station's live.status older than this no longer says it carries the relay. */
export const STATUS_FRESH_MS = 4000;
/** Raw 16-bit PCM, mono, 48 kHz: what a browser's AudioWorklet gives with no codec in the page. */
export const MIC_INPUT: EncoderInput = { kind: 'pipe', format: ['-f', 's16le', '-ar', '48000', '-ac', '1'] };

export type StopCause = 'stopped' | 'expired';

/** A relay encoded on this instance, as it goes. */
export interface ActiveRelay {
  row: LiveRelay;
  /**
   * A round that ended here while this instance's lease had run out (its source finished while the
   * instance was too slow to renew): its end waits, since another instance may have taken the relay over
   * and be airing it still. `undefined` when none waits; the round's error otherwise.
   */
  endWithoutLease?: string | null;
  targets: string[];
  /** The same, for the membership checks of every agent's status report. */
  targetSet: ReadonlySet<string>;
  /** Who the round on air is for: every target, or one station catching up on an emergency. */
  roundTargets: string[];
  /** Stations that reported playing a round. */
  carried: Set<string>;
  /** The last round each station reported playing. */
  carriedRound: Map<string, number>;
  input: EncoderInput;
  /**
   * For a stream URL: opens it again (checked again) for a later round; the first round uses the stream
   * opened when the relay was started. The URL's password lives only here, never in the database.
   */
  reopen: (() => Promise<EncoderInput>) | null;
  inputUsed: boolean;
  round: number;
  onAir: boolean;
  roundStartedAt: string;
  encoder: LiveEncoder | null;
  seq: number;
  firstOfRound: boolean;
  /** Source audio of the round on air sent so far (from where it resumed, when taken over), ms. */
  offsetMs: number;
  roundEndedAt: string | null;
  listeners: Set<ServerResponse>;
  recording: RelayRecording;
  statuses: Map<string, { status: LiveStatusFrame; at: number }>;
  timers: NodeJS.Timeout[];
  stopCause: StopCause | null;
  micAttached: boolean;
  finished: Promise<void> | null;
}

/** The relays this instance encodes, by id: the state every part of the live service shares. */
@Injectable()
export class ActiveRelays {
  private readonly byId = new Map<string, ActiveRelay>();

  get(id: string): ActiveRelay | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  add(a: ActiveRelay): void {
    this.byId.set(a.row.id, a);
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  all(): ActiveRelay[] {
    return [...this.byId.values()];
  }
}

export function hashStreamToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The relay as the API shows it: no token hash, and a stream URL without any password (rows from before kept one). */
export function publicRelay(r: LiveRelay) {
  const { streamTokenHash: _hidden, ...rest } = r;
  return { ...rest, sourceUrl: withoutCredentials(rest.sourceUrl) };
}

export type PublicRelay = ReturnType<typeof publicRelay>;

/** After its rounds, an emergency from a stored programme stays in force until it expires, for latecomers. */
export function awaitsCatchUp(a: ActiveRelay, now: number): boolean {
  return (
    a.row.kind === 'emergency' &&
    a.input.kind === 'file' &&
    a.row.expiresAt !== null &&
    fromInstant(a.row.expiresAt) > now &&
    a.round >= a.row.rounds &&
    !a.stopCause &&
    !a.finished &&
    a.round < 1000
  );
}

/** The live.start of the round on air. */
export function startFrame(a: ActiveRelay): LiveStartFrame {
  return {
    type: 'live.start',
    relayId: a.row.id,
    round: a.round,
    kind: a.row.kind,
    priority: a.row.priority,
    title: a.row.title,
    codec: 'mp3',
    sampleRate: LIVE_SAMPLE_RATE,
    channels: LIVE_CHANNELS,
    startedAt: a.roundStartedAt,
  };
}

/** How far the relay got, for its lease. */
export function progressOf(a: ActiveRelay): RelayProgress {
  return { round: a.round, onAir: a.onAir, roundStartedAt: a.roundStartedAt, offsetMs: Math.round(a.offsetMs), seq: a.seq, roundEndedAt: a.roundEndedAt };
}
