import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Readable } from 'node:stream';
import { ffmpegPath } from '@loa/ffmpeg';
import type { ProcessRunner } from '@loa/process';
import { splitMp3 } from '@loa/protocol';
import { limiterLinear } from '../media/loudness';
import { LIVE_FORMAT } from '../media/live-format';

export const LIVE_SAMPLE_RATE = LIVE_FORMAT.sampleRate;
export const LIVE_CHANNELS = LIVE_FORMAT.channels;
export const LIVE_BITRATE_KBPS = LIVE_FORMAT.bitrateKbps;
/** Frames per message: four MP3 frames are 104.5 ms at 44.1 kHz. Message count is what fan-out costs. */
export const GROUP_MS = 100;
/** ffmpeg encodes faster than real time; its output is paused while this much audio waits to be sent. */
const HIGH_WATER_MS = 5000;
const LOW_WATER_MS = 2000;

/** Where a live source's audio comes from, as ffmpeg input arguments. */
export type EncoderInput =
  /** A file of ours (a broadcast MP3; a spec's WAV): its demuxer is forced, never guessed. */
  | {
      kind: 'file';
      path: string;
      format: 'mp3' | 'wav';
      /** Brings this file's live airing to its loudness target (the 64 kb/s encode moves it), with the true-peak ceiling kept. */
      gain?: { db: number; ceilingDbtp: number };
      /** Where in the file to begin, in ms: a relay taken over resumes where its first instance got to. */
      startMs?: number;
    }
  /** A network stream fetched and checked by LiveSourceFetcher: its bytes, and the demuxer they were judged to be. */
  | { kind: 'stream'; body: Readable; format: string }
  /** Raw audio written by the caller (a browser microphone): its format as ffmpeg `-f` arguments. */
  | { kind: 'pipe'; format: string[] };

export interface EncodedGroup {
  payload: Buffer;
  durationMs: number;
  /** Server time this group belongs on air, epoch ms. */
  at: number;
}

export function encoderArgs(input: EncoderInput): string[] {
  const head = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  const source =
    input.kind === 'file'
      ? ['-protocol_whitelist', 'file', '-f', input.format, ...(input.startMs ? ['-ss', (input.startMs / 1000).toFixed(3)] : []), '-i', `file:${input.path}`]
      : input.kind === 'stream'
        ? // ffmpeg never touches the network: the bytes come through its standard input.
          ['-protocol_whitelist', 'pipe', '-f', input.format, '-i', 'pipe:0']
        : ['-protocol_whitelist', 'pipe', ...input.format, '-i', 'pipe:0'];
  // alimiter has 5 ms of lookahead: a peak raised by the gain is held under the ceiling (with a 1 dB margin
  // for the intersample peaks MP3 coding adds), the same as in the broadcast file's own conversion.
  const gain =
    input.kind === 'file' && input.gain && input.gain.db !== 0
      ? ['-af', `volume=${input.gain.db.toFixed(2)}dB,alimiter=limit=${limiterLinear(input.gain.ceilingDbtp - 1)}:attack=5:release=50:level=disabled`]
      : [];
  return [
    ...head,
    ...source,
    '-vn',
    ...gain,
    '-ac', String(LIVE_CHANNELS),
    '-ar', String(LIVE_SAMPLE_RATE),
    '-c:a', 'libmp3lame',
    '-b:a', `${LIVE_BITRATE_KBPS}k`,
    '-compression_level', String(LIVE_FORMAT.mp3Quality),
    // A bare frame stream: no ID3 tag or Xing frame for the listeners to trip on.
    '-id3v2_version', '0',
    '-write_xing', '0',
    '-flush_packets', '1',
    '-f', 'mp3',
    'pipe:1',
  ];
}

/**
 * Encodes one live source once, with ffmpeg, into constant-bitrate MP3, and hands out groups of whole
 * frames at the pace of the audio: each group leaves at, and is stamped with, the server instant it
 * belongs on air, so every agent can play it at that instant plus the same jitter delay. ffmpeg reads
 * as fast as its input allows (a file at once, a stream as it comes); the pacing is ours, on a timer,
 * so a group's stamp is also when it was sent.
 */
export class LiveEncoder {
  private child: ChildProcessWithoutNullStreams | null = null;
  private rest: Buffer = Buffer.alloc(0);
  private pending: { data: Buffer; durationMs: number }[] = [];
  private pendingMs = 0;
  private readonly queue: { payload: Buffer; durationMs: number }[] = [];
  private queuedMs = 0;
  private paused = false;
  /** Server time of media time 0; moved forward when the source stalls. */
  private anchor = 0;
  private mediaMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private inputEnded = false;
  private stderr = '';
  /** Why a network stream broke off, when it did. */
  private sourceError: string | null = null;
  private done = false;

  constructor(
    private readonly processes: ProcessRunner,
    private readonly input: EncoderInput,
    private readonly now: () => number,
    private readonly onGroup: (group: EncodedGroup) => void,
    private readonly onEnd: (error: string | null) => void,
  ) {}

  start(): void {
    const child = this.processes.startPiped(ffmpegPath(), encoderArgs(this.input));
    this.child = child;
    child.stdin.on('error', () => {}); // a write after ffmpeg died surfaces through 'close'
    if (this.input.kind === 'stream') {
      const body = this.input.body;
      body.on('error', (e) => {
        this.sourceError = `luồng phát bị ngắt: ${e.message}`;
        child.kill('SIGKILL');
      });
      body.pipe(child.stdin);
    } else if (this.input.kind !== 'pipe') child.stdin.end();
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-2000)));
    child.on('error', (e) => this.finishInput(`không chạy được ffmpeg: ${e.message}`));
    child.on('close', (code) => {
      if (this.input.kind === 'stream') this.input.body.destroy();
      if (this.sourceError) return this.finishInput(this.sourceError);
      this.finishInput(code === 0 || code === 255 ? null : `ffmpeg dừng với mã ${code}: ${this.stderr.trim().split('\n').pop() ?? ''}`);
    });
  }

  /** For a `pipe` input: raw audio from the microphone. False when ffmpeg cannot take more now. */
  write(chunk: Buffer): boolean {
    if (!this.child || this.input.kind !== 'pipe' || this.child.stdin.destroyed) return false;
    return this.child.stdin.write(chunk);
  }

  /** Ends the input; what is already encoded still goes out. */
  endInput(): void {
    if (this.input.kind === 'pipe') this.child?.stdin.end();
    else {
      if (this.input.kind === 'stream') this.input.body.unpipe();
      this.child?.kill('SIGTERM');
    }
  }

  /** Stops at once; nothing more is emitted. */
  stop(): void {
    this.queue.length = 0;
    this.pending = [];
    this.child?.kill('SIGKILL');
    if (this.input.kind === 'stream') this.input.body.destroy();
    this.finish(null);
  }

  private onData(chunk: Buffer): void {
    const { frames, rest } = splitMp3(this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk);
    this.rest = Buffer.from(rest);
    for (const f of frames) {
      this.pending.push(f);
      this.pendingMs += f.durationMs;
      if (this.pendingMs >= GROUP_MS) this.flushGroup();
    }
    if (!this.paused && this.queuedMs > HIGH_WATER_MS) {
      this.paused = true;
      this.child?.stdout.pause();
    }
    this.pump();
  }

  private flushGroup(): void {
    if (this.pending.length === 0) return;
    this.queue.push({ payload: Buffer.concat(this.pending.map((f) => f.data)), durationMs: this.pendingMs });
    this.queuedMs += this.pendingMs;
    this.pending = [];
    this.pendingMs = 0;
  }

  private finishInput(error: string | null): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    this.flushGroup();
    if (error) this.finish(error);
    else this.pump();
  }

  /** Sends every group whose instant has come; sleeps until the next one. */
  private pump(): void {
    if (this.done) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.now();
    if (this.anchor === 0) this.anchor = now;
    // The source fell behind real time (a network stream stalled): carry on from now, not from the past.
    if (this.anchor + this.mediaMs < now - 500) this.anchor = now - this.mediaMs;
    while (this.queue.length && this.anchor + this.mediaMs <= now + 5) {
      const g = this.queue.shift()!;
      this.queuedMs -= g.durationMs;
      const at = this.anchor + this.mediaMs;
      this.mediaMs += g.durationMs;
      this.onGroup({ payload: g.payload, durationMs: g.durationMs, at });
      if (this.done) return;
    }
    if (this.paused && this.queuedMs < LOW_WATER_MS) {
      this.paused = false;
      this.child?.stdout.resume();
    }
    if (this.queue.length) {
      // Measured again: sending to every agent took time, and the next group is due at its own instant, not
      // that long after it.
      this.timer = setTimeout(() => this.pump(), Math.max(1, this.anchor + this.mediaMs - this.now()));
      return;
    }
    if (this.inputEnded) {
      // Let the last group's audio run out before calling the round over.
      this.timer = setTimeout(() => this.finish(null), Math.max(0, this.anchor + this.mediaMs - this.now()));
    }
  }

  private finish(error: string | null): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.onEnd(error);
  }
}
