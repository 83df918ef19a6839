/**
 * The arithmetic and text of loudness normalisation (EBU R128 / ITU-R BS.1770): parsing what ffmpeg's
 * `ebur128` and `silencedetect` filters report, deciding the gain and limiter ceiling, and writing the
 * filter chains. Pure: no process is started here.
 */

/** What `ebur128=peak=true` reports for a whole programme. */
export interface LoudnessReading {
  /** Integrated loudness, LUFS; -70 (the absolute gate) for silence. */
  integratedLufs: number;
  /** Maximum true peak, dBTP; null when the filter was run without `peak=true`. */
  truePeakDbtp: number | null;
}

/** The part of the programme kept after leading and trailing silence is cut. */
export interface TrimRange {
  startS: number;
  /** Null: to the end. */
  endS: number | null;
}

export interface SilenceSettings {
  /** Below this level (dBFS) the signal counts as silence. */
  thresholdDb: number;
  /** Only silence at least this long at either end is cut. */
  minSilenceS: number;
}

export interface BroadcastLayout {
  sampleRate: number;
  channels: number;
}

export interface LoudnessGoal {
  targetLufs: number;
  truePeakCeilingDbtp: number;
}

/** The loudness a normalised programme may end at, either side of the target. */
export const LOUDNESS_TOLERANCE_LU = 0.5;

/**
 * Below this loudness there is nothing to normalise (a silent file): ebur128 reports -70 LUFS there.
 * The gain is then left at 0 rather than raising the noise floor by 50 dB.
 */
export const SILENT_BELOW_LUFS = -69;

/** Sample-peak ceiling the limiter starts with, below the true-peak ceiling: intersample and MP3 overshoot. */
export const LIMITER_MARGIN_DB = 1;

/** Parses the summary `ebur128` prints at the end of a run. Throws when the summary is missing. */
export function parseEbur128Summary(stderr: string): LoudnessReading {
  const at = stderr.lastIndexOf('Summary:');
  if (at < 0) throw new Error('ebur128 printed no summary');
  const summary = stderr.slice(at);
  const integrated = /Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf|nan)\s*LUFS/i.exec(summary);
  if (!integrated) throw new Error('ebur128 summary without integrated loudness');
  const peak = /True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf|nan)\s*dBFS/i.exec(summary);
  return { integratedLufs: toDb(integrated[1], -70), truePeakDbtp: peak ? toDb(peak[1], -200) : null };
}

function toDb(text: string, floor: number): number {
  const n = Number(text);
  return Number.isFinite(n) ? Math.max(n, floor) : floor;
}

/**
 * From `silencedetect` lines, the range without the leading and trailing silence. Silence inside the
 * programme is kept (pauses are part of speech). Everything silent gives the whole file back, untrimmed.
 */
export function trimFromSilence(stderr: string, durationS: number): TrimRange {
  // Pairs of start and end; ffmpeg 4.1 closes a silence that runs to the end of the file at its last
  // sample, older builds leave it open.
  const spans: Array<{ start: number; end: number | null }> = [];
  for (const m of stderr.matchAll(/silence_(start|end):\s*(-?[\d.]+)/g)) {
    const at = Number(m[2]);
    if (m[1] === 'start') spans.push({ start: Math.max(0, at), end: null });
    else if (spans.length > 0 && spans[spans.length - 1].end === null) spans[spans.length - 1].end = at;
  }
  const reachesEnd = (end: number | null) => end === null || (durationS > 0 && end >= durationS - EDGE_S);
  let startS = 0;
  let endS: number | null = null;
  const first = spans[0];
  if (first && first.start <= EDGE_S) {
    // Silence from the first sample to the last: keep it all rather than nothing.
    if (reachesEnd(first.end)) return { startS: 0, endS: null };
    startS = first.end ?? 0;
  }
  const last = spans[spans.length - 1];
  const lastIsLeading = last === first && first !== undefined && first.start <= EDGE_S;
  if (last && !lastIsLeading && reachesEnd(last.end)) endS = last.start;
  return { startS: round3(startS), endS: endS === null ? null : round3(endS) };
}

/** Silence this close to either end counts as touching it. */
const EDGE_S = 0.05;

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Gain (dB) that brings `measuredLufs` to the target; 0 for silence. */
export function gainFor(measuredLufs: number, targetLufs: number): number {
  if (measuredLufs < SILENT_BELOW_LUFS) return 0;
  return round2(targetLufs - measuredLufs);
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function dbToLinear(db: number): number {
  return Math.pow(10, db / 20);
}

/** alimiter accepts 0.0625–1 (−24 to 0 dBFS). */
export function limiterLinear(ceilingDb: number): number {
  return Math.min(1, Math.max(0.0625, Math.round(dbToLinear(ceilingDb) * 10000) / 10000));
}

export function withinTolerance(reading: LoudnessReading, goal: LoudnessGoal): boolean {
  return (
    Math.abs(reading.integratedLufs - goal.targetLufs) <= LOUDNESS_TOLERANCE_LU &&
    (reading.truePeakDbtp === null || reading.truePeakDbtp <= goal.truePeakCeilingDbtp)
  );
}

/**
 * The next gain and limiter ceiling after a measurement missed: the loudness error is added to the gain,
 * and a true-peak overshoot lowers the ceiling by as much (plus a little, as limiting is not exact).
 */
export function corrected(
  plan: { gainDb: number; limiterDb: number },
  reading: LoudnessReading,
  goal: LoudnessGoal,
): { gainDb: number; limiterDb: number } {
  let limiterDb = plan.limiterDb;
  const over = reading.truePeakDbtp === null ? 0 : reading.truePeakDbtp - goal.truePeakCeilingDbtp;
  if (over > -0.1) limiterDb = plan.limiterDb - Math.max(0, over) - 0.2;
  // A limiter that already works hard gives back less than the gain added: aim slightly past the error.
  const error = goal.targetLufs - reading.integratedLufs;
  const boost = error > 0 ? 1.15 : 1;
  return { gainDb: round2(plan.gainDb + error * boost), limiterDb: round2(Math.max(-24, limiterDb)) };
}

/** Brings any input to the broadcast sample rate and channel layout, so every measure is of what airs. */
export function layoutFilter(layout: BroadcastLayout): string {
  const channelLayout = layout.channels === 1 ? 'mono' : 'stereo';
  return `aresample=${layout.sampleRate},aformat=sample_fmts=fltp:channel_layouts=${channelLayout}`;
}

export function trimFilter(trim: TrimRange): string | null {
  if (trim.startS <= 0 && trim.endS === null) return null;
  const parts = [`start=${trim.startS}`];
  if (trim.endS !== null) parts.push(`end=${trim.endS}`);
  return `atrim=${parts.join(':')},asetpts=PTS-STARTPTS`;
}

/** Analysis: loudness of the programme in the broadcast layout, and where its silent ends are. */
export function analysisFilter(layout: BroadcastLayout, silence: SilenceSettings): string {
  return [
    layoutFilter(layout),
    `silencedetect=noise=${silence.thresholdDb}dB:duration=${silence.minSilenceS}`,
    // framelog=verbose keeps the ten-per-second momentary lines out of the log; the summary stays.
    'ebur128=peak=true:framelog=verbose',
  ].join(',');
}

/** The gain and true-peak limiter applied in the one encoding pass (and in the cheap trial before it). */
export function gainFilter(layout: BroadcastLayout, trim: TrimRange, gainDb: number, limiterDb: number): string {
  return [
    layoutFilter(layout),
    trimFilter(trim),
    `volume=${gainDb.toFixed(2)}dB`,
    // level=disabled: alimiter must only limit, never scale its output back up to 0 dBFS.
    `alimiter=limit=${limiterLinear(limiterDb)}:attack=5:release=50:level=disabled`,
  ]
    .filter((f): f is string => f !== null)
    .join(',');
}

export const MEASURE_FILTER = 'ebur128=peak=true:framelog=verbose';

/** "−17,7": Vietnamese decimal comma and a true minus sign. */
export function formatDb(n: number): string {
  return new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 1 }).format(round1(n)).replace('-', '−');
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * What to tell people when a broadcast file misses its loudness target or true-peak ceiling, in Vietnamese;
 * null when it meets both. `limited`: the true-peak limiter was working on it, which is why a quiet
 * programme with sharp peaks cannot be brought up further.
 */
export function loudnessWarning(reading: LoudnessReading, goal: LoudnessGoal, limited: boolean): string | null {
  const parts: string[] = [];
  const miss = reading.integratedLufs - goal.targetLufs;
  if (Math.abs(miss) > LOUDNESS_TOLERANCE_LU) {
    const reached = `Đạt ${formatDb(reading.integratedLufs)} LUFS thay vì ${formatDb(goal.targetLufs)} LUFS`;
    if (miss < 0 && limited) parts.push(`${reached} do đỉnh nhọn: bộ giới hạn đỉnh không nâng thêm được mà vẫn giữ đỉnh dưới ${formatDb(goal.truePeakCeilingDbtp)} dBTP`);
    else if (miss < 0) parts.push(`${reached} (nhỏ hơn mức đặt)`);
    else parts.push(`${reached} (to hơn mức đặt)`);
  }
  if (reading.truePeakDbtp !== null && reading.truePeakDbtp > goal.truePeakCeilingDbtp) {
    parts.push(`đỉnh thật ${formatDb(reading.truePeakDbtp)} dBTP, cao hơn mức cho phép ${formatDb(goal.truePeakCeilingDbtp)} dBTP`);
  }
  if (parts.length === 0) return null;
  const text = `${parts.join('; ')}.`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}
