import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { describeFfmpeg, ffmpegBinaries, type FfmpegBinaries } from '@loa/ffmpeg';
import { ProcessRunner } from '@loa/process';
import { LoudnessReading, MEASURE_FILTER, parseEbur128Summary, TrimRange, trimFromSilence } from './loudness';
import { inputArgs, lastLine, MediaInput } from './media-input';

/** The broadcast format every programme is converted to. */
export interface BroadcastFormat {
  sampleRate: number;
  channels: number;
  bitrateKbps: number;
  /** LAME's -q (0–9); without it, 7. */
  mp3Quality?: number;
}

/** Mono MP3 at 96 kbps: a loudspeaker network gains nothing from stereo, and agents download less. */
export const DEFAULT_BROADCAST_FORMAT: Readonly<BroadcastFormat> = Object.freeze({
  sampleRate: 44100,
  channels: 1,
  bitrateKbps: 96,
  mp3Quality: 7,
});

const DEFAULT_MP3_QUALITY = 7;
const VERSION_TIMEOUT_MS = 60_000;

export class TranscodeAborted extends Error {
  constructor() {
    super('transcode aborted');
    this.name = 'TranscodeAborted';
  }
}

/** How one ffmpeg run of a longer job reports: percent of this run's own input. */
export interface RunOptions {
  signal?: AbortSignal;
  /** Length of what the run reads, for percent; without it no progress is reported. */
  durationMs?: number;
  onProgress?: (percent: number) => void;
}

/** What the analysis pass learns about a programme, in the broadcast layout. */
export interface Analysis {
  reading: LoudnessReading;
  trim: TrimRange;
  decodedMs: number;
}

/** Injection token for another pair of binaries than the configured one (specs checking both builds). */
export const FFMPEG_BINARIES = 'FFMPEG_BINARIES';

/**
 * The loudness passes over a programme: its analysis, cheap measured trials, and the one encoding pass that
 * is measured as it is written. What an upload holds is the AudioProbeService's.
 */
@Injectable()
export class FfmpegService implements OnModuleInit {
  private readonly ffmpeg: string;

  constructor(
    @Optional() @Inject(FFMPEG_BINARIES) private readonly binaries: FfmpegBinaries = ffmpegBinaries(),
    @Optional() private readonly processes: ProcessRunner = new ProcessRunner(),
  ) {
    this.ffmpeg = binaries.ffmpeg;
  }

  /** Says at start which build reads the uploads, and how old the npm one is when that is the one. */
  onModuleInit(): void {
    const { level, text } = describeFfmpeg(this.binaries);
    new Logger('Ffmpeg')[level](text);
  }

  /** `ffmpeg version 4.1 …`: the first line of `-version`, for logs and the benchmark. */
  async version(): Promise<string> {
    const run = await this.processes.run(this.ffmpeg, ['-version'], { timeoutMs: VERSION_TIMEOUT_MS });
    return (run.stdout.toString('utf8').split('\n')[0] ?? '').replace(/^ffmpeg version\s+/, '').split(' ')[0] ?? '';
  }

  /**
   * One decoding pass: integrated loudness and true peak per EBU R128 of the programme as it will air
   * (the filter chain `filter` brings it to the broadcast layout), and where its silent ends are.
   */
  async analyse(input: MediaInput, filter: string, options: RunOptions = {}): Promise<Analysis> {
    const run = await this.stream(
      [...inputArgs(input), '-map', '0:a:0', '-af', filter, '-f', 'null', '-'],
      options,
    );
    if (run.code !== 0) throw new Error(`analysis failed: ${lastLine(run.stderr)}`);
    const reading = parseEbur128Summary(run.stderr);
    const decodedMs = run.outMs;
    return { reading, trim: trimFromSilence(run.stderr, decodedMs / 1000), decodedMs };
  }

  /** Loudness of `input` after `filter`, without writing anything: a cheap trial of a gain and limiter. */
  async measureFiltered(input: MediaInput, filter: string, options: RunOptions = {}): Promise<LoudnessReading> {
    const run = await this.stream(
      [...inputArgs(input), '-map', '0:a:0', '-af', `${filter},${MEASURE_FILTER}`, '-f', 'null', '-'],
      options,
    );
    if (run.code !== 0) throw new Error(`measurement failed: ${lastLine(run.stderr)}`);
    return parseEbur128Summary(run.stderr);
  }

  /** Loudness of a file as it is: what a listener gets. */
  measure(input: MediaInput, options: RunOptions = {}): Promise<LoudnessReading> {
    return this.measureFiltered(input, 'anull', options);
  }

  /**
   * The one encoding pass: `filter` then constant-bitrate MP3 into `output`. The encoded bytes are fed as
   * they come to a second ffmpeg that decodes and measures them, so the loudness of the file as written
   * is known when the encoder ends, at the cost of no extra pass. `output` must not exist yet; null
   * measures what the encoder makes without keeping it.
   */
  async encodeMeasured(
    input: MediaInput,
    output: string | null,
    filter: string,
    format: BroadcastFormat,
    options: RunOptions = {},
  ): Promise<LoudnessReading> {
    const encoder = this.start(
      [
        ...inputArgs(input), '-map', '0:a:0', '-vn', '-sn', '-dn', '-map_metadata', '-1',
        '-af', filter,
        // libmp3lame with a fixed bitrate is CBR, which players can seek in by byte offset.
        '-c:a', 'libmp3lame', '-b:a', `${format.bitrateKbps}k`, '-compression_level', String(format.mp3Quality ?? DEFAULT_MP3_QUALITY),
        '-ar', String(format.sampleRate),
        '-ac', String(format.channels), '-write_id3v1', '0', '-f', 'mp3', 'pipe:1',
      ],
      options,
      { stdout: true },
    );
    const meter = this.start(['-protocol_whitelist', 'pipe', '-f', 'mp3', '-i', 'pipe:0', '-af', MEASURE_FILTER, '-f', 'null', '-'], { signal: options.signal }, { stdin: true });
    const file = output === null ? null : createWriteStream(output, { flags: 'wx' });
    try {
      const targets = [meter.child.stdin as Writable, ...(file ? [file] : [])];
      const fed = tee(encoder.child.stdout as Readable, targets);
      const [enc, met] = await Promise.all([encoder.done, meter.done, fed, file ? finished(file) : Promise.resolve()]);
      if (options.signal?.aborted) throw new TranscodeAborted();
      if (enc.code !== 0) throw new Error(`encoding failed: ${lastLine(enc.stderr)}`);
      if (met.code !== 0) throw new Error(`measuring the encoded file failed: ${lastLine(met.stderr)}`);
      return parseEbur128Summary(met.stderr);
    } catch (err) {
      encoder.child.kill('SIGKILL');
      meter.child.kill('SIGKILL');
      file?.destroy();
      if (output !== null) await rm(output, { force: true });
      throw options.signal?.aborted ? new TranscodeAborted() : err;
    }
  }

  /** Runs ffmpeg to the end, keeping its log; progress comes on a separate pipe, so the log stays clean. */
  private async stream(args: string[], options: RunOptions): Promise<{ code: number; stderr: string; outMs: number }> {
    const proc = this.start(args, options, {});
    const result = await proc.done;
    if (options.signal?.aborted) throw new TranscodeAborted();
    return result;
  }

  private start(
    args: string[],
    options: RunOptions,
    pipes: { stdin?: boolean; stdout?: boolean },
  ): { child: ChildProcess; done: Promise<{ code: number; stderr: string; outMs: number }> } {
    const { signal, durationMs, onProgress } = options;
    const child = this.processes.start(
      this.ffmpeg,
      // -nostdin stops keyboard commands only; `-i pipe:0` still reads standard input.
      ['-nostdin', '-hide_banner', '-nostats', '-v', 'info', '-y', '-progress', 'pipe:3', ...args],
      { stdio: [pipes.stdin ? 'pipe' : 'ignore', pipes.stdout ? 'pipe' : 'ignore', 'pipe', 'pipe'] },
    );
    const onAbort = () => child.kill('SIGKILL');
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });

    const err: Buffer[] = [];
    let errBytes = 0;
    child.stderr?.on('data', (b: Buffer) => {
      // The summaries come last; a runaway log keeps its head and tail only.
      errBytes += b.length;
      err.push(b);
      if (errBytes > 4 << 20 && err.length > 2) errBytes -= err.splice(1, 1)[0].length;
    });
    let outMs = 0;
    let partial = '';
    const progressPipe = child.stdio[3] as Readable | null;
    progressPipe?.on('data', (b: Buffer) => {
      const lines = (partial + b.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^out_time_(?:us|ms)=(\d+)\s*$/.exec(line);
        if (!m) continue;
        outMs = Math.max(outMs, Math.round(Number(m[1]) / 1000));
        if (onProgress && durationMs && durationMs > 0) onProgress(Math.min(100, Math.floor((outMs * 100) / durationMs)));
      }
    });
    progressPipe?.on('error', () => undefined);
    (child.stdin as Writable | null)?.on('error', () => undefined);
    const done = new Promise<{ code: number; stderr: string; outMs: number }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, sig) => {
        signal?.removeEventListener('abort', onAbort);
        resolve({ code: code ?? (sig ? 128 : 1), stderr: Buffer.concat(err).toString('utf8'), outMs });
      });
    });
    return { child, done };
  }
}

/** Copies a stream into several, waiting for the slowest; a target that fails (a dead pipe) is dropped. */
function tee(source: Readable, targets: Writable[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let live = targets.slice();
    for (const t of targets) t.on('error', () => (live = live.filter((x) => x !== t)));
    source.on('data', (chunk: Buffer) => {
      const waits = live.filter((t) => !t.write(chunk));
      if (waits.length === 0) return;
      source.pause();
      let pending = waits.length;
      for (const t of waits) {
        const go = () => {
          t.off('close', go);
          t.off('drain', go);
          if (--pending === 0) source.resume();
        };
        t.once('drain', go);
        t.once('close', go);
      }
    });
    source.once('end', () => {
      for (const t of live) t.end();
      resolve();
    });
    source.once('error', reject);
  });
}
