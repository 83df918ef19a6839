import { createHash } from 'node:crypto';
import { appendFile, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScheduleItem } from '@loa/protocol';
import type { Clock } from '../clock';
import { decodeToPcm, pcmDurationMs, probeChannels } from './decode';
import { SAMPLE_RATE, type Playback, type PlaybackResult, type Player, type Prepared } from './player';
import { wavHeader } from './wav';

/** Appends and rewrites of one journal run one after another, so a rewrite never loses an append. */
const journals = new Map<string, Promise<unknown>>();

function serialised<T>(path: string, task: () => Promise<T>): Promise<T> {
  const run = (journals.get(path) ?? Promise.resolve()).then(task, task);
  const settled = run.catch(() => {});
  journals.set(path, settled);
  void settled.then(() => {
    if (journals.get(path) === settled) journals.delete(path);
  });
  return run;
}

export function appendSinkRecord(sinkDir: string, record: SinkRecord): Promise<void> {
  const path = join(sinkDir, 'sink.jsonl');
  return serialised(path, () => appendFile(path, JSON.stringify(record) + '\n'));
}

/** Replaces the record of one WAV (a programme cut short), written to a new file and renamed over the journal. */
function replaceSinkRecord(sinkDir: string, record: SinkRecord): Promise<void> {
  const path = join(sinkDir, 'sink.jsonl');
  return serialised(path, async () => {
    const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim());
    const next = lines.map((l) => ((JSON.parse(l) as SinkRecord).file === record.file ? JSON.stringify(record) : l));
    const tmp = `${path}.tmp`;
    await writeFile(tmp, next.join('\n') + '\n');
    await rename(tmp, path);
  });
}

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
    const ended = new Promise<{ stopped: boolean; at: number }>((resolve) => {
      const timer = setTimeout(() => resolve({ stopped: false, at: this.clock.serverNow() }), durationMs);
      stop = () => {
        clearTimeout(timer);
        resolve({ stopped: true, at: this.clock.serverNow() });
      };
    });
    // The WAV and its journal line appear at the start (they mark the programme as on air); a cut then
    // shortens both to what had gone out.
    const written = this.write(prepared, pcm, startedAt);
    const finished = Promise.all([ended, written]).then(async ([{ stopped, at: endedAt }, error]): Promise<PlaybackResult> => {
      const playedMs = Math.min(durationMs, Math.max(0, endedAt - startedAt));
      if (stopped && !error && playedMs < durationMs) error = await this.cut(prepared, pcm, startedAt, playedMs);
      return { endedAt, playedMs: Math.round(playedMs), stopped, ...(error ? { error } : {}) };
    });
    const playback: Playback = { startedAt, finished, stop: () => stop() };
    this.playing.add(playback);
    void finished.finally(() => this.playing.delete(playback));
    return playback;
  }

  private record(prepared: FilePrepared, pcm: Buffer, startedAt: number): SinkRecord {
    const { item } = prepared;
    return {
      occurrenceId: item.occurrenceId,
      slotId: item.slotId,
      plannedAt: item.startAt,
      startedAt: new Date(Math.floor(startedAt)).toISOString(),
      startErrorMs: Math.round((startedAt - Date.parse(item.startAt)) * 1000) / 1000,
      file: sinkFileName(startedAt, item.occurrenceId),
      durationMs: Math.round(pcmDurationMs(pcm.length, prepared.channels)),
      sampleRate: SAMPLE_RATE,
      channels: prepared.channels,
      pcmSha256: createHash('sha256').update(pcm).digest('hex'),
    };
  }

  /** Resolves to an error sentence instead of rejecting, so a full disk reads as a player failure. */
  private async write(prepared: FilePrepared, pcm: Buffer, startedAt: number): Promise<string | null> {
    const record = this.record(prepared, pcm, startedAt);
    try {
      await writeWav(join(this.sinkDir, record.file), pcm, prepared.channels);
      await appendSinkRecord(this.sinkDir, record);
      return null;
    } catch (e) {
      return `không ghi được tệp đầu ra: ${(e as Error).message}`;
    }
  }

  /** Keeps in the sink only the samples that went out before the cut. */
  private async cut(prepared: FilePrepared, pcm: Buffer, startedAt: number, playedMs: number): Promise<string | null> {
    const frameBytes = 2 * prepared.channels;
    const frames = Math.min(pcm.length / frameBytes, Math.round((playedMs * SAMPLE_RATE) / 1000));
    const aired = pcm.subarray(0, frames * frameBytes);
    const record = this.record(prepared, aired, startedAt);
    try {
      await writeWav(join(this.sinkDir, record.file), aired, prepared.channels);
      await replaceSinkRecord(this.sinkDir, record);
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

async function writeWav(path: string, pcm: Buffer, channels: number): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.write(wavHeader(pcm.length, SAMPLE_RATE, channels));
    await fh.write(pcm);
  } finally {
    await fh.close();
  }
}
