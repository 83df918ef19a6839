/**
 * Proof of air and dead air, as plain functions over audio: no process, no clock, no file.
 *
 * Both the programme's own audio and what the capture heard are reduced to the same fingerprint: every
 * 10 ms, the log energy of eight bands between 350 and 3,200 Hz (inside a telephone-grade path, so a
 * band-limited monitor feed keeps every band). The capture is then compared with the programme window by
 * window with a Pearson correlation per band, which ignores gain, a per-band tilt and a steady noise floor.
 * One lag is found for the whole airing first (a small search around the known start), then each window
 * may move a few frames around it, which absorbs clock drift but not an unrelated signal's chance match.
 */

export const FEATURE_RATE = 16_000;
/** One fingerprint frame every 10 ms. */
export const HOP_SAMPLES = 160;
export const HOP_MS = (HOP_SAMPLES / FEATURE_RATE) * 1000;
const FRAME_SAMPLES = 512;
export const BANDS = 8;
const BAND_LOW_HZ = 350;
const BAND_HIGH_HZ = 3200;
/** Energies are floored here (about −90 dBFS) so that digital silence has a finite level. */
const ENERGY_FLOOR = 1e-9;

/** Band log energies (dB) and the frame's overall level (dBFS), for a run of frames. */
export interface Fingerprint {
  /** `count × BANDS` values, frame-major; NaN where the capture had no audio. */
  bands: Float32Array;
  /** Frame level in dBFS; NaN where the capture had no audio. */
  level: Float32Array;
  count: number;
}

const hann = Float64Array.from({ length: FRAME_SAMPLES }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FRAME_SAMPLES - 1)));

/** FFT bin ranges of the bands, log-spaced. */
const bandBins: [number, number][] = (() => {
  const out: [number, number][] = [];
  const binHz = FEATURE_RATE / FRAME_SAMPLES;
  for (let b = 0; b < BANDS; b++) {
    const lo = BAND_LOW_HZ * Math.pow(BAND_HIGH_HZ / BAND_LOW_HZ, b / BANDS);
    const hi = BAND_LOW_HZ * Math.pow(BAND_HIGH_HZ / BAND_LOW_HZ, (b + 1) / BANDS);
    out.push([Math.round(lo / binHz), Math.max(Math.round(lo / binHz) + 1, Math.round(hi / binHz))]);
  }
  return out;
})();

/** In-place iterative radix-2 FFT of a power-of-two length. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i];
      re[i] = re[j];
      re[j] = tr;
      const ti = im[i];
      im[i] = im[j];
      im[j] = ti;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci;
        const ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

/**
 * Turns 16 kHz mono samples into fingerprint frames as they arrive; the capture feeds it in chunks of any
 * size and the programme's audio in one go, and both come out frame for frame the same.
 */
export class FingerprintStream {
  private readonly buf = new Float64Array(FRAME_SAMPLES);
  private filled = 0;
  private readonly re = new Float64Array(FRAME_SAMPLES);
  private readonly im = new Float64Array(FRAME_SAMPLES);

  /** Pushes signed 16-bit samples; calls `onFrame` for each complete frame. */
  push(samples: Int16Array, onFrame: (bands: Float32Array, levelDb: number) => void): void {
    for (let i = 0; i < samples.length; i++) {
      this.buf[this.filled++] = samples[i] / 32768;
      if (this.filled === FRAME_SAMPLES) {
        onFrame(...this.frame());
        // Keep the overlap: the next frame starts one hop later.
        this.buf.copyWithin(0, HOP_SAMPLES);
        this.filled = FRAME_SAMPLES - HOP_SAMPLES;
      }
    }
  }

  private frame(): [Float32Array, number] {
    let power = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const s = this.buf[i];
      power += s * s;
      this.re[i] = s * hann[i];
      this.im[i] = 0;
    }
    fft(this.re, this.im);
    const bands = new Float32Array(BANDS);
    for (let b = 0; b < BANDS; b++) {
      const [lo, hi] = bandBins[b];
      let e = 0;
      for (let k = lo; k < hi; k++) e += this.re[k] * this.re[k] + this.im[k] * this.im[k];
      bands[b] = 10 * Math.log10(e / (FRAME_SAMPLES * (hi - lo)) + ENERGY_FLOOR);
    }
    return [bands, 10 * Math.log10(power / FRAME_SAMPLES + ENERGY_FLOOR)];
  }
}

/**
 * Band levels further than this below a signal's loud level are raised to it: near-silence (a tone leaking
 * into a neighbouring band, a fade's tail) lies below any real path's noise floor and would otherwise weigh
 * in the comparison with detail the other side cannot have.
 */
const RANGE_DB = 30;

/** A copy of the fingerprint with its band levels limited to RANGE_DB below its loud level. */
function limitRange(f: Fingerprint): Fingerprint {
  const bands = Float32Array.from(f.bands);
  const live = bands.filter((v) => !Number.isNaN(v)).sort();
  if (live.length === 0) return { ...f, bands };
  const floor = live[Math.floor(0.95 * (live.length - 1))] - RANGE_DB;
  for (let i = 0; i < bands.length; i++) if (bands[i] < floor) bands[i] = floor;
  return { ...f, bands };
}

/** Fingerprint of a whole 16 kHz mono signal. */
export function fingerprint(samples: Int16Array): Fingerprint {
  const count = Math.max(0, Math.floor((samples.length - FRAME_SAMPLES) / HOP_SAMPLES) + 1);
  const out: Fingerprint = { bands: new Float32Array(count * BANDS), level: new Float32Array(count), count };
  let n = 0;
  new FingerprintStream().push(samples, (bands, level) => {
    out.bands.set(bands, n * BANDS);
    out.level[n++] = level;
  });
  return out;
}

export type AirVerdict = 'confirmed' | 'not_confirmed' | 'no_capture';

export interface AirProof {
  verdict: AirVerdict;
  /** Seconds of the airing the capture matched, whole milliseconds. */
  confirmedMs: number;
  /** Share of the checkable airing the capture matched, 0–100. */
  coveragePct: number;
  /** Where the capture found the programme relative to its recorded start (positive: later), or null. */
  offsetMs: number | null;
  /** The best window-average correlation found, for the log. */
  score: number;
}

export interface ProofParams {
  windowMs: number;
  stepMs: number;
  /** Search for the airing's lag within ± this of the recorded start. */
  maxLagMs: number;
  /** Each window may move this much around the airing's lag. */
  driftMs: number;
  /** A window matches at or above this correlation. */
  windowThreshold: number;
  /** An airing is confirmed when at least this share of it matched. */
  confirmCoverage: number;
  /** The capture must have audio for at least this share of the airing, or there is no capture to judge. */
  minCaptured: number;
}

export const DEFAULT_PROOF: ProofParams = {
  windowMs: 3000,
  stepMs: 1000,
  maxLagMs: 1500,
  driftMs: 30,
  windowThreshold: 0.5,
  confirmCoverage: 0.5,
  minCaptured: 0.5,
};

/** Windows used to find the airing's lag: enough for a stable sum, few enough for an hour-long programme. */
const LAG_WINDOWS = 60;
/** The lag search first tries every this many frames. */
const COARSE_STEP = 3;
/** A band whose level moves less than this across a window carries nothing to compare. */
const FLAT_DB = 1;

/**
 * Compares a programme with what the capture heard.
 *
 * `capture` frame `expectedLag` is where the programme's first frame should be if the recorded start is
 * exact; the capture must reach `maxLagMs` before and after the programme for the full search.
 */
export function proveAir(programme: Fingerprint, heard: Fingerprint, expectedLag: number, params: ProofParams = DEFAULT_PROOF): AirProof {
  const reference = limitRange(programme);
  const capture = limitRange(heard);
  const none = (verdict: AirVerdict): AirProof => ({ verdict, confirmedMs: 0, coveragePct: 0, offsetMs: null, score: 0 });
  const n = reference.count;
  if (n === 0) return none('not_confirmed');

  let captured = 0;
  for (let i = 0; i < n; i++) {
    const j = i + expectedLag;
    if (j >= 0 && j < capture.count && !Number.isNaN(capture.level[j])) captured++;
  }
  if (captured < params.minCaptured * n) return none('no_capture');

  const win = Math.min(n, Math.round(params.windowMs / HOP_MS));
  const step = Math.max(1, Math.round(params.stepMs / HOP_MS));
  const starts: number[] = [];
  for (let s = 0; s + win <= n; s += step) starts.push(s);
  if (starts[starts.length - 1] + win < n) starts.push(n - win);

  // Windows where the programme itself is flat (silence, a steady tone) cannot be checked either way.
  const refStats = starts.map((s) => bandStats(reference, s, win));
  const checkable = starts.map((_, k) => refStats[k].some((b) => b !== null));
  const checkFrames = coverFrames(starts.filter((_, k) => checkable[k]), win);
  if (checkFrames === 0) return none('not_confirmed');

  const maxLag = Math.round(params.maxLagMs / HOP_MS);
  const sample = starts.map((s, k) => ({ s, k })).filter(({ k }) => checkable[k]);
  const every = Math.max(1, Math.ceil(sample.length / LAG_WINDOWS));
  const lagProbe = sample.filter((_, i) => i % every === 0);
  const capStats = new CaptureSums(capture);
  const sums = new Float64Array(2 * maxLag + 1).fill(Number.NaN);
  const sumAt = (l: number): number => {
    const i = l + maxLag;
    if (Number.isNaN(sums[i])) {
      let sum = 0;
      for (const { s, k } of lagProbe) sum += Math.max(0, windowScore(reference, capStats, s, win, expectedLag + l, refStats[k]));
      sums[i] = sum;
    }
    return sums[i];
  };
  // Coarse steps first (the band levels change slowly over a few frames), then every frame near the best.
  let best = 0;
  for (let l = -maxLag; l <= maxLag; l += COARSE_STEP) if (sumAt(l) > sumAt(best)) best = l;
  const coarse = best;
  for (let l = Math.max(-maxLag, coarse - COARSE_STEP); l <= Math.min(maxLag, coarse + COARSE_STEP); l++) if (sumAt(l) > sumAt(best)) best = l;
  for (const l of [best - 1, best + 1]) if (l >= -maxLag && l <= maxLag) sumAt(l);
  best += maxLag;
  const lag = best - maxLag;

  const drift = Math.round(params.driftMs / HOP_MS);
  const matched: number[] = [];
  let scoreSum = 0;
  for (let k = 0; k < starts.length; k++) {
    if (!checkable[k]) continue;
    let top = -1;
    for (let d = -drift; d <= drift; d++) top = Math.max(top, windowScore(reference, capStats, starts[k], win, expectedLag + lag + d, refStats[k]));
    scoreSum += top;
    if (top >= params.windowThreshold) matched.push(starts[k]);
  }
  const matchedFrames = coverFrames(matched, win);
  const coverage = matchedFrames / checkFrames;
  const confirmed = coverage >= params.confirmCoverage;
  return {
    verdict: confirmed ? 'confirmed' : 'not_confirmed',
    confirmedMs: Math.round(matchedFrames * HOP_MS),
    coveragePct: Math.round(coverage * 1000) / 10,
    offsetMs: matched.length > 0 ? Math.round(refineLag(sums, best) * HOP_MS) : null,
    score: Math.round((scoreSum / Math.max(1, sample.length)) * 1000) / 1000,
  };
}

/** Frames covered by windows of `win` frames starting at the (sorted) `starts`. */
function coverFrames(starts: readonly number[], win: number): number {
  let total = 0;
  let end = -1;
  for (const s of starts) {
    total += Math.max(0, s + win - Math.max(s, end));
    end = Math.max(end, s + win);
  }
  return total;
}

/** Per band: mean and the centred values' norm over a window of the programme, or null when flat. */
function bandStats(f: Fingerprint, start: number, win: number): ({ mean: number; norm: number } | null)[] {
  const out: ({ mean: number; norm: number } | null)[] = [];
  for (let b = 0; b < BANDS; b++) {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = start; i < start + win; i++) {
      const v = f.bands[i * BANDS + b];
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / win;
    let ss = 0;
    for (let i = start; i < start + win; i++) ss += (f.bands[i * BANDS + b] - mean) ** 2;
    out.push(max - min < FLAT_DB ? null : { mean, norm: Math.sqrt(ss) });
  }
  return out;
}

/** Running sums of the capture, so a window's mean and spread per band cost two lookups. */
class CaptureSums {
  readonly count: number;
  readonly bands: Float32Array;
  private readonly sum: Float64Array;
  private readonly sq: Float64Array;
  private readonly missing: Int32Array;

  constructor(cap: Fingerprint) {
    this.count = cap.count;
    this.bands = cap.bands;
    this.sum = new Float64Array((cap.count + 1) * BANDS);
    this.sq = new Float64Array((cap.count + 1) * BANDS);
    this.missing = new Int32Array(cap.count + 1);
    for (let i = 0; i < cap.count; i++) {
      this.missing[i + 1] = this.missing[i] + (Number.isNaN(cap.level[i]) ? 1 : 0);
      for (let b = 0; b < BANDS; b++) {
        const v = Number.isNaN(cap.level[i]) ? 0 : cap.bands[i * BANDS + b];
        this.sum[(i + 1) * BANDS + b] = this.sum[i * BANDS + b] + v;
        this.sq[(i + 1) * BANDS + b] = this.sq[i * BANDS + b] + v * v;
      }
    }
  }

  hasGap(from: number, to: number): boolean {
    return this.missing[to] - this.missing[from] > 0;
  }

  /** Mean and centred sum of squares of band `b` over frames [from, to). */
  stats(from: number, to: number, b: number): { mean: number; ss: number } {
    const n = to - from;
    const s = this.sum[to * BANDS + b] - this.sum[from * BANDS + b];
    const q = this.sq[to * BANDS + b] - this.sq[from * BANDS + b];
    return { mean: s / n, ss: Math.max(0, q - (s * s) / n) };
  }
}

/**
 * Mean over the programme's non-flat bands, weighted by the programme's spread in each, of the Pearson correlation between the programme's window and
 * the capture at `offset` frames later. Missing capture counts against the window.
 */
function windowScore(ref: Fingerprint, cap: CaptureSums, start: number, win: number, offset: number, stats: readonly ({ mean: number; norm: number } | null)[]): number {
  const from = start + offset;
  if (from < 0 || from + win > cap.count || cap.hasGap(from, from + win)) return 0;
  let total = 0;
  let weights = 0;
  for (let b = 0; b < BANDS; b++) {
    const st = stats[b];
    if (!st) continue;
    weights += st.norm;
    const { ss } = cap.stats(from, from + win, b);
    // A capture flat in this band (silence, steady hum) carries no evidence; centring the programme alone
    // is enough, as the centred programme sums to zero against any constant.
    if (ss < 1e-3 || st.norm <= 0) continue;
    let dot = 0;
    for (let i = 0; i < win; i++) dot += (ref.bands[(start + i) * BANDS + b] - st.mean) * cap.bands[(from + i) * BANDS + b];
    // Weighted by how much the programme moves in the band: a band it barely touches says little.
    total += dot / Math.sqrt(ss);
  }
  return weights === 0 ? 0 : total / weights;
}

/** Sub-frame peak position by a parabola through the best lag and its neighbours. */
function refineLag(sums: Float64Array, best: number): number {
  const maxLag = (sums.length - 1) / 2;
  if (best <= 0 || best >= sums.length - 1) return best - maxLag;
  const a = sums[best - 1];
  const b = sums[best];
  const c = sums[best + 1];
  const denom = a - 2 * b + c;
  const shift = denom < 0 ? (0.5 * (a - c)) / denom : 0;
  return best - maxLag + Math.max(-0.5, Math.min(0.5, shift));
}

// ---- dead air ----

export interface DeadAirParams {
  /** Silence or flat sound at least this long is dead air. */
  thresholdMs: number;
  /** Quieter than this (dBFS) is silence. */
  silenceDb: number;
  /** A second whose frame levels spread less than this (dB, 5th to 95th percentile) is flat: hiss, hum, a carrier. */
  flatDb: number;
}

export const DEFAULT_DEAD_AIR: DeadAirParams = { thresholdMs: 8000, silenceDb: -50, flatDb: 3 };

export type DeadAirChange = { kind: 'started'; since: number } | { kind: 'cleared'; since: number; until: number };

/**
 * Watches capture levels second by second. Dead air starts when every second for `thresholdMs` was silent
 * or flat (reported as starting at the first of them) and clears at the first second with live sound.
 */
export class DeadAirDetector {
  private block: number[] = [];
  private blockStart: number | null = null;
  private deadSince: number | null = null;
  private raised = false;
  /** Dead-air time of the current airing so far, counting only raised stretches. */
  private total = 0;

  constructor(private params: DeadAirParams = DEFAULT_DEAD_AIR) {}

  /** Feeds one frame level taken at `at` (epoch ms); returns what changed, if anything. */
  push(at: number, levelDb: number): DeadAirChange | null {
    if (this.blockStart === null) this.blockStart = at;
    this.block.push(levelDb);
    if (at + HOP_MS - this.blockStart < 1000 - HOP_MS / 2) return null;
    const start = this.blockStart;
    const dead = isDeadSecond(this.block, this.params);
    this.block = [];
    this.blockStart = null;
    const end = at + HOP_MS;
    if (dead) {
      if (this.deadSince === null) this.deadSince = start;
      if (!this.raised && end - this.deadSince >= this.params.thresholdMs) {
        this.raised = true;
        return { kind: 'started', since: this.deadSince };
      }
      return null;
    }
    const since = this.deadSince;
    this.deadSince = null;
    if (this.raised && since !== null) {
      this.raised = false;
      this.total += start - since;
      return { kind: 'cleared', since, until: start };
    }
    return null;
  }

  /** The raised dead air in progress, if any. */
  current(): { since: number } | null {
    return this.raised && this.deadSince !== null ? { since: this.deadSince } : null;
  }

  /** Raised dead air so far, including a stretch still running up to `now`. */
  deadMs(now: number): number {
    return Math.round(this.total + (this.raised && this.deadSince !== null ? Math.max(0, now - this.deadSince) : 0));
  }

  /**
   * Starts over (a new airing, or nothing on air), with `thresholdMs` from now on when given (a chuyên mục
   * may have its own); returns the stretch it was in, if raised.
   */
  reset(now: number, thresholdMs?: number): Extract<DeadAirChange, { kind: 'cleared' }> | null {
    if (thresholdMs !== undefined) this.params = { ...this.params, thresholdMs };
    const change: Extract<DeadAirChange, { kind: 'cleared' }> | null = this.raised && this.deadSince !== null ? { kind: 'cleared', since: this.deadSince, until: now } : null;
    this.block = [];
    this.blockStart = null;
    this.deadSince = null;
    this.raised = false;
    this.total = 0;
    return change;
  }
}

function isDeadSecond(levels: readonly number[], p: DeadAirParams): boolean {
  const live = levels.filter((l) => !Number.isNaN(l));
  // A second the capture did not hear is not evidence of silence.
  if (live.length < levels.length / 2) return false;
  const sorted = [...live].sort((a, b) => a - b);
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))];
  if (q(0.95) < p.silenceDb) return true;
  return q(0.95) - q(0.05) < p.flatDb;
}
