import { createHash } from 'node:crypto';
import { appendFile, mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toInstant } from '@loa/protocol';
import { plannedAtOf, type AgentItem } from '../schedule-items';
import type { Clock } from '../clock';
import type { Went } from '../start-line';
import { decodeToPcm, pcmDurationMs, probeChannels } from './decode';
import { SAMPLE_RATE, type Playback, type PlaybackResult, type Player, type Prepared } from './player';
import { wavHeader } from './wav';

/** Decoded programmes kept between airings, each at most DECODED_MAX_BYTES (about three minutes of stereo). */
const DECODED_KEPT = 3;
const DECODED_MAX_BYTES = 32 << 20;

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
  private readonly decoded = new Map<string, { key: string; result: Promise<{ channels: number; pcm: Buffer }> }>();

  constructor(
    private readonly sinkDir: string,
    private readonly clock: Clock,
  ) {}

  async prepare(item: AgentItem, filePath: string): Promise<Prepared> {
    await mkdir(this.sinkDir, { recursive: true });
    const { channels, pcm } = await this.decode(filePath);
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

  /**
   * The programme's PCM, decoded once for as long as the file stays the same: the same programme aired
   * again is ready at once, and starting two ffmpeg processes per airing on a loaded box can take longer
   * than the gap between two short items. Nothing writes into the buffer, so airings share it.
   */
  private async decode(filePath: string): Promise<{ channels: number; pcm: Buffer }> {
    const { size, mtimeMs } = await stat(filePath);
    const key = `${size}:${mtimeMs}`;
    const hit = this.decoded.get(filePath);
    if (hit && hit.key === key) {
      // Most recently used last, so the oldest is the one dropped.
      this.decoded.delete(filePath);
      this.decoded.set(filePath, hit);
      return hit.result;
    }
    const result = probeChannels(filePath).then(async (channels) => ({ channels, pcm: await decodeToPcm(filePath, channels) }));
    this.decoded.set(filePath, { key, result });
    // A failed decode is tried again next time; a long programme is not kept once decoded.
    const forget = () => {
      if (this.decoded.get(filePath)?.result === result) this.decoded.delete(filePath);
    };
    result.then((r) => r.pcm.length > DECODED_MAX_BYTES && forget(), forget);
    while (this.decoded.size > DECODED_KEPT) this.decoded.delete(this.decoded.keys().next().value!);
    return result;
  }

  start(p: Prepared, went?: Went): Playback {
    const startedAt = went?.startedAt ?? this.clock.serverNow();
    const prepared = p as FilePrepared;
    const pcm = prepared.pcm;
    if (!pcm) throw new Error('chương trình chưa được chuẩn bị hoặc đã bị huỷ');
    prepared.pcm = null;

    const durationMs = pcmDurationMs(pcm.length, prepared.channels);
    let stop: (at?: number) => void = () => {};
    let timer: NodeJS.Timeout | null = null;
    /** Set by fadeOut(): where the ramp down to silence starts, and how long it lasts. */
    let fade: { at: number; ms: number } | null = null;
    const ended = new Promise<{ stopped: boolean; at: number }>((resolve) => {
      timer = setTimeout(() => resolve({ stopped: false, at: this.clock.serverNow() }), durationMs);
      stop = (at = this.clock.serverNow()) => {
        if (timer) clearTimeout(timer);
        resolve({ stopped: true, at });
      };
    });
    // The WAV and its journal line appear at the start (they mark the programme as on air); a cut then
    // shortens both to what had gone out.
    const written = this.write(prepared, pcm, startedAt);
    const finished = Promise.all([ended, written]).then(async ([{ stopped, at: endedAt }, error]): Promise<PlaybackResult> => {
      const playedMs = Math.min(durationMs, Math.max(0, endedAt - startedAt));
      // A stop during a fade cuts it where it had got to; the ramp that went out stays in the sink.
      if (stopped && !error && playedMs < durationMs) error = await this.cut(prepared, pcm, startedAt, playedMs, fade ? fade.at - startedAt : null, fade?.ms ?? 0);
      return { endedAt, playedMs: Math.round(playedMs), stopped, ...(error ? { error } : {}) };
    });
    const playback: Playback = {
      startedAt,
      finished,
      stop: () => stop(),
      fadeOut: (ms) => {
        if (fade) return;
        const at = this.clock.serverNow();
        fade = { at, ms: Math.max(0, Math.min(ms, startedAt + durationMs - at)) };
        if (timer) clearTimeout(timer);
        const f = fade;
        // A fade ends on its planned sample, not when the timer happened to fire.
        timer = setTimeout(() => stop(f.at + f.ms), f.ms);
      },
    };
    this.playing.add(playback);
    void finished.finally(() => this.playing.delete(playback));
    return playback;
  }

  private record(prepared: FilePrepared, pcm: Buffer, startedAt: number): SinkRecord {
    const { item } = prepared;
    return {
      occurrenceId: item.occurrenceId,
      slotId: item.slotId,
      plannedAt: plannedAtOf(item),
      startedAt: toInstant(Math.floor(startedAt)),
      startErrorMs: Math.round((startedAt - item.startMs) * 1000) / 1000,
      file: sinkFileName(startedAt, item.occurrenceId),
      durationMs: Math.round(pcmDurationMs(pcm.length, prepared.channels)),
      sampleRate: SAMPLE_RATE,
      channels: prepared.channels,
      pcmSha256: createHash('sha256').update(pcm).digest('hex'),
    };
  }

  /** The whole airing, written as it starts. */
  private write(prepared: FilePrepared, pcm: Buffer, startedAt: number): Promise<string | null> {
    return this.save(prepared, pcm, startedAt, appendSinkRecord);
  }

  /** Keeps in the sink only the samples that went out before the cut, ramped down from `fadeFromMs` if faded. */
  private cut(prepared: FilePrepared, pcm: Buffer, startedAt: number, playedMs: number, fadeFromMs: number | null, fadeMs: number): Promise<string | null> {
    const frameBytes = 2 * prepared.channels;
    const frames = Math.min(pcm.length / frameBytes, Math.round((playedMs * SAMPLE_RATE) / 1000));
    const aired = Buffer.from(pcm.subarray(0, frames * frameBytes));
    if (fadeFromMs !== null) rampDown(aired, prepared.channels, Math.max(0, Math.round((fadeFromMs * SAMPLE_RATE) / 1000)), Math.round((fadeMs * SAMPLE_RATE) / 1000));
    return this.save(prepared, aired, startedAt, replaceSinkRecord);
  }

  /**
   * Writes the samples to the sink and notes them in its record (a new line, or the airing's line replaced).
   * Resolves to an error sentence instead of rejecting, so a full disk reads as a player failure.
   */
  private async save(prepared: FilePrepared, pcm: Buffer, startedAt: number, note: (sinkDir: string, record: SinkRecord) => Promise<void>): Promise<string | null> {
    const record = this.record(prepared, pcm, startedAt);
    try {
      await writeWav(join(this.sinkDir, record.file), pcm, prepared.channels);
      await note(this.sinkDir, record);
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

/** A linear ramp from full level at frame `from` down to silence `length` frames later, in place. */
function rampDown(pcm: Buffer, channels: number, from: number, length: number): void {
  const frames = pcm.length / (2 * channels);
  if (length <= 0) return;
  for (let f = from; f < frames; f++) {
    const gain = Math.max(0, (from + length - 1 - f) / length);
    for (let c = 0; c < channels; c++) {
      const o = (f * channels + c) * 2;
      pcm.writeInt16LE(Math.round(pcm.readInt16LE(o) * gain), o);
    }
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
