import { rm } from 'node:fs/promises';
import { BroadcastFormat, FfmpegService, RunOptions } from './ffmpeg.service';
import type { MediaInput } from './media-input';
import { LIVE_FORMAT } from './live-format';
import {
  analysisFilter,
  corrected,
  gainFilter,
  gainFor,
  LIMITER_MARGIN_DB,
  LoudnessGoal,
  LoudnessReading,
  loudnessWarning,
  round2,
  SilenceSettings,
  SILENT_BELOW_LUFS,
  TrimRange,
  withinTolerance,
} from './loudness';

export interface NormaliseSettings extends LoudnessGoal {
  format: BroadcastFormat;
  silence: SilenceSettings;
}

export interface NormaliseResult {
  input: LoudnessReading;
  /** How much the MP3 encoder moved the loudness of an excerpt (LU), compensated in the gain. */
  encoderShiftLu: number;
  gainDb: number;
  output: LoudnessReading;
  trim: TrimRange;
  /** Encoding passes it took: 1, or 2 when the first missed the tolerance. */
  encodes: number;
  /** Why the result misses its target or ceiling, for people; null when it meets both. */
  warning: string | null;
}

/** The programme is (nearly) silent: there is no loudness to bring to the target. */
export class SilentInput extends Error {
  constructor(readonly lufs: number) {
    super(`input is silent (${lufs} LUFS)`);
    this.name = 'SilentInput';
  }
}

/** Cheap trials of gain and limiter before the one encoding pass; each costs a decode, not an encode. */
const MAX_TRIALS = 2;
/** A trial this close to the target is good enough to encode: the encoder moves loudness more than this. */
const TRIAL_TOLERANCE_LU = 0.2;

/** The excerpt encoded to learn how much the MP3 encoder moves the loudness of this programme. */
const CALIBRATION_S = 60;

/** How much of the progress bar each stage fills (the encode is by far the slowest). */
const STAGES = { analysis: [0, 12], calibration: [12, 18], trial: [18, 25], encode: [25, 100] } as const;

/**
 * EBU R128 normalisation in one encoding pass: measure the programme (integrated loudness, true peak,
 * silent ends) in one decode; encode a minute of it to learn how much the MP3 encoder moves its loudness;
 * where the true-peak limiter will act, try the gain in a decode or two; then encode once while a second
 * ffmpeg measures the encoded MP3. Only when that encoded result misses the target by more than the
 * tolerance is it encoded a second time, corrected by the miss.
 */
export async function normalise(
  ffmpeg: FfmpegService,
  input: MediaInput,
  output: string,
  settings: NormaliseSettings,
  options: { signal?: AbortSignal; durationMs: number; onProgress?: (percent: number) => void },
): Promise<NormaliseResult> {
  const { signal, onProgress } = options;
  const stage = (range: readonly [number, number], durationMs: number): RunOptions => ({
    signal,
    durationMs,
    onProgress: onProgress && ((p) => onProgress(Math.floor(range[0] + ((range[1] - range[0]) * p) / 100))),
  });
  const goal: LoudnessGoal = { targetLufs: settings.targetLufs, truePeakCeilingDbtp: settings.truePeakCeilingDbtp };

  const analysis = await ffmpeg.analyse(input, analysisFilter(settings.format, settings.silence), stage(STAGES.analysis, options.durationMs));
  const inputReading = analysis.reading;
  if (inputReading.integratedLufs < SILENT_BELOW_LUFS) throw new SilentInput(inputReading.integratedLufs);
  const trim = analysis.trim;
  const keptMs = Math.max(1, ((trim.endS ?? analysis.decodedMs / 1000) - trim.startS) * 1000);

  let plan = { gainDb: gainFor(inputReading.integratedLufs, goal.targetLufs), limiterDb: goal.truePeakCeilingDbtp - LIMITER_MARGIN_DB };

  // The encoder's own loudness change, learnt on an excerpt before and after encoding: lossy coding drops
  // noise-like detail, which a measurement before encoding cannot see.
  const excerptS = Math.min(CALIBRATION_S, keptMs / 1000);
  const excerpt = `${gainFilter(settings.format, trim, plan.gainDb, plan.limiterDb)},atrim=duration=${excerptS.toFixed(3)}`;
  const before = await ffmpeg.measureFiltered(input, excerpt, { signal });
  const after = await ffmpeg.encodeMeasured(input, null, excerpt, settings.format, stage(STAGES.calibration, excerptS * 1000));
  const encoderShiftLu = before.integratedLufs > SILENT_BELOW_LUFS && after.integratedLufs > SILENT_BELOW_LUFS
    ? round2(after.integratedLufs - before.integratedLufs)
    : 0;
  // What the filter chain must reach so that the encoded file lands on the target.
  const aim: LoudnessGoal = { targetLufs: goal.targetLufs - encoderShiftLu, truePeakCeilingDbtp: goal.truePeakCeilingDbtp - 0.3 };
  plan = { ...plan, gainDb: round2(plan.gainDb - encoderShiftLu) };

  const peakAfterGain = (inputReading.truePeakDbtp ?? 0) + plan.gainDb;
  // Below the limiter's ceiling the gain is linear and the analysis already predicts the result.
  if (peakAfterGain > plan.limiterDb) {
    for (let i = 0; i < MAX_TRIALS; i++) {
      const trial = await ffmpeg.measureFiltered(
        input,
        gainFilter(settings.format, trim, plan.gainDb, plan.limiterDb),
        stage([STAGES.trial[0] + i * 3, STAGES.trial[0] + (i + 1) * 3], keptMs),
      );
      const close =
        Math.abs(trial.integratedLufs - aim.targetLufs) <= TRIAL_TOLERANCE_LU &&
        (trial.truePeakDbtp ?? 0) <= aim.truePeakCeilingDbtp;
      if (close) break;
      plan = corrected(plan, trial, aim);
    }
  }

  let encodes = 1;
  let outputReading = await ffmpeg.encodeMeasured(
    input,
    output,
    gainFilter(settings.format, trim, plan.gainDb, plan.limiterDb),
    settings.format,
    stage(STAGES.encode, keptMs),
  );
  if (!withinTolerance(outputReading, goal)) {
    plan = corrected(plan, outputReading, goal);
    await rm(output, { force: true });
    encodes = 2;
    onProgress?.(STAGES.encode[0]);
    outputReading = await ffmpeg.encodeMeasured(
      input,
      output,
      gainFilter(settings.format, trim, plan.gainDb, plan.limiterDb),
      settings.format,
      stage(STAGES.encode, keptMs),
    );
  }
  // Never a silent miss: what the limiter could not reach is said, with why.
  const limited = (inputReading.truePeakDbtp ?? 0) + plan.gainDb > plan.limiterDb;
  const warning = loudnessWarning(outputReading, goal, limited);
  return { input: inputReading, encoderShiftLu, gainDb: round2(plan.gainDb), output: outputReading, trim, encodes, warning };
}

/** The excerpt of a broadcast file encoded as the live path would, to learn how that encode moves its loudness. */
const LIVE_CALIBRATION_S = 60;
/** However the measurement turns out, the live path never changes a file's level by more than this. */
const MAX_LIVE_GAIN_DB = 3;

/**
 * The gain (dB) that brings a broadcast file aired live to `targetLufs`: relays and emergencies encode it
 * once more, to 64 kb/s, which lowers loudness by about half a LU (lossy coding drops detail the
 * loudness measure counts). A minute of the file is encoded that way and measured before and after.
 */
export async function liveGainFor(
  ffmpeg: FfmpegService,
  broadcast: MediaInput,
  targetLufs: number,
  fileLufs: number,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const excerpt = `atrim=duration=${LIVE_CALIBRATION_S}`;
  const before = await ffmpeg.measureFiltered(broadcast, excerpt, options);
  const after = await ffmpeg.encodeMeasured(broadcast, null, excerpt, LIVE_FORMAT, options);
  const shift = before.integratedLufs > SILENT_BELOW_LUFS && after.integratedLufs > SILENT_BELOW_LUFS ? after.integratedLufs - before.integratedLufs : 0;
  const gain = targetLufs - fileLufs - shift;
  return round2(Math.max(-MAX_LIVE_GAIN_DB, Math.min(MAX_LIVE_GAIN_DB, gain)));
}
