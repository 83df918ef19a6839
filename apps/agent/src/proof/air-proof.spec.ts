import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wavHeader } from '../player/wav';
import { DeadAirDetector, fingerprint, FEATURE_RATE, HOP_MS, proveAir, type AirProof, type Fingerprint } from './air-proof';

/**
 * Captures are built the way a real monitor path changes a programme — gain, a telephone-grade band,
 * hiss, resampling, a little delay — with Debian's ffmpeg filters, and compared with the programme.
 */
const FFMPEG = '/usr/bin/ffmpeg';
const ESPEAK = '/usr/bin/espeak-ng';
const haveTools = existsSync(FFMPEG) && existsSync(ESPEAK);
if (!haveTools) console.log('proof-of-air signal specs skipped: install the Debian packages ffmpeg and espeak-ng');
const describeTools = haveTools ? describe : describe.skip;

/** Silence around the programme in every capture: the lag search looks this far each way. */
const PAD_MS = 2000;
const EXPECTED_LAG = PAD_MS / HOP_MS;

const TEXTS = [
  'Chuyên mục cải cách hành chính. Từ tháng này, người dân có thể nộp hồ sơ đăng ký khai sinh trên cổng dịch vụ công trực tuyến, không cần đến trụ sở ủy ban xã. Cán bộ tư pháp sẽ hướng dẫn bà con từng bước.',
  'Thông báo của ủy ban nhân dân xã về lịch tiêm phòng cho gia súc, gia cầm. Các hộ chăn nuôi đưa vật nuôi đến điểm tiêm tại nhà văn hóa thôn vào sáng thứ bảy và chủ nhật tuần này.',
  'Bản tin nông nghiệp: dự báo trong tuần tới trời có mưa rào và dông rải rác. Bà con cần khơi thông kênh mương, gia cố bờ bao, chủ động thu hoạch lúa hè thu đã chín.',
];

let dir = '';

function run(args: string[]): Buffer {
  return execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args], { maxBuffer: 256 * 1024 * 1024 });
}

function speech(text: string, voice: string, name: string): string {
  const path = join(dir, `${name}.wav`);
  execFileSync(ESPEAK, ['-v', voice, '-s', '150', '-w', path, text]);
  return path;
}

/** A melody of random notes with harmonics and a decaying envelope, like simple music: seeded, repeatable. */
function music(seed: number, seconds: number, name: string): string {
  const rate = 44100;
  let state = seed;
  const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out = new Int16Array(rate * seconds);
  let t = 0;
  while (t < out.length) {
    const len = Math.floor(rate * (0.15 + rand() * 0.45));
    const f = 196 * Math.pow(2, Math.floor(rand() * 24) / 12);
    const chord = 196 * Math.pow(2, Math.floor(rand() * 12) / 12) * 1.5;
    for (let i = 0; i < len && t + i < out.length; i++) {
      const env = Math.exp((-3 * i) / len);
      let v = 0;
      for (let h = 1; h <= 5; h++) v += (Math.sin((2 * Math.PI * f * h * i) / rate) / h) * env;
      v += 0.3 * Math.sin((2 * Math.PI * chord * i) / rate);
      out[t + i] = Math.round(v * 9000);
    }
    t += len;
  }
  const path = join(dir, `${name}.wav`);
  writeFileSync(path, Buffer.concat([wavHeader(out.length * 2, rate, 1), Buffer.from(out.buffer)]));
  return path;
}

/** Tone bursts and a sweep from ffmpeg's own sources: a test signal. */
function testSignal(name: string): string {
  const path = join(dir, `${name}.wav`);
  run(['-y', '-f', 'lavfi', '-i', "aevalsrc='0.4*sin(2*PI*(500+1500*mod(t,3)/3)*t)*gt(sin(2*PI*1.3*t),0)+0.3*sin(2*PI*1200*t)*gt(sin(2*PI*0.7*t+1),0.3)':s=44100:d=16", '-ac', '1', path]);
  return path;
}

function pcm16k(buf: Buffer): Int16Array {
  return new Int16Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 2));
}

/** The programme as the agent sees it: decoded to 16 kHz mono. */
function reference(file: string): Fingerprint {
  return fingerprint(pcm16k(run(['-i', file, '-ac', '1', '-ar', String(FEATURE_RATE), '-f', 's16le', 'pipe:1'])));
}

function rms(file: string): number {
  const s = pcm16k(run(['-i', file, '-ac', '1', '-ar', String(FEATURE_RATE), '-f', 's16le', 'pipe:1']));
  let sum = 0;
  for (const v of s) sum += (v / 32768) ** 2;
  return Math.sqrt(sum / s.length);
}

interface Variant {
  name: string;
  /** Filters on the programme before it is padded with silence. */
  filters: string[];
  /** White noise this many dB below the programme's level, over the whole capture. */
  snrDb?: number;
}

const VARIANTS: Variant[] = [
  { name: 'clean, 16 kHz', filters: [] },
  { name: 'gain +10 dB', filters: ['volume=10dB'] },
  { name: 'gain −10 dB', filters: ['volume=-10dB'] },
  { name: 'band 300–3,400 Hz', filters: ['highpass=f=300:poles=2', 'highpass=f=300:poles=2', 'lowpass=f=3400:poles=2', 'lowpass=f=3400:poles=2'] },
  { name: 'noise at 10 dB SNR', filters: [], snrDb: 10 },
  { name: 'delay 7 ms', filters: ['adelay=delays=7:all=1'] },
  {
    name: 'whole path: −6 dB, band, 10 dB SNR, 4 ms',
    filters: ['volume=-6dB', 'highpass=f=300:poles=2', 'lowpass=f=3400:poles=2', 'adelay=delays=4:all=1'],
    snrDb: 10,
  },
  { name: 'whole path: +10 dB, band, 10 dB SNR, 9 ms', filters: ['volume=10dB', 'highpass=f=300:poles=2', 'lowpass=f=3400:poles=2', 'adelay=delays=9:all=1'], snrDb: 10 },
];

/** A capture of `source` through `variant`, with PAD_MS of silence (or the same noise) either side, at 16 kHz. */
function capture(source: string, variant: Variant, level = rms(source)): Fingerprint {
  const chain = [`aresample=${FEATURE_RATE}`, ...variant.filters, `adelay=delays=${PAD_MS}:all=1`, `apad=pad_dur=${PAD_MS / 1000}`].join(',');
  const args = ['-i', source];
  let graph = `[0:a]aformat=channel_layouts=mono,${chain}[p]`;
  if (variant.snrDb !== undefined) {
    // Uniform white noise of amplitude A has an RMS of A/√3.
    const amplitude = Math.min(1, (Math.sqrt(3) * level) / Math.pow(10, variant.snrDb / 20));
    args.push('-f', 'lavfi', '-i', `anoisesrc=color=white:amplitude=${amplitude.toFixed(5)}:sample_rate=${FEATURE_RATE}:seed=7`);
    graph += `;[p][1:a]amix=inputs=2:duration=first:normalize=0[p2]`;
    return fingerprint(pcm16k(run([...args, '-filter_complex', graph, '-map', '[p2]', '-ac', '1', '-ar', String(FEATURE_RATE), '-f', 's16le', 'pipe:1'])));
  }
  return fingerprint(pcm16k(run([...args, '-filter_complex', graph, '-map', '[p]', '-ac', '1', '-ar', String(FEATURE_RATE), '-f', 's16le', 'pipe:1'])));
}

function silence(seconds: number): Fingerprint {
  return fingerprint(pcm16k(run(['-f', 'lavfi', '-i', `anullsrc=r=${FEATURE_RATE}:cl=mono`, '-t', String(seconds), '-f', 's16le', 'pipe:1'])));
}

function noise(color: string, seconds: number): Fingerprint {
  return fingerprint(pcm16k(run(['-f', 'lavfi', '-i', `anoisesrc=color=${color}:amplitude=0.1:sample_rate=${FEATURE_RATE}:duration=${seconds}`, '-f', 's16le', 'pipe:1'])));
}

const table: { programme: string; capture: string; verdict: string; coverage: number; offsetMs: number | null }[] = [];

function judge(programme: string, captureName: string, ref: Fingerprint, cap: Fingerprint): AirProof {
  const proof = proveAir(ref, cap, EXPECTED_LAG);
  table.push({ programme, capture: captureName, verdict: proof.verdict, coverage: proof.coveragePct, offsetMs: proof.offsetMs });
  return proof;
}

describeTools('proof of air: the capture against the programme', () => {
  const programmes: { name: string; file: string }[] = [];
  const unrelated: { name: string; file: string }[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'loa-proof-'));
    programmes.push({ name: 'speech (vi)', file: speech(TEXTS[0], 'vi', 'speech0') });
    programmes.push({ name: 'music-like tones', file: music(11, 16, 'music0') });
    programmes.push({ name: 'test signal', file: testSignal('signal0') });
    unrelated.push({ name: 'other speech, same voice', file: speech(TEXTS[1], 'vi', 'speech1') });
    unrelated.push({ name: 'other speech, other voice', file: speech(TEXTS[2], 'vi-vn-x-central', 'speech2') });
    unrelated.push({ name: 'other music', file: music(97, 22, 'music1') });
    unrelated.push({ name: 'other music 2', file: music(4242, 22, 'music2') });
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(
      'Proof-of-air verdicts (programme × capture variant):\n' +
        table.map((r) => `${r.programme.padEnd(18)} | ${r.capture.padEnd(44)} | ${r.verdict.padEnd(13)} | ${String(r.coverage).padStart(5)} % | ${r.offsetMs ?? '—'} ms`).join('\n'),
    );
  });

  it('confirms each programme through every variant of a real monitor path, near the true delay', () => {
    for (const p of programmes) {
      const ref = reference(p.file);
      const level = rms(p.file);
      for (const v of VARIANTS) {
        const proof = judge(p.name, v.name, ref, capture(p.file, v, level));
        expect({ programme: p.name, variant: v.name, verdict: proof.verdict }).toEqual({ programme: p.name, variant: v.name, verdict: 'confirmed' });
        expect(proof.coveragePct).toBeGreaterThanOrEqual(80);
        expect(Math.abs(proof.offsetMs ?? 1e9)).toBeLessThanOrEqual(25);
        expect(proof.confirmedMs).toBeGreaterThan(0.8 * ref.count * HOP_MS);
      }
    }
  }, 120_000);

  it('never confirms an unrelated capture: other speech, other music, noise or silence (false-confirm rate 0)', () => {
    let trials = 0;
    let confirmed = 0;
    const captures = [
      ...unrelated.flatMap((u) => [
        { name: u.name, fp: capture(u.file, VARIANTS[0]) },
        { name: `${u.name}, whole path`, fp: capture(u.file, VARIANTS[6]) },
      ]),
      ...['white', 'pink', 'brown'].map((c) => ({ name: `${c} noise`, fp: noise(c, 30) })),
      { name: 'silence', fp: silence(30) },
    ];
    for (const p of programmes) {
      const ref = reference(p.file);
      for (const c of captures) {
        const proof = judge(p.name, c.name, ref, c.fp);
        trials++;
        if (proof.verdict === 'confirmed') confirmed++;
        expect({ programme: p.name, capture: c.name, verdict: proof.verdict }).toEqual({ programme: p.name, capture: c.name, verdict: 'not_confirmed' });
      }
    }
    console.log(`false-confirm rate: ${confirmed}/${trials}`);
    expect(confirmed).toBe(0);
  }, 120_000);

  it('confirms only the part of the programme that went out when the capture goes silent halfway', () => {
    const p = programmes[0];
    const ref = reference(p.file);
    const cap = capture(p.file, VARIANTS[0]);
    // Silence from a third of the way in: a cable pulled during the programme.
    const cut = EXPECTED_LAG + Math.floor(ref.count / 3);
    for (let i = cut; i < cap.count; i++) {
      cap.level[i] = -90;
      cap.bands.fill(-90, i * 8, i * 8 + 8);
    }
    const proof = judge(p.name, 'silent after a third', ref, cap);
    expect(proof.verdict).toBe('not_confirmed');
    expect(proof.coveragePct).toBeGreaterThan(15);
    expect(proof.coveragePct).toBeLessThan(50);
  });

  it('says there was no capture when the capture has no audio for the airing', () => {
    const ref = reference(programmes[0].file);
    const cap = silence(30);
    cap.level.fill(Number.NaN);
    expect(proveAir(ref, cap, EXPECTED_LAG).verdict).toBe('no_capture');
  });
});

describe('dead air', () => {
  /** Frames of one second at a level: `speechy` alternates loud and quiet like syllables. */
  function feed(d: DeadAirDetector, from: number, seconds: number, kind: 'silent' | 'flat' | 'speechy') {
    const changes = [];
    const frames = Math.round((seconds * 1000) / HOP_MS);
    for (let i = 0; i < frames; i++) {
      const at = from + i * HOP_MS;
      const level = kind === 'silent' ? -80 : kind === 'flat' ? -30 + (i % 3) * 0.2 : -20 - ((i / 15) % 2 < 1 ? 0 : 25);
      const c = d.push(at, level);
      if (c) changes.push(c);
    }
    return changes;
  }

  it('raises dead air once a silence reaches the threshold, dated from its start, and clears it when sound returns', () => {
    const d = new DeadAirDetector({ thresholdMs: 8000, silenceDb: -50, flatDb: 3 });
    const t0 = 1_800_000_000_000;
    expect(feed(d, t0, 5, 'speechy')).toEqual([]);
    expect(feed(d, t0 + 5000, 7, 'silent')).toEqual([]);
    expect(d.current()).toBeNull();
    expect(feed(d, t0 + 12_000, 3, 'silent')).toEqual([{ kind: 'started', since: t0 + 5000 }]);
    expect(d.current()).toEqual({ since: t0 + 5000 });
    expect(feed(d, t0 + 15_000, 2, 'speechy')).toEqual([{ kind: 'cleared', since: t0 + 5000, until: t0 + 15_000 }]);
    expect(d.deadMs(t0 + 20_000)).toBe(10_000);
  });

  it('treats a flat capture (hiss, hum) as dead air and a short pause as nothing', () => {
    const d = new DeadAirDetector({ thresholdMs: 8000, silenceDb: -50, flatDb: 3 });
    const t0 = 1_800_000_000_000;
    expect(feed(d, t0, 6, 'silent')).toEqual([]);
    expect(feed(d, t0 + 6000, 4, 'speechy')).toEqual([]);
    expect(feed(d, t0 + 10_000, 9, 'flat')).toEqual([{ kind: 'started', since: t0 + 10_000 }]);
    expect(d.reset(t0 + 19_000)).toEqual({ kind: 'cleared', since: t0 + 10_000, until: t0 + 19_000 });
    expect(d.current()).toBeNull();
  });

  it('does not take a capture that stopped delivering audio for silence', () => {
    const d = new DeadAirDetector({ thresholdMs: 3000, silenceDb: -50, flatDb: 3 });
    const t0 = 1_800_000_000_000;
    const changes = [];
    for (let i = 0; i < 1000; i++) {
      const c = d.push(t0 + i * HOP_MS, Number.NaN);
      if (c) changes.push(c);
    }
    expect(changes).toEqual([]);
  });
});
