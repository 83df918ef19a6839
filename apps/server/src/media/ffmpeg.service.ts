import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { describeFfmpeg, ffmpegBinaries, type FfmpegBinaries } from '@loa/ffmpeg';
import { ProcessRunner } from '@loa/process';
import { LoudnessReading, MEASURE_FILTER, parseEbur128Summary, TrimRange, trimFromSilence } from './loudness';

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

/** Facts about the first audio stream of a file, as ffprobe reports them. */
export interface AudioFacts {
  /** Container as ffprobe names it, e.g. 'mp3', 'wav', 'mov,mp4,m4a,3gp,3g2,mj2'. */
  formatName: string;
  codec: string;
  sampleRate: number;
  channels: number;
  /** What the file declares (header, Xing/Info frame, index); null when it declares nothing. */
  durationMs: number | null;
  bitrateKbps: number | null;
}

export type ProbeResult = { ok: true; audio: AudioFacts } | { ok: false; reason: string };

export interface DecodeCheck {
  /** How much audio actually decoded. */
  decodedMs: number;
  /** Errors the decoder reported; empty for a clean file. */
  errors: string[];
}

export class TranscodeAborted extends Error {
  constructor() {
    super('transcode aborted');
    this.name = 'TranscodeAborted';
  }
}

/**
 * The demuxers an upload may be read with: containers of audio (and of video, for its sound) that hold
 * their media inside themselves. Playlists and other indirections (hls, dash, concat, ffconcat, sdp, tee,
 * image sequences …) are absent, so a file that looks like one is refused by ffprobe before any file it
 * names is opened, whichever demuxer probing would have picked.
 */
export const UPLOAD_DEMUXERS: readonly string[] = Object.freeze([
  'mp3', 'wav', 'w64', 'aiff', 'caf', 'flac', 'ogg', 'mov', 'matroska', 'asf', 'amr', 'amrnb', 'amrwb',
  'aac', 'ac3', 'eac3', 'avi', 'mpegts', 'flv', 'mpeg', 'au', 'wv', 'ape', 'dts',
]);
const FORMAT_WHITELIST = ['-format_whitelist', UPLOAD_DEMUXERS.join(',')];

/** Inputs are always local files; this stops a crafted file from reaching the network. */
const INPUT_PROTOCOLS = ['-protocol_whitelist', 'file'];

/**
 * A file ffmpeg reads, with the demuxer ffprobe recognised it as. Every run forces that demuxer, so the
 * decoder reads the file the way the probe judged it, even if its own probing would pick something else.
 */
export interface MediaInput {
  path: string;
  /** An ffmpeg demuxer name from UPLOAD_DEMUXERS, e.g. 'mp3', 'mov'. */
  format: string;
}

/**
 * The input to give ffmpeg for a file ffprobe named `formatName` ('mov,mp4,m4a,3gp,3g2,mj2'): its first
 * demuxer name, which must be one uploads may use.
 */
export function mediaInput(path: string, formatName: string): MediaInput {
  const format = (formatName.split(/[,/]/)[0] ?? '').trim();
  if (!UPLOAD_DEMUXERS.includes(format)) throw new Error(`demuxer "${formatName}" is not allowed for uploads`);
  return { path, format };
}

/** What goes before `-i`: the forced demuxer, local files only, and the demuxer whitelist again. */
function inputArgs(input: MediaInput): string[] {
  return [...INPUT_PROTOCOLS, ...FORMAT_WHITELIST, '-f', input.format, '-i', fileUrl(input.path)];
}

const PROBE_TIMEOUT_MS = 60_000;
const DECODE_TIMEOUT_MS = 15 * 60_000;
const MAX_ERRORS_KEPT = 20;

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

/** Every ffmpeg and ffprobe process the server starts goes through here. */
@Injectable()
export class FfmpegService implements OnModuleInit {
  private readonly ffmpeg: string;
  private readonly ffprobe: string;

  constructor(
    @Optional() @Inject(FFMPEG_BINARIES) private readonly binaries: FfmpegBinaries = ffmpegBinaries(),
    @Optional() private readonly processes: ProcessRunner = new ProcessRunner(),
  ) {
    this.ffmpeg = binaries.ffmpeg;
    this.ffprobe = binaries.ffprobe;
  }

  /** Says at start which build reads the uploads, and how old the npm one is when that is the one. */
  onModuleInit(): void {
    const { level, text } = describeFfmpeg(this.binaries);
    new Logger('Ffmpeg')[level](text);
  }

  /** `ffmpeg version 4.1 …`: the first line of `-version`, for logs and the benchmark. */
  async version(): Promise<string> {
    const run = await this.run(this.ffmpeg, ['-version'], PROBE_TIMEOUT_MS);
    return (run.stdout.split('\n')[0] ?? '').replace(/^ffmpeg version\s+/, '').split(' ')[0] ?? '';
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

  /** What audio the file holds, or why it holds none ffmpeg can read. */
  async probe(path: string): Promise<ProbeResult> {
    const run = await this.run(
      this.ffprobe,
      ['-v', 'error', ...INPUT_PROTOCOLS, ...FORMAT_WHITELIST, '-print_format', 'json', '-show_format', '-show_streams', fileUrl(path)],
      PROBE_TIMEOUT_MS,
    );
    if (run.code !== 0) return { ok: false, reason: lastLine(run.stderr) || `ffprobe exited with ${run.code}` };

    let parsed: FfprobeOutput;
    try {
      parsed = JSON.parse(run.stdout) as FfprobeOutput;
    } catch {
      return { ok: false, reason: 'ffprobe output is not JSON' };
    }
    const formatName = parsed.format?.format_name ?? '';
    if (!formatName) return { ok: false, reason: 'no container recognised' };
    if (!formatName.split(',').some((f) => UPLOAD_DEMUXERS.includes(f))) {
      return { ok: false, reason: `format ${formatName} is not one uploads may use` };
    }
    const stream = (parsed.streams ?? []).find((s) => s.codec_type === 'audio');
    if (!stream) return { ok: false, reason: 'no audio stream' };
    const sampleRate = toNumber(stream.sample_rate);
    const channels = toNumber(stream.channels);
    if (!stream.codec_name || !sampleRate || !channels) return { ok: false, reason: 'audio stream without a usable codec' };

    const durationS = toNumber(stream.duration) ?? toNumber(parsed.format?.duration);
    const bitRate = toNumber(stream.bit_rate) ?? toNumber(parsed.format?.bit_rate);
    return {
      ok: true,
      audio: {
        formatName,
        codec: stream.codec_name,
        sampleRate,
        channels,
        durationMs: durationS === null ? null : Math.round(durationS * 1000),
        bitrateKbps: bitRate === null ? null : Math.round(bitRate / 1000),
      },
    };
  }

  /**
   * Decodes the first audio stream in full, discarding the output, to learn what really plays. With
   * `stopAfterMs` the decode ends once that much has decoded: a file longer than any programme may be is
   * refused without spending the CPU on all of it.
   */
  async checkDecodes(input: MediaInput, stopAfterMs?: number): Promise<DecodeCheck> {
    const limit = stopAfterMs === undefined ? [] : ['-t', (stopAfterMs / 1000).toFixed(3)];
    const run = await this.run(
      this.ffmpeg,
      [
        '-nostdin', '-hide_banner', '-nostats', '-v', 'error',
        ...inputArgs(input),
        '-map', '0:a:0', ...limit, '-f', 'null', '-progress', 'pipe:1', '-',
      ],
      DECODE_TIMEOUT_MS,
    );
    const errors = run.stderr.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, MAX_ERRORS_KEPT);
    if (run.code !== 0 && errors.length === 0) errors.push(`ffmpeg exited with ${run.code}`);
    return { decodedMs: lastOutTimeMs(run.stdout), errors };
  }

  private async run(binary: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
    const run = await this.processes.run(binary, args, { timeoutMs });
    return { code: run.code, stdout: run.stdout.toString('utf8'), stderr: run.stderr };
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

interface FfprobeOutput {
  format?: { format_name?: string; duration?: string; bit_rate?: string };
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    sample_rate?: string;
    channels?: number;
    duration?: string;
    bit_rate?: string;
  }>;
}

/** The `file:` prefix keeps a name with a colon from being read as a protocol. */
function fileUrl(path: string): string {
  return `file:${path}`;
}

function toNumber(value: string | number | undefined): number | null {
  if (value === undefined || value === '' || value === 'N/A') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** ffmpeg's `-progress` output: `out_time_us` in newer builds, `out_time_ms` (also microseconds) in older ones. */
export function lastOutTimeMs(progress: string): number {
  let micros = 0;
  for (const line of progress.split('\n')) {
    const m = /^out_time_(?:us|ms)=(\d+)\s*$/.exec(line);
    if (m) micros = Math.max(micros, Number(m[1]));
  }
  return Math.round(micros / 1000);
}
