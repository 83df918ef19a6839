import { createHash } from 'node:crypto';
import { appendFile, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScheduleItem } from '@loa/protocol';
import type { Clock } from '../clock';
import { decodeToPcm, pcmDurationMs, probeChannels } from './decode';
import { SAMPLE_RATE, type Playback, type PlaybackResult, type Player, type Prepared } from './player';
import { wavHeader } from './wav';

interface FilePrepared extends Prepared {
  pcm: Buffer | null;
  channels: number;
}

/** One line of `<sinkDir>/sink.jsonl` per programme put on air. */
export interface SinkRecord {
  occurrenceId: string;
  slotId: string;
  plannedAt: string;
  startedAt: string;
  startErrorMs: number;
  /** WAV file name inside the sink directory. */
  file: string;
  durationMs: number;
  sampleRate: number;
  channels: number;
  pcmSha256: string;
}

export function sinkFileName(startedAt: number, occurrenceId: string): string {
  const iso = new Date(Math.floor(startedAt)).toISOString().replace(/:/g, '-');
  return `${iso}_${occurrenceId.replace(/[^A-Za-z0-9._-]/g, '_')}.wav`;
}

/**
 * Plays into files instead of a sound card: what would have gone on air is written as a WAV, stamped with
 * the instant it started, so tests and the demo can check both timing and content.
 */
export class FilePlayer implements Player {
  readonly kind = 'file';
  private readonly playing = new Set<Playback>();

  constructor(
    private readonly sinkDir: string,
    private readonly clock: Clock,
  ) {}

  async prepare(item: ScheduleItem, filePath: string): Promise<Prepared> {
    await mkdir(this.sinkDir, { recursive: true });
    const channels = await probeChannels(filePath);
    const pcm = await decodeToPcm(filePath, channels);
    const prepared: FilePrepared = {
      item,
      filePath,
      channels,
      pcm,
      release: () => {
        prepared.pcm = null;
      },
    };
    return prepared;
  }

  start(p: Prepared): Playback {
    const startedAt = this.clock.serverNow();
    const prepared = p as FilePrepared;
    const pcm = prepared.pcm;
    if (!pcm) throw new Error('chương trình chưa được chuẩn bị hoặc đã bị huỷ');
    prepared.pcm = null;

    const durationMs = pcmDurationMs(pcm.length, prepared.channels);
    let stop: () => void = () => {};
    const ended = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), durationMs);
      stop = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    const written = this.write(prepared, pcm, startedAt, durationMs);
    const finished = Promise.all([ended, written]).then(([stopped, error]): PlaybackResult => {
      const endedAt = this.clock.serverNow();
      return { endedAt, playedMs: Math.round(Math.min(durationMs, endedAt - startedAt)), stopped, ...(error ? { error } : {}) };
    });
    const playback: Playback = { startedAt, finished, stop: () => stop() };
    this.playing.add(playback);
    void finished.finally(() => this.playing.delete(playback));
    return playback;
  }

  /** Resolves to an error sentence instead of rejecting, so a full disk reads as a player failure. */
  private async write(prepared: FilePrepared, pcm: Buffer, startedAt: number, durationMs: number): Promise<string | null> {
    const { item } = prepared;
    const file = sinkFileName(startedAt, item.occurrenceId);
    try {
      const fh = await open(join(this.sinkDir, file), 'w');
      try {
        await fh.write(wavHeader(pcm.length, SAMPLE_RATE, prepared.channels));
        await fh.write(pcm);
      } finally {
        await fh.close();
      }
      const record: SinkRecord = {
        occurrenceId: item.occurrenceId,
        slotId: item.slotId,
        plannedAt: item.startAt,
        startedAt: new Date(Math.floor(startedAt)).toISOString(),
        startErrorMs: Math.round((startedAt - Date.parse(item.startAt)) * 1000) / 1000,
        file,
        durationMs: Math.round(durationMs),
        sampleRate: SAMPLE_RATE,
        channels: prepared.channels,
        pcmSha256: createHash('sha256').update(pcm).digest('hex'),
      };
      await appendFile(join(this.sinkDir, 'sink.jsonl'), JSON.stringify(record) + '\n');
      return null;
    } catch (e) {
      return `không ghi được tệp đầu ra: ${(e as Error).message}`;
    }
  }

  async close(): Promise<void> {
    for (const p of this.playing) p.stop();
    await Promise.allSettled([...this.playing].map((p) => p.finished));
  }
}
