import { corrected, gainFilter, gainFor, limiterLinear, loudnessWarning, parseEbur128Summary, trimFromSilence, withinTolerance } from './loudness';

const SUMMARY = `[Parsed_ebur128_0 @ 0x1] Summary:

  Integrated loudness:
    I:         -35.8 LUFS
    Threshold: -46.1 LUFS

  Loudness range:
    LRA:         1.2 LU

  True peak:
    Peak:      -15.9 dBFS
`;

describe('loudness arithmetic', () => {
  it('reads integrated loudness and true peak from the ebur128 summary', () => {
    expect(parseEbur128Summary(`frame lines\n${SUMMARY}`)).toEqual({ integratedLufs: -35.8, truePeakDbtp: -15.9 });
    expect(parseEbur128Summary(SUMMARY.replace('-35.8', '-inf').replace('-15.9', '-inf'))).toEqual({ integratedLufs: -70, truePeakDbtp: -200 });
    expect(() => parseEbur128Summary('no summary here')).toThrow(/summary/);
  });

  it('cuts only the silence that touches either end', () => {
    const log = [
      'silence_start: 0',
      'silence_end: 2.00004 | silence_duration: 2.00004',
      'silence_start: 3.5',
      'silence_end: 4.2 | silence_duration: 0.7',
      'silence_start: 6',
      'silence_end: 9 | silence_duration: 3',
    ].join('\n');
    expect(trimFromSilence(log, 9)).toEqual({ startS: 2, endS: 6 });
    // Older builds leave the last silence open.
    expect(trimFromSilence('silence_start: 6.5', 9)).toEqual({ startS: 0, endS: 6.5 });
    expect(trimFromSilence('silence_start: 0\nsilence_end: 1.5', 9)).toEqual({ startS: 1.5, endS: null });
    // All silent: nothing is cut rather than everything.
    expect(trimFromSilence('silence_start: 0\nsilence_end: 9', 9)).toEqual({ startS: 0, endS: null });
    expect(trimFromSilence('', 9)).toEqual({ startS: 0, endS: null });
  });

  it('gains a programme to the target, leaving silence alone', () => {
    expect(gainFor(-30.7, -16)).toBe(14.7);
    expect(gainFor(-8, -23)).toBe(-15);
    expect(gainFor(-70, -16)).toBe(0);
  });

  it('corrects by the miss, and lowers the limiter by a true-peak overshoot', () => {
    const goal = { targetLufs: -16, truePeakCeilingDbtp: -1 };
    expect(withinTolerance({ integratedLufs: -16.4, truePeakDbtp: -1.2 }, goal)).toBe(true);
    expect(withinTolerance({ integratedLufs: -16.6, truePeakDbtp: -1.2 }, goal)).toBe(false);
    expect(withinTolerance({ integratedLufs: -16, truePeakDbtp: -0.8 }, goal)).toBe(false);
    expect(corrected({ gainDb: 10, limiterDb: -2 }, { integratedLufs: -15.4, truePeakDbtp: -1.5 }, goal)).toEqual({ gainDb: 9.4, limiterDb: -2 });
    const over = corrected({ gainDb: 10, limiterDb: -2 }, { integratedLufs: -16, truePeakDbtp: -0.6 }, goal);
    expect(over.limiterDb).toBeCloseTo(-2.6, 5);
  });

  it('writes one filter chain: layout, trim, gain, limiter that never scales back up', () => {
    expect(gainFilter({ sampleRate: 44100, channels: 1 }, { startS: 1.5, endS: 60 }, 12.345, -2)).toBe(
      'aresample=44100,aformat=sample_fmts=fltp:channel_layouts=mono,atrim=start=1.5:end=60,asetpts=PTS-STARTPTS,' +
        'volume=12.35dB,alimiter=limit=0.7943:attack=5:release=50:level=disabled',
    );
    expect(gainFilter({ sampleRate: 48000, channels: 2 }, { startS: 0, endS: null }, -3, -2)).not.toContain('atrim');
    expect(limiterLinear(-40)).toBe(0.0625);
    expect(limiterLinear(3)).toBe(1);
  });
});

describe('loudnessWarning', () => {
  const goal = { targetLufs: -16, truePeakCeilingDbtp: -1 };

  it('is null within ±0.5 LU and under the ceiling', () => {
    expect(loudnessWarning({ integratedLufs: -16.4, truePeakDbtp: -1.2 }, goal, true)).toBeNull();
  });

  it('names the level reached and the target, in Vietnamese numbers, and blames sharp peaks when the limiter held it down', () => {
    expect(loudnessWarning({ integratedLufs: -17.66, truePeakDbtp: -1.1 }, goal, true)).toBe(
      'Đạt −17,7 LUFS thay vì −16 LUFS do đỉnh nhọn: bộ giới hạn đỉnh không nâng thêm được mà vẫn giữ đỉnh dưới −1 dBTP.',
    );
    expect(loudnessWarning({ integratedLufs: -17, truePeakDbtp: -3 }, goal, false)).toBe('Đạt −17 LUFS thay vì −16 LUFS (nhỏ hơn mức đặt).');
  });

  it('names a true peak over the ceiling', () => {
    expect(loudnessWarning({ integratedLufs: -15, truePeakDbtp: -0.4 }, goal, false)).toBe(
      'Đạt −15 LUFS thay vì −16 LUFS (to hơn mức đặt); đỉnh thật −0,4 dBTP, cao hơn mức cho phép −1 dBTP.',
    );
  });
});
