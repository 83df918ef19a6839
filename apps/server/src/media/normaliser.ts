import { rm } from 'node:fs/promises';
import { BroadcastFormat, FfmpegService, RunOptions } from './ffmpeg.service';
import {
  analysisFilter,
  corrected,
  gainFilter,
  gainFor,
  LIMITER_MARGIN_DB,
  LoudnessGoal,
  LoudnessReading,
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
  gainDb: number;
  output: LoudnessReading;
  trim: TrimRange;
  /** Encoding passes it took: 1, or 2 when the first missed the tolerance. */
  encodes: number;
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

/** How much of the progress bar each stage fills (the encode is by far the slowest). */
const STAGES = { analysis: [0, 15], trial: [15, 25], encode: [25, 100] } as const;

/**
 * EBU R128 normalisation in one encoding pass: measure the programme (integrated loudness, true peak,
 * silent ends) in one decode, try the gain with the true-peak limiter in a decode or two where the limiter
 * will act, then encode once while a second ffmpeg measures the encoded MP3. Only when that encoded result
 * misses the target by more than the tolerance is it encoded a second time, corrected by the miss.
 */
export async function normalise(
  ffmpeg: FfmpegService,
  input: string,
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
  const peakAfterGain = (inputReading.truePeakDbtp ?? 0) + plan.gainDb;
  // Below the limiter's ceiling the gain is linear and the analysis already predicts the result.
  if (peakAfterGain > plan.limiterDb) {
    for (let i = 0; i < MAX_TRIALS; i++) {
      const trial = await ffmpeg.measureFiltered(
        input,
        gainFilter(settings.format, trim, plan.gainDb, plan.limiterDb),
        stage([STAGES.trial[0] + i * 5, STAGES.trial[0] + (i + 1) * 5], keptMs),
      );
      const close =
        Math.abs(trial.integratedLufs - goal.targetLufs) <= TRIAL_TOLERANCE_LU &&
        (trial.truePeakDbtp ?? 0) <= goal.truePeakCeilingDbtp - 0.3;
      if (close) break;
      plan = corrected(plan, trial, { ...goal, truePeakCeilingDbtp: goal.truePeakCeilingDbtp - 0.3 });
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
  return { input: inputReading, gainDb: round2(plan.gainDb), output: outputReading, trim, encodes };
}
