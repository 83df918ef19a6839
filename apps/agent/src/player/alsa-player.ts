import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Duplex, Writable } from 'node:stream';
import { ffmpegPath } from '@loa/ffmpeg';
import { ProcessRunner } from '@loa/process';
import type { AgentItem } from '../schedule-items';
import type { Clock } from '../clock';
import type { InstantWrite, Went } from '../start-line';
import { decodeArgs, probeChannels } from './decode';
import { ffmpegReason } from './ffmpeg-reason';
import { SAMPLE_RATE, type OutputHealth, type Playback, type PlaybackResult, type Player, type Prepared } from './player';

/** About a second of stereo PCM read ahead, so the first write at the instant needs no decoding. */
const HEAD_BYTES = SAMPLE_RATE * 2 * 2;
/**
 * How far ahead of the clock the audio is handed to the output. Whatever has been handed over can no longer
 * be changed, so this is how late a fade begins to be heard; it is also how long the agent's event loop
 * may stall before the device runs dry. 400 ms rides out the stalls of a heavily loaded box and, with a
 * 300 ms fade, still silences a cut within a second.
 */
export const LEAD_MS = 400;
/** How often the feed tops the output up to LEAD_MS ahead. */
const PUMP_MS = 20;
/** Decoded audio held in memory ahead of the feed; the decoder is paused beyond it. */
const BUFFER_BYTES = SAMPLE_RATE * 2 * 2 * 2;
/** A probe that has not finished by then is a hung device. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * aplay (alsa-utils) plays a programme: unlike ffmpeg's ALSA output it lets the device's buffer be set,
 * and a small one means the stream starts on the first write even behind a sound server (PulseAudio and
 * PipeWire wait for a full buffer before they start, and ffmpeg asks for a second and a half).
 */
const APLAY = 'aplay';
/**
 * aplay opens the device as it starts. Opened ahead, the instant costs only a write; but a card opened by
 * hw:… or plughw:… takes one stream at a time, and the programme before may still hold it. For those the
 * process spawned ahead waits in a shell for a line on fd 3, written at the instant, and only then becomes
 * aplay (some milliseconds more, and more on a loaded box). Shared devices (default, dmix, pulse, named
 * PCMs) are opened ahead.
 */
const WAIT_THEN_PLAY = 'read -r go <&3 && exec "$@"';
const PLAY_NOW = 'exec "$@"';

export function opensAtInstant(device: string): boolean {
  return /^(plug)?hw:/i.test(device);
}
/**
 * The device's own buffer, in microseconds: what aplay may be starved of the CPU for without a gap. It
 * starts the device once it is full, which the first write (LEAD_MS) does at once.
 */
const DEVICE_BUFFER_US = 200_000;

function playArgs(device: string, channels: number): string[] {
  return ['-q', '-D', device, '-t', 'raw', '-f', 'S16_LE', '-r', String(SAMPLE_RATE), '-c', String(channels), `--buffer-time=${DEVICE_BUFFER_US}`, '-'];
}

/** ffmpeg arguments that play raw PCM from stdin on an ALSA device (the probe's short silence). */
function outputArgs(device: string, channels: number): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', String(channels), '-i', 'pipe:0', '-f', 'alsa', device];
}

/** The descriptor under a child's pipe (a socket on Linux), for a write from another thread; null where it is not exposed. */
function fdOf(stream: unknown): number | null {
  const fd = (stream as { _handle?: { fd?: unknown } } | null)?._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

const GO_LINE = Buffer.from('go\n');

/** The bytes of the first LEAD_MS of audio, in whole frames. */
function leadBytes(channels: number): number {
  return Math.floor((LEAD_MS * SAMPLE_RATE) / 1000) * 2 * channels;
}

interface AlsaPrepared extends Prepared {
  decoder: ChildProcessWithoutNullStreams;
  output: ChildProcessWithoutNullStreams;
  spool: Spool;
  channels: number;
  outputError: () => string;
  exited: Promise<number | null>;
}

function tail(acc: { text: string }, child: ChildProcessWithoutNullStreams): void {
  child.stderr.on('data', (c: Buffer) => (acc.text = (acc.text + c.toString()).slice(-4000)));
}

/**
 * Plays to a sound card: ffmpeg decodes, the agent paces the PCM (see PacedFeed) and aplay writes it to the
 * ALSA device. Both processes are spawned at prepare time and the first second of audio is already
 * decoded, so at the instant the only work is a write into a pipe.
 */
export class AlsaPlayer implements Player {
  readonly kind = 'alsa';
  private readonly live = new Set<AlsaPrepared>();
  private state: OutputHealth | null = null;

  private readonly processes: ProcessRunner;
  /** Environment of the decoder and output processes; the agent's own when absent. */
  private readonly env: NodeJS.ProcessEnv | undefined;

  constructor(
    private readonly device: string,
    private readonly clock: Clock,
    options: { processes?: ProcessRunner; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.processes = options.processes ?? new ProcessRunner();
    this.env = options.env;
  }

  async prepare(item: AgentItem, filePath: string): Promise<Prepared> {
    const channels = await probeChannels(filePath, this.processes);
    const decoder = this.processes.startPiped(ffmpegPath(), decodeArgs(filePath, channels), { env: this.env });
    // The fourth pipe carries the go line (see WAIT_THEN_PLAY): at the instant, one write to a pipe already open.
    const output = this.processes.start('sh', ['-c', opensAtInstant(this.device) ? WAIT_THEN_PLAY : PLAY_NOW, 'sh', APLAY, ...playArgs(this.device, channels)], {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      env: this.env,
    }) as ChildProcessWithoutNullStreams;
    const decErr = { text: '' };
    const outErr = { text: '' };
    tail(decErr, decoder);
    tail(outErr, output);
    decoder.stdin.end();
    output.stdout.resume();
    // A write to a dead output process must surface as a playback error, not an unhandled 'error' event.
    output.stdin.on('error', () => {});
    // The go line's pipe is read to its end too: a child's 'close' waits for every pipe it has to end.
    const go = output.stdio[3] as Duplex;
    go.on('error', () => {});
    go.resume();
    const exited = new Promise<number | null>((resolve) => {
      output.on('error', (e) => {
        outErr.text += `không chạy được aplay (gói alsa-utils): ${e.message}`;
        resolve(-1);
      });
      output.on('close', (code) => resolve(code));
    });

    const kill = () => {
      decoder.kill('SIGKILL');
      output.kill('SIGKILL');
    };
    try {
      const spool = await spoolHead(decoder, decErr);
      const prepared: AlsaPrepared = {
        item,
        filePath,
        decoder,
        output,
        spool,
        channels,
        exited,
        outputError: () => ffmpegReason(outErr.text),
        // The go line and the first lead of audio, exactly what start() would write first; none when the
        // descriptors are not to be had, and start() writes everything.
        instantWrites: () => {
          const goFd = fdOf(output.stdio[3]);
          const pcmFd = fdOf(output.stdin);
          if (goFd === null || pcmFd === null) return [];
          const head = Buffer.concat(spool.chunks);
          const lead = head.subarray(0, Math.min(leadBytes(channels), head.length - (head.length % (2 * channels))));
          const writes: InstantWrite[] = [{ fd: goFd, data: GO_LINE }];
          if (lead.length) writes.push({ fd: pcmFd, data: lead });
          return writes;
        },
        release: () => {
          this.live.delete(prepared);
          kill();
        },
      };
      this.live.add(prepared);
      return prepared;
    } catch (e) {
      kill();
      throw e;
    }
  }

  start(p: Prepared, went?: Went): Playback {
    const prepared = p as AlsaPrepared;
    const startedAt = went?.startedAt ?? this.clock.serverNow();
    // What the start line wrote at the instant is not written again: the go line, then audio.
    const goSent = went ? (went.written[0] ?? 0) : 0;
    const pcmSent = went && goSent === GO_LINE.length ? (went.written[1] ?? 0) : 0;
    const go = prepared.output.stdio[3] as Writable;
    if (goSent >= GO_LINE.length) go.end();
    else go.end(GO_LINE.subarray(goSent));
    // The feed keeps the pace of the first sample's time, not of this call's.
    const feed = new PacedFeed(prepared, performance.now() - Math.max(0, this.clock.serverNow() - startedAt));
    feed.begin(pcmSent);

    let stopped = false;
    const finished = prepared.exited.then((code): PlaybackResult => {
      feed.halt();
      this.live.delete(prepared);
      prepared.decoder.kill('SIGKILL');
      const endedAt = this.clock.serverNow();
      const elapsed = Math.round(Math.max(0, endedAt - startedAt));
      // aplay leaves once the device has taken the last samples, which a sound server's buffer may do a
      // second or two before they are heard: a clean exit means the whole programme went out.
      const playedMs = code === 0 && !stopped ? Math.max(elapsed, prepared.item.media.durationMs) : elapsed;
      if (code === 0) this.state = { device: this.device, ok: true, checkedAt: this.clock.systemNow(), error: null };
      if (stopped || code === 0) return { endedAt, playedMs, stopped };
      const error = `Lỗi thiết bị âm thanh "${this.device}" (aplay thoát mã ${code}): ${prepared.outputError() || 'không rõ lý do'}`;
      this.state = { device: this.device, ok: false, checkedAt: this.clock.systemNow(), error };
      return { endedAt, playedMs, stopped, error };
    });
    return {
      startedAt,
      finished,
      leadMs: LEAD_MS,
      stop: () => {
        stopped = true;
        feed.halt();
        prepared.release();
      },
      fadeOut: (ms) => {
        stopped = true;
        feed.fadeOut(ms);
      },
    };
  }

  health(): OutputHealth | null {
    return this.state;
  }

  async probe(): Promise<OutputHealth> {
    // Mono first (the broadcast format); a card that takes only stereo is still a working card.
    let error = await this.tryOpen(1);
    if (error) error = (await this.tryOpen(2)) === null ? null : error;
    this.state = {
      device: this.device,
      ok: error === null,
      checkedAt: this.clock.systemNow(),
      error: error === null ? null : `Không mở được thiết bị âm thanh "${this.device}": ${error}`,
    };
    return this.state;
  }

  /** Plays a tenth of a second of silence; resolves to the device's words when it cannot. */
  private async tryOpen(channels: number): Promise<string | null> {
    try {
      const run = await this.processes.run(ffmpegPath(), outputArgs(this.device, channels), {
        input: Buffer.alloc((SAMPLE_RATE / 10) * 2 * channels),
        timeoutMs: PROBE_TIMEOUT_MS,
        env: this.env,
      });
      if (run.code === 0 && !run.timedOut) return null;
      const said = run.timedOut ? `${run.stderr}\nthiết bị không phản hồi sau ${PROBE_TIMEOUT_MS / 1000} giây` : run.stderr;
      return ffmpegReason(said) || `ffmpeg thoát mã ${run.code}`;
    } catch (e) {
      return `không chạy được ffmpeg: ${(e as Error).message}`;
    }
  }

  async close(): Promise<void> {
    const all = [...this.live];
    for (const p of all) p.release();
    await Promise.allSettled(all.map((p) => p.exited));
  }
}

/**
 * What the decoder has produced, kept by listeners that stay on the stream from prepare to the end of the
 * playback, so no chunk and no end can go by unheard. Until the feed takes it over, it holds the first
 * HEAD_BYTES and pauses the decoder there.
 */
interface Spool {
  chunks: Buffer[];
  bytes: number;
  ended: boolean;
  /** Set by the feed once it has taken over. */
  onData: ((c: Buffer) => void) | null;
  onEnd: (() => void) | null;
}

/** Starts spooling the decoder's output; resolves once HEAD_BYTES (or the whole of a shorter file) are in. */
function spoolHead(decoder: ChildProcessWithoutNullStreams, err: { text: string }): Promise<Spool> {
  const spool: Spool = { chunks: [], bytes: 0, ended: false, onData: null, onEnd: null };
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (e?: Error) => {
      if (settled) return;
      settled = true;
      if (e) reject(e);
      else resolve(spool);
    };
    decoder.stdout.on('data', (c: Buffer) => {
      if (spool.onData) return spool.onData(c);
      spool.chunks.push(c);
      spool.bytes += c.length;
      if (spool.bytes >= HEAD_BYTES) {
        decoder.stdout.pause();
        settle();
      }
    });
    decoder.stdout.on('end', () => {
      spool.ended = true;
      if (spool.onEnd) spool.onEnd();
      else settle(spool.bytes > 0 ? undefined : new Error(`giải mã thất bại: ${err.text.trim() || 'tệp rỗng'}`));
    });
    decoder.on('error', (e) => settle(e));
  });
}

/**
 * Hands the decoded programme to the output process at the pace of the clock, LEAD_MS ahead of it, instead
 * of letting a pipe and the sound server buffer seconds of it. Because the agent itself writes every
 * sample shortly before it is heard, a cut can ramp the level down over the samples still to be written:
 * the fade is real audio, not a timer, and begins to be heard LEAD_MS after it is asked for.
 */
class PacedFeed {
  private readonly frameBytes: number;
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;
  private carry: Buffer | null = null;
  private decoderDone = false;
  private ended = false;
  private timer: NodeJS.Timeout | null = null;
  /** Byte positions in the programme where the ramp starts and reaches silence. */
  private fade: { from: number; to: number } | null = null;

  constructor(
    private readonly p: AlsaPrepared,
    /** performance.now() of the first sample. */
    private readonly t0: number,
  ) {
    this.frameBytes = 2 * p.channels;
  }

  /** `sent`: bytes of the programme's start already written to the output (by the start line). */
  begin(sent = 0): void {
    const { decoder, spool } = this.p;
    for (const c of spool.chunks) this.push(c);
    spool.chunks = [];
    // Exactly what went, even mid-frame: the next write carries on from that byte and ends on a frame.
    this.skip(sent);
    this.decoderDone = spool.ended;
    spool.onData = (c) => {
      this.push(c);
      if (this.pendingBytes >= BUFFER_BYTES) decoder.stdout.pause();
    };
    spool.onEnd = () => {
      this.decoderDone = true;
      this.pump();
    };
    // The first LEAD_MS go out in this call, at the instant; the rest follows the clock.
    this.pump();
    if (!this.decoderDone && this.pendingBytes < BUFFER_BYTES) decoder.stdout.resume();
  }

  /** Ramps down over `ms` from the next sample written, then lets the output drain and exit. */
  fadeOut(ms: number): void {
    if (this.ended || this.fade) return;
    const length = Math.max(this.frameBytes, Math.round((Math.max(0, ms) * SAMPLE_RATE) / 1000) * this.frameBytes);
    this.fade = { from: this.written, to: this.written + length };
    this.pump();
  }

  halt(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Counts the first `n` bytes as written. */
  private skip(n: number): void {
    while (n > 0 && this.pending.length > 0) {
      const head = this.pending[0];
      const k = Math.min(n, head.length);
      if (k === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(k);
      this.pendingBytes -= k;
      this.written += k;
      n -= k;
    }
  }

  /** Queues decoded audio in whole frames, so every write and every gain step falls on a frame. */
  private push(c: Buffer): void {
    const data = this.carry ? Buffer.concat([this.carry, c]) : c;
    const whole = data.length - (data.length % this.frameBytes);
    this.carry = whole < data.length ? Buffer.from(data.subarray(whole)) : null;
    if (whole === 0) return;
    this.pending.push(whole === data.length ? data : data.subarray(0, whole));
    this.pendingBytes += whole;
  }

  private pump(): void {
    if (this.ended) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const due = Math.floor(((performance.now() - this.t0 + LEAD_MS) * SAMPLE_RATE) / 1000) * this.frameBytes;
    let want = due - this.written;
    if (this.fade) want = Math.min(want, this.fade.to - this.written);
    const out: Buffer[] = [];
    while (want > 0 && this.pending.length > 0) {
      const head = this.pending[0];
      const n = Math.min(want, head.length);
      const chunk = n === head.length ? head : head.subarray(0, n);
      if (n === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(n);
      this.pendingBytes -= n;
      if (this.fade) this.ramp(chunk, this.written);
      out.push(chunk);
      this.written += n;
      want -= n;
    }
    if (out.length) this.p.output.stdin.write(out.length === 1 ? out[0] : Buffer.concat(out));
    if (this.pendingBytes < BUFFER_BYTES / 2 && !this.decoderDone) this.p.decoder.stdout.resume();
    const faded = this.fade !== null && this.written >= this.fade.to;
    if (faded || (this.decoderDone && this.pending.length === 0)) {
      this.halt();
      if (faded) this.p.decoder.kill('SIGKILL');
      // The output plays what it holds and exits on its own: the programme ends on its last sample.
      this.p.output.stdin.end();
      return;
    }
    this.timer = setTimeout(() => this.pump(), PUMP_MS);
  }

  /** Linear gain from full level at fade.from down to silence at fade.to, applied in place to `chunk` written at byte `pos`. */
  private ramp(chunk: Buffer, pos: number): void {
    const { from, to } = this.fade!;
    const frames = (to - from) / this.frameBytes;
    for (let o = 0; o < chunk.length; o += this.frameBytes) {
      const k = (pos + o - from) / this.frameBytes;
      const gain = k < 0 ? 1 : Math.max(0, (frames - 1 - k) / frames);
      for (let b = o; b < o + this.frameBytes; b += 2) chunk.writeInt16LE(Math.round(chunk.readInt16LE(b) * gain), b);
    }
  }
}
