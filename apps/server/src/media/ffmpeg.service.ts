import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import ffmpeg from 'fluent-ffmpeg';
import { ffmpegPath, ffprobePath } from '@loa/ffmpeg';

/** The broadcast format every programme is converted to. */
export interface BroadcastFormat {
  sampleRate: number;
  channels: number;
  bitrateKbps: number;
}

/** Mono MP3 at 96 kbps: a loudspeaker network gains nothing from stereo, and agents download less. */
export const DEFAULT_BROADCAST_FORMAT: Readonly<BroadcastFormat> = Object.freeze({
  sampleRate: 44100,
  channels: 1,
  bitrateKbps: 96,
});

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

export interface TranscodeOptions {
  /** The input's length, used for progress when ffmpeg cannot tell it. */
  durationMs?: number;
  /** Stops ffmpeg; the promise then rejects with TranscodeAborted. */
  signal?: AbortSignal;
}

export class TranscodeAborted extends Error {
  constructor() {
    super('transcode aborted');
    this.name = 'TranscodeAborted';
  }
}

/**
 * Demuxers that read other files or URLs named inside the upload. An uploaded playlist must never make the
 * server fetch or read something else, so such files are refused even before any audio is looked at.
 */
const INDIRECT_FORMATS = new Set(['hls', 'concat', 'ffmetadata', 'tee', 'image2', 'sdp', 'rtsp', 'dash']);

/** Inputs are always local files; this stops a crafted file from reaching the network. */
const INPUT_PROTOCOLS = ['-protocol_whitelist', 'file'];

const PROBE_TIMEOUT_MS = 60_000;
const DECODE_TIMEOUT_MS = 15 * 60_000;
const MAX_ERRORS_KEPT = 20;

/** Every ffmpeg and ffprobe process the server starts goes through here. */
@Injectable()
export class FfmpegService {
  private readonly ffmpeg = ffmpegPath();
  private readonly ffprobe = ffprobePath();

  /** What audio the file holds, or why it holds none ffmpeg can read. */
  async probe(path: string): Promise<ProbeResult> {
    const run = await this.run(
      this.ffprobe,
      ['-v', 'error', ...INPUT_PROTOCOLS, '-print_format', 'json', '-show_format', '-show_streams', fileUrl(path)],
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
    if (formatName.split(',').some((f) => INDIRECT_FORMATS.has(f))) {
      return { ok: false, reason: `format ${formatName} refers to other files` };
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

  /** Decodes the first audio stream in full, discarding the output, to learn what really plays. */
  async checkDecodes(path: string): Promise<DecodeCheck> {
    const run = await this.run(
      this.ffmpeg,
      [
        '-nostdin', '-hide_banner', '-nostats', '-v', 'error',
        ...INPUT_PROTOCOLS, '-i', fileUrl(path),
        '-map', '0:a:0', '-f', 'null', '-progress', 'pipe:1', '-',
      ],
      DECODE_TIMEOUT_MS,
    );
    const errors = run.stderr.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, MAX_ERRORS_KEPT);
    if (run.code !== 0 && errors.length === 0) errors.push(`ffmpeg exited with ${run.code}`);
    return { decodedMs: lastOutTimeMs(run.stdout), errors };
  }

  /** Converts the first audio stream of `input` to an MP3 in the broadcast format at `output`. */
  transcode(
    input: string,
    output: string,
    format: BroadcastFormat,
    onProgress: (percent: number) => void,
    options: TranscodeOptions = {},
  ): Promise<void> {
    const { signal, durationMs } = options;
    if (signal?.aborted) return Promise.reject(new TranscodeAborted());
    return new Promise<void>((resolve, reject) => {
      const command = ffmpeg(fileUrl(input))
        .setFfmpegPath(this.ffmpeg)
        .setFfprobePath(this.ffprobe)
        .inputOptions([`-protocol_whitelist file`])
        .noVideo()
        .outputOptions(['-map 0:a:0', '-map_metadata -1', '-sn', '-dn', '-write_id3v1 0'])
        .audioCodec('libmp3lame')
        // libmp3lame with a fixed bitrate is CBR, which players can seek in by byte offset.
        .audioBitrate(format.bitrateKbps)
        .audioFrequency(format.sampleRate)
        .audioChannels(format.channels)
        .format('mp3');

      const onAbort = () => command.kill('SIGKILL');
      const finish = (err?: Error) => {
        signal?.removeEventListener('abort', onAbort);
        if (!err) return resolve();
        void rm(output, { force: true }).finally(() => reject(signal?.aborted ? new TranscodeAborted() : err));
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      command
        .on('progress', (p: { percent?: number; timemark?: string }) => {
          const percent = progressPercent(p, durationMs);
          if (percent !== null) onProgress(percent);
        })
        .on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
          finish(new Error(`${err.message}${stderr ? `: ${lastLine(stderr)}` : ''}`));
        })
        .on('end', () => finish())
        .save(output);
    });
  }

  private run(binary: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', reject);
      child.on('close', (code, sig) =>
        resolve({
          code: code ?? (sig ? 128 : 1),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
    });
  }
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

export function progressPercent(p: { percent?: number; timemark?: string }, durationMs?: number): number | null {
  let percent = typeof p.percent === 'number' && Number.isFinite(p.percent) ? p.percent : null;
  if (percent === null && durationMs && p.timemark) {
    const m = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(p.timemark);
    if (m) percent = ((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 * 100) / durationMs;
  }
  if (percent === null) return null;
  return Math.max(0, Math.min(100, Math.floor(percent)));
}
