import { Inject, Injectable, Optional } from '@nestjs/common';
import { ffmpegBinaries, type FfmpegBinaries } from '@loa/ffmpeg';
import { ProcessRunner } from '@loa/process';
import { FFMPEG_BINARIES } from './ffmpeg.service';
import { fileUrl, FORMAT_WHITELIST, INPUT_PROTOCOLS, inputArgs, lastLine, MediaInput, UPLOAD_DEMUXERS } from './media-input';

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

const PROBE_TIMEOUT_MS = 60_000;
const DECODE_TIMEOUT_MS = 15 * 60_000;
const MAX_ERRORS_KEPT = 20;

/**
 * What an uploaded file holds, before anything is kept: ffprobe's view of its container and first audio
 * stream, and a decode that shows how much of it really plays.
 */
@Injectable()
export class AudioProbeService {
  private readonly ffmpeg: string;
  private readonly ffprobe: string;

  constructor(
    @Optional() @Inject(FFMPEG_BINARIES) binaries: FfmpegBinaries = ffmpegBinaries(),
    @Optional() private readonly processes: ProcessRunner = new ProcessRunner(),
  ) {
    this.ffmpeg = binaries.ffmpeg;
    this.ffprobe = binaries.ffprobe;
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

function toNumber(value: string | number | undefined): number | null {
  if (value === undefined || value === '' || value === 'N/A') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
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
