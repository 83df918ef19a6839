import type { AudioFacts, AudioProbeService, DecodeCheck, ProbeResult } from '../../../apps/server/src/media/audio-probe.service';
import { TranscodeAborted, type Analysis, type FfmpegService, type RunOptions } from '../../../apps/server/src/media/ffmpeg.service';
import type { MediaInput } from '../../../apps/server/src/media/media-input';
import type { LoudnessReading } from '../../../apps/server/src/media/loudness';
import type { InMemoryMediaStore } from './media-store.fake';

/** What a one-minute mono WAV probes as. */
export function audioFacts(fields: Partial<AudioFacts> = {}): AudioFacts {
  return { formatName: 'wav', codec: 'pcm_s16le', sampleRate: 44100, channels: 1, durationMs: 60_000, bitrateKbps: 705, ...fields };
}

/**
 * ffmpeg and ffprobe (the loudness passes and the probe of uploads) without processes, over an in-memory store: each file probes as the spec says
 * (`probes`, by path; by default a one-minute WAV), decodes as `decodes` says, measures at `reading`, and
 * an encode writes its output into the store. An aborted signal ends a run with TranscodeAborted, as the
 * real one does; `hold` keeps every encode waiting until the spec calls `release`.
 */
export class FakeFfmpeg {
  readonly probes = new Map<string, ProbeResult>();
  decodes: DecodeCheck | null = null;
  /** What the analysis of an input measures (LUFS, dBTP) and how much of it is kept. */
  analysis: Analysis = { reading: { integratedLufs: -30, truePeakDbtp: -12 }, trim: { startS: 0, endS: null }, decodedMs: 60_000 };
  /** What every measurement and encode measures. */
  reading: LoudnessReading = { integratedLufs: -16, truePeakDbtp: -2 };
  readonly calls: string[] = [];
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;
  /** Resolves when an encode starts waiting at the gate. */
  private waiting: (() => void) | null = null;

  constructor(private readonly store: InMemoryMediaStore) {}

  /** Stands in for the loudness passes the code under test takes. */
  asService(): FfmpegService {
    return this as unknown as FfmpegService;
  }

  /** Stands in for the probe of uploads the code under test takes. */
  asProbe(): AudioProbeService {
    return this as unknown as AudioProbeService;
  }

  hold(): Promise<void> {
    this.gate = new Promise((resolve) => (this.open = resolve));
    return new Promise((resolve) => (this.waiting = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = null;
  }

  async probe(path: string): Promise<ProbeResult> {
    this.calls.push(`probe ${path}`);
    return this.probes.get(path) ?? { ok: true, audio: audioFacts({ durationMs: this.analysis.decodedMs }) };
  }

  async checkDecodes(input: MediaInput, stopAfterMs?: number): Promise<DecodeCheck> {
    this.calls.push(`checkDecodes ${input.path} ${stopAfterMs ?? ''}`);
    if (this.decodes) return this.decodes;
    const probed = this.probes.get(input.path);
    const declared = probed?.ok ? probed.audio.durationMs : null;
    return { decodedMs: declared ?? this.analysis.decodedMs, errors: [] };
  }

  async analyse(input: MediaInput, _filter: string, options: RunOptions = {}): Promise<Analysis> {
    this.calls.push(`analyse ${input.path}`);
    this.abortedBy(options.signal);
    options.onProgress?.(50);
    return this.analysis;
  }

  async measureFiltered(input: MediaInput, _filter: string, options: RunOptions = {}): Promise<LoudnessReading> {
    this.calls.push(`measureFiltered ${input.path}`);
    this.abortedBy(options.signal);
    return this.reading;
  }

  async encodeMeasured(input: MediaInput, output: string | null, _filter: string, _format: unknown, options: RunOptions = {}): Promise<LoudnessReading> {
    this.calls.push(`encodeMeasured ${input.path} → ${output ?? 'null'}`);
    this.abortedBy(options.signal);
    if (output !== null && this.gate) {
      this.waiting?.();
      await Promise.race([this.gate, new Promise((resolve) => options.signal?.addEventListener('abort', resolve, { once: true }))]);
      this.abortedBy(options.signal);
    }
    options.onProgress?.(60);
    if (output !== null) this.store.files.set(output, Buffer.from(`broadcast of ${input.path}`));
    return this.reading;
  }

  private abortedBy(signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw new TranscodeAborted();
  }
}
