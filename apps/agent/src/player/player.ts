import type { AgentItem } from '../schedule-items';
import type { InstantWrite, Went } from '../start-line';

export const SAMPLE_RATE = 44100;

/** A programme made ready ahead of its instant, so that starting it costs almost nothing. */
export interface Prepared {
  readonly item: AgentItem;
  readonly filePath: string;
  /** Frees what prepare() took (decoded audio, an idle output process) when the item will not be played. */
  release(): void;
  /**
   * What must reach the output at the instant (the go, the first lead of audio), for the start line to write
   * off the event loop; start() is then given what went. Absent or empty: start() does it all.
   */
  instantWrites?(): InstantWrite[];
}

export interface PlaybackResult {
  /** Server time when the programme left the air. */
  endedAt: number;
  playedMs: number;
  /** Set when the output failed; a sentence for the operator. */
  error?: string;
  /** Ended early by stop(). */
  stopped: boolean;
}

export interface Playback {
  /** Server time, sub-millisecond, taken at the moment the audio was handed to the output. */
  readonly startedAt: number;
  readonly finished: Promise<PlaybackResult>;
  /**
   * How long after a sample is handed to the output it is heard, for players that hand audio over ahead
   * of the clock: a fade asked for now begins to be heard this much later. Absent: at once.
   */
  readonly leadMs?: number;
  /** Takes the programme off the air now. */
  stop(): void;
  /**
   * Takes the programme off the air over `ms`, its level ramping down to silence, so a cut does not click.
   * The playback ends (stopped) when the ramp does, `leadMs` later for a player that feeds ahead.
   * Players that cannot ramp end it after `ms`.
   */
  fadeOut(ms: number): void;
}

/** Whether the output device works, from the last probe or playback that told. */
export interface OutputHealth {
  device: string;
  ok: boolean;
  /** Local time, epoch ms, of that probe or playback. */
  checkedAt: number;
  /** When not ok: a Vietnamese sentence followed by the device's own words. */
  error: string | null;
}

export interface Player {
  readonly kind: string;
  /**
   * Opens the output briefly (a tenth of a second of silence) to see that it works. Only players with a
   * device have it; it must not be called while the output is in use (an ALSA hw device opens once).
   */
  probe?(): Promise<OutputHealth>;
  /** What the last probe or playback said of the output; null before either. */
  health?(): OutputHealth | null;
  prepare(item: AgentItem, filePath: string): Promise<Prepared>;
  /**
   * Synchronous on purpose: it is called at the instant, after the spin, and must not wait on anything.
   * `went`: the start line has already made the prepared instant writes; the playback starts at its time.
   */
  start(prepared: Prepared, went?: Went): Playback;
  close(): Promise<void>;
}
