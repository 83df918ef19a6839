import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FfmpegService } from './ffmpeg.service';
import { formatDb } from './loudness';
import { normalise, NormaliseSettings, SilentInput } from './normaliser';
import { makeAudio, measureLoudness, speechLikeSource } from '../../../../test/support/media-fixtures';

describe('normalise (real ffmpeg, one encoding pass)', () => {
  // Several ffmpeg runs per case, slow to start on a busy machine.
  jest.setTimeout(60_000);
  const ffmpeg = new FfmpegService();
  let dir: string;
  const settings = (targetLufs: number, channels: 1 | 2): NormaliseSettings => ({
    targetLufs,
    truePeakCeilingDbtp: -1,
    format: { sampleRate: 44100, channels, bitrateKbps: 96 },
    silence: { thresholdDb: -50, minSilenceS: 0.5 },
  });

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'loa-norm-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['very quiet stereo (about −50 LUFS)', 0.03, 2, -16, 2],
    ['very loud (clipping) stereo', 1, 2, -16, 1],
    ['mono', 0.2, 1, -16, 1],
    ['stereo to stereo at −23 LUFS', 0.2, 2, -23, 2],
  ] as const)('%s input reaches the target within ±0.5 LU, true peak ≤ −1 dBTP', async (_l, amplitude, inCh, target, outCh) => {
    const input = makeAudio(join(dir, `in-${amplitude}-${inCh}.wav`), speechLikeSource(6, amplitude), ['-ac', String(inCh), '-ar', '48000']);
    const output = join(dir, `out-${amplitude}-${inCh}-${target}.mp3`);

    const result = await normalise(ffmpeg, { path: input, format: 'wav' }, output, settings(target, outCh), { durationMs: 6000 });

    const measured = measureLoudness(output);
    expect(Math.abs(measured.lufs - target)).toBeLessThanOrEqual(0.5);
    expect(measured.truePeak).toBeLessThanOrEqual(-1);
    expect(Math.abs(result.output.integratedLufs - measured.lufs)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(result.gainDb - (target - result.input.integratedLufs))).toBeLessThanOrEqual(3);
  });

  it('cuts leading and trailing silence but keeps the pauses inside', async () => {
    const input = makeAudio(
      join(dir, 'padded.wav'),
      `${speechLikeSource(4, 0.2)},adelay=2000|2000,apad`,
      ['-ac', '1', '-t', '9'],
    );
    const result = await normalise(ffmpeg, { path: input, format: 'wav' }, join(dir, 'padded.mp3'), settings(-16, 1), { durationMs: 9000 });
    expect(result.trim.startS).toBeGreaterThan(1.8);
    expect(result.trim.startS).toBeLessThan(2.1);
    expect(result.trim.endS).not.toBeNull();
    expect(result.trim.endS!).toBeGreaterThan(5.8);
    expect(result.trim.endS!).toBeLessThan(6.2);
  });

  it('says so, with the figures and why, when the limiter cannot reach the target (never a silent miss)', async () => {
    // −10 LUFS with every peak under −9 dBTP: more than speech's crest factor allows.
    const input = makeAudio(join(dir, 'peaky.wav'), speechLikeSource(8, 0.2), ['-ac', '1']);
    const result = await normalise(ffmpeg, { path: input, format: 'wav' }, join(dir, 'peaky.mp3'), { ...settings(-10, 1), truePeakCeilingDbtp: -9 }, { durationMs: 8000 });
    expect(result.output.integratedLufs).toBeLessThan(-10.5);
    expect(result.warning).toContain(`Đạt ${formatDb(result.output.integratedLufs)} LUFS thay vì −10 LUFS do đỉnh nhọn`);
  });

  it('gives no warning when the target is met', async () => {
    const input = makeAudio(join(dir, 'plain.wav'), speechLikeSource(4, 0.2), ['-ac', '1']);
    const result = await normalise(ffmpeg, { path: input, format: 'wav' }, join(dir, 'plain.mp3'), settings(-16, 1), { durationMs: 4000 });
    expect(Math.abs(result.output.integratedLufs + 16)).toBeLessThanOrEqual(0.5);
    expect(result.warning).toBeNull();
  });

  it('refuses a silent programme', async () => {
    const input = makeAudio(join(dir, 'silence.wav'), 'anullsrc=r=44100:cl=mono', ['-t', '3']);
    await expect(normalise(ffmpeg, { path: input, format: 'wav' }, join(dir, 'silence.mp3'), settings(-16, 1), { durationMs: 3000 })).rejects.toBeInstanceOf(SilentInput);
  });
});
