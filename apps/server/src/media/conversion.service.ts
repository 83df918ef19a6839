import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig, LoudnessSettings } from '../config/app-config';
import { AudioProbeService } from './audio-probe.service';
import { BroadcastFormat, DEFAULT_BROADCAST_FORMAT, FfmpegService } from './ffmpeg.service';
import type { MediaInput } from './media-input';
import { MediaAsset } from './media-asset.entity';
import { DEFAULT_LOUDNESS, MediaSettings } from './media-settings';
import { MediaStorage } from './media-store';
import { BROADCAST_EXT } from './media.service';
import { liveGainFor, normalise } from './normaliser';

/** What a finished conversion adds to its asset. */
export type ConvertedFacts = Pick<
  MediaAsset,
  | 'sha256'
  | 'size'
  | 'durationMs'
  | 'sampleRate'
  | 'channels'
  | 'bitrateKbps'
  | 'inputLufs'
  | 'inputTruePeakDbtp'
  | 'gainDb'
  | 'outputLufs'
  | 'outputTruePeakDbtp'
  | 'loudnessWarning'
  | 'liveGainDb'
  | 'trimmedMs'
>;

export interface ConvertOptions {
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
}

/**
 * One asset's original made into its broadcast file: normalised to its loudness target, measured for the
 * live path, checked, and kept in the store. Which job runs when, and what the asset's row says, is the
 * job service's business; a failure here (SilentInput, TranscodeAborted, any other) is thrown to it.
 */
@Injectable()
export class ConversionService {
  private readonly logger = new Logger(ConversionService.name);
  private readonly format: BroadcastFormat;
  private readonly loudness: LoudnessSettings;

  constructor(
    private readonly store: MediaStorage,
    private readonly ffmpeg: FfmpegService,
    private readonly probe: AudioProbeService,
    @Inject(AppConfig) config: MediaSettings,
  ) {
    this.format = config.broadcast ?? DEFAULT_BROADCAST_FORMAT;
    this.loudness = config.loudness ?? DEFAULT_LOUDNESS;
  }

  /** Writes the broadcast file to `output` (a work file the caller owns), then moves it into the store. */
  async convert(asset: MediaAsset, input: MediaInput, output: string, options: ConvertOptions = {}): Promise<ConvertedFacts> {
    const { signal, onProgress } = options;
    const result = await normalise(
      this.ffmpeg,
      input,
      output,
      {
        targetLufs: asset.targetLufs,
        truePeakCeilingDbtp: this.loudness.truePeakCeilingDbtp,
        format: this.format,
        silence: { thresholdDb: this.loudness.silenceThresholdDb, minSilenceS: this.loudness.silenceMinMs / 1000 },
      },
      { signal, durationMs: asset.originalDurationMs, onProgress },
    );
    const liveGainDb = await liveGainFor(this.ffmpeg, { path: output, format: BROADCAST_EXT }, asset.targetLufs, result.output.integratedLufs, {
      signal,
    });
    const probed = await this.probe.probe(output);
    if (!probed.ok) throw new Error(`converted file does not probe: ${probed.reason}`);
    const durationMs = probed.audio.durationMs ?? asset.originalDurationMs;
    const stored = await this.store.importFile(output, BROADCAST_EXT);
    this.logger.log(
      `asset ${asset.id}: ${result.input.integratedLufs} LUFS → ${result.output.integratedLufs} LUFS, ` +
        `true peak ${result.output.truePeakDbtp} dBTP, gain ${result.gainDb} dB, ${result.encodes} encode(s)`,
    );
    if (result.warning) this.logger.warn(`asset ${asset.id}: ${result.warning}`);
    return {
      sha256: stored.sha256,
      size: stored.size,
      durationMs,
      sampleRate: probed.audio.sampleRate,
      channels: probed.audio.channels,
      bitrateKbps: probed.audio.bitrateKbps ?? this.format.bitrateKbps,
      inputLufs: result.input.integratedLufs,
      inputTruePeakDbtp: result.input.truePeakDbtp,
      gainDb: result.gainDb,
      outputLufs: result.output.integratedLufs,
      outputTruePeakDbtp: result.output.truePeakDbtp,
      loudnessWarning: result.warning,
      liveGainDb,
      trimmedMs: Math.max(0, asset.originalDurationMs - durationMs),
    };
  }
}
