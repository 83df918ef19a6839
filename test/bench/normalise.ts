/**
 * How fast the server normalises a programme to EBU R128, against the common two-pass `loudnorm`
 * (as ffmpeg-normalize and most playout systems do it), on the same input, to the same broadcast MP3.
 *
 *   npm run bench:normalise [-- --seconds N] [--mp3-quality Q]
 *
 * Prints one JSON line on stdout; progress goes to stderr. FFMPEG_PATH selects another ffmpeg.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPath } from '@loa/ffmpeg';
import { FfmpegService } from '../../apps/server/src/media/ffmpeg.service';
import { normalise, NormaliseSettings } from '../../apps/server/src/media/normaliser';
import { makeAudio, measureLoudness, speechLikeSource } from '../support/media-fixtures';

const TARGET_LUFS = -16;
const CEILING_DBTP = -1;
const LRA = 11;
/** The embedded default broadcast format, encoder setting included: both pipelines encode alike. */
const FORMAT = { sampleRate: 44100, channels: 1, bitrateKbps: 96, mp3Quality: 7 };

function argNumber(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n)) throw new Error(`${name} needs a whole number`);
  return n;
}

function argSeconds(): number {
  const i = process.argv.indexOf('--seconds');
  if (i < 0) return 1800;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 10) throw new Error('--seconds needs a whole number ≥ 10');
  return n;
}

function log(message: string): void {
  process.stderr.write(`[bench:normalise] ${message}\n`);
}

function run(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const text = Buffer.concat(err).toString('utf8');
      if (code === 0) resolve(text);
      else reject(new Error(`ffmpeg ${args.join(' ')} failed (${code}): ${text.slice(-500)}`));
    });
  });
}

/** ffmpeg's `loudnorm` in two passes: measure, then normalise with the measured values and encode. */
async function baseline(ffmpeg: string, input: string, output: string): Promise<void> {
  const target = `I=${TARGET_LUFS}:TP=${CEILING_DBTP}:LRA=${LRA}`;
  const first = await run(ffmpeg, ['-nostdin', '-hide_banner', '-nostats', '-i', input, '-af', `loudnorm=${target}:print_format=json`, '-f', 'null', '-']);
  const json = first.slice(first.lastIndexOf('{'), first.lastIndexOf('}') + 1);
  const m = JSON.parse(json) as Record<string, string>;
  const measured =
    `measured_I=${m.input_i}:measured_TP=${m.input_tp}:measured_LRA=${m.input_lra}:` +
    `measured_thresh=${m.input_thresh}:offset=${m.target_offset}:linear=true`;
  await run(ffmpeg, [
    '-nostdin', '-hide_banner', '-nostats', '-y', '-i', input,
    '-af', `loudnorm=${target}:${measured},aresample=${FORMAT.sampleRate}`,
    '-ac', String(FORMAT.channels), '-c:a', 'libmp3lame', '-b:a', `${FORMAT.bitrateKbps}k`,
    '-compression_level', String(FORMAT.mp3Quality), output,
  ]);
}

async function main(): Promise<void> {
  const seconds = argSeconds();
  const dir = mkdtempSync(join(tmpdir(), 'loa-bench-norm-'));
  try {
    const binary = ffmpegPath();
    const service = new FfmpegService();
    const version = await service.version();
    FORMAT.mp3Quality = argNumber('--mp3-quality', FORMAT.mp3Quality);
    log(`ffmpeg ${version} (${binary}); MP3 ${FORMAT.bitrateKbps} kbps, LAME -q ${FORMAT.mp3Quality}, in both pipelines`);

    // A recorder's programme: 48 kHz stereo WAV of speech-like bursts and pauses, some passages louder.
    log(`generating ${seconds} s of speech-like audio`);
    const input = makeAudio(join(dir, 'programme.wav'), `${speechLikeSource(seconds, 0.2)},volume='if(lt(mod(t\\,300)\\,60)\\,2.5\\,1)':eval=frame`, [
      '-ac', '2', '-ar', '48000',
    ]);

    const settings: NormaliseSettings = {
      targetLufs: TARGET_LUFS,
      truePeakCeilingDbtp: CEILING_DBTP,
      format: FORMAT,
      silence: { thresholdDb: -50, minSilenceS: 0.5 },
    };
    log('Loa: ebur128 analysis, gain and true-peak limiter, one encoding pass measured as it is written');
    const loaOut = join(dir, 'loa.mp3');
    const t0 = performance.now();
    const result = await normalise(service, { path: input, format: 'wav' }, loaOut, settings, { durationMs: seconds * 1000 });
    const loaS = (performance.now() - t0) / 1000;
    log(`Loa: ${loaS.toFixed(1)} s, ${result.encodes} encode(s), gain ${result.gainDb} dB`);

    log('baseline: loudnorm, two passes');
    const baseOut = join(dir, 'baseline.mp3');
    const t1 = performance.now();
    await baseline(binary, input, baseOut);
    const baselineS = (performance.now() - t1) / 1000;
    log(`baseline: ${baselineS.toFixed(1)} s`);

    // Both results measured the same way, apart from either pipeline.
    const loa = measureLoudness(loaOut);
    const base = measureLoudness(baseOut);
    const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
    process.stdout.write(
      JSON.stringify({
        audio_s: seconds,
        ffmpeg: version,
        loa_s: round(loaS),
        baseline_s: round(baselineS),
        speedup: round(baselineS / loaS),
        loa_lufs: loa.lufs,
        loa_true_peak: loa.truePeak,
        baseline_lufs: base.lufs,
      }) + '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
