import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ffmpegPath } from '@loa/ffmpeg';
import { ProcessRunner } from '@loa/process';
import { toInstant } from '@loa/protocol';
import type { PlayerKind } from '../config';
import { ffmpegReason } from '../player/ffmpeg-reason';
import { appendSinkRecord, sinkFileName, type SinkRecord } from '../player/file-player';
import { SAMPLE_RATE } from '../player/player';
import { wavHeader } from '../player/wav';

/** What is known of a live round when its audio starts on air. */
export interface LiveAiring {
  occurrenceId: string;
  relayId: string;
  /** The round's planned start, epoch ms. */
  plannedAt: number;
  /** Server time, epoch ms, when the first audio went to the output. */
  startedAt: number;
  channels: number;
}

/** One live round on the output: MP3 in as it is due, in order. */
export interface LiveSink {
  write(mp3: Buffer): void;
  /** Resolves to an error sentence, or null, once the output has taken everything. */
  end(): Promise<string | null>;
}

export interface LiveOutput {
  open(airing: LiveAiring): LiveSink;
}

/** Starts the decoders of live audio, unless the agent hands its own runner. */
const defaultProcesses = new ProcessRunner();

function mp3Decoder(processes: ProcessRunner, out: string[]): ChildProcessWithoutNullStreams {
  return processes.startPiped(ffmpegPath(), ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'mp3', '-i', 'pipe:0', ...out]);
}

/** Feeds a child process and reports how it ended. */
function childSink(child: ChildProcessWithoutNullStreams, onStdout?: (c: Buffer) => void): LiveSink & { exited: Promise<string | null> } {
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  if (onStdout) child.stdout.on('data', onStdout);
  else child.stdout.resume();
  child.stdin.on('error', () => {}); // a dead process is reported through 'close'
  const exited = new Promise<string | null>((resolve) => {
    child.on('error', (e) => resolve(`không chạy được ffmpeg: ${e.message}`));
    child.on('close', (code) => resolve(code === 0 ? null : `đầu ra âm thanh dừng (mã ${code}): ${ffmpegReason(stderr)}`));
  });
  return {
    exited,
    write: (mp3) => {
      if (!child.stdin.destroyed) child.stdin.write(mp3);
    },
    end: () => {
      child.stdin.end();
      return exited;
    },
  };
}

/** Sound card: ffmpeg decodes the MP3 straight into ALSA. */
export class AlsaLiveOutput implements LiveOutput {
  constructor(
    private readonly device: string,
    private readonly processes: ProcessRunner = defaultProcesses,
  ) {}

  open(airing: LiveAiring): LiveSink {
    return childSink(mp3Decoder(this.processes, ['-f', 'alsa', '-ac', String(airing.channels), this.device]));
  }
}

export class NullLiveOutput implements LiveOutput {
  open(): LiveSink {
    return { write: () => {}, end: () => Promise.resolve(null) };
  }
}

/**
 * Writes what went on air as a WAV beside the scheduled programmes, with a `sink.jsonl` record stamped with
 * the instant the first audio went out, like the file player does for scheduled items.
 */
export class FileLiveOutput implements LiveOutput {
  constructor(
    private readonly sinkDir: string,
    private readonly processes: ProcessRunner = defaultProcesses,
  ) {}

  open(airing: LiveAiring): LiveSink {
    const chunks: Buffer[] = [];
    const sink = childSink(mp3Decoder(this.processes, ['-f', 's16le', '-acodec', 'pcm_s16le', '-ar', String(SAMPLE_RATE), '-ac', String(airing.channels), 'pipe:1']), (c) =>
      chunks.push(c),
    );
    return {
      write: sink.write,
      end: async () => {
        const error = await sink.end();
        try {
          await this.save(airing, Buffer.concat(chunks));
        } catch (e) {
          return `không ghi được tệp đầu ra: ${(e as Error).message}`;
        }
        return error;
      },
    };
  }

  private async save(airing: LiveAiring, pcm: Buffer): Promise<void> {
    await mkdir(this.sinkDir, { recursive: true });
    const file = sinkFileName(airing.startedAt, airing.occurrenceId);
    await writeFile(join(this.sinkDir, file), Buffer.concat([wavHeader(pcm.length, SAMPLE_RATE, airing.channels), pcm]));
    const record: SinkRecord = {
      occurrenceId: airing.occurrenceId,
      slotId: airing.relayId,
      plannedAt: toInstant(airing.plannedAt),
      startedAt: toInstant(Math.floor(airing.startedAt)),
      startErrorMs: Math.round((airing.startedAt - airing.plannedAt) * 1000) / 1000,
      file,
      durationMs: Math.round((pcm.length / (2 * airing.channels) / SAMPLE_RATE) * 1000),
      sampleRate: SAMPLE_RATE,
      channels: airing.channels,
      pcmSha256: createHash('sha256').update(pcm).digest('hex'),
    };
    await appendSinkRecord(this.sinkDir, record);
  }
}

export function createLiveOutput(kind: PlayerKind, options: { alsaDevice: string; sinkDir: string; processes?: ProcessRunner }): LiveOutput {
  switch (kind) {
    case 'alsa':
      return new AlsaLiveOutput(options.alsaDevice, options.processes);
    case 'file':
      return new FileLiveOutput(options.sinkDir, options.processes);
    case 'null':
      return new NullLiveOutput();
  }
}
