import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { ffmpegPath } from '@loa/ffmpeg';
import { ProcessRunner } from '@loa/process';
import { toInstant, type AirProof, type CaptureStatus } from '@loa/protocol';
import type { AgentItem } from '../schedule-items';
import type { Clock } from '../clock';
import { errorText, type Logger } from '../log';
import { ffmpegReason } from '../player/ffmpeg-reason';
import { BANDS, DEFAULT_DEAD_AIR, DEFAULT_PROOF, DeadAirDetector, FEATURE_RATE, FingerprintStream, HOP_MS, HOP_SAMPLES, proveAir, type Fingerprint } from './air-proof';

/** `alsa:DEVICE` (a sound card input wired from the amplifier's monitor or an FM receiver) or `file:PATH`. */
export type CaptureSource = { kind: 'alsa'; device: string } | { kind: 'file'; path: string };

export function parseCaptureSource(text: string): CaptureSource | null {
  const m = /^(alsa|file):(.+)$/.exec(text.trim());
  if (!m) return null;
  return m[1] === 'alsa' ? { kind: 'alsa', device: m[2] } : { kind: 'file', path: m[2] };
}

export function captureLabel(source: CaptureSource): string {
  return source.kind === 'alsa' ? `alsa:${source.device}` : `file:${source.path}`;
}

/**
 * ffmpeg arguments that deliver the capture as 16 kHz mono s16le on stdout. A file is read as raw audio in
 * that same format (a FIFO fed in real time, for tests and for boxes where another program records).
 */
export function captureArgs(source: CaptureSource): string[] {
  const input = source.kind === 'alsa' ? ['-f', 'alsa', '-i', source.device] : ['-f', 's16le', '-ar', String(FEATURE_RATE), '-ac', '1', '-i', source.path];
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', ...input, '-vn', '-ac', '1', '-ar', String(FEATURE_RATE), '-f', 's16le', '-flush_packets', '1', 'pipe:1'];
}

/** Starts the capture and decodes programmes to fingerprint them, unless the caller hands its own runner. */
const processes = new ProcessRunner();

/** How much capture is kept: longer than any programme a station airs in one go. */
const KEEP_MS = 2 * 3600_000;
const SLOTS = Math.round(KEEP_MS / HOP_MS);
/** A stream whose sample count drifts this far from the wall clock is re-anchored (a stall or a gap). */
const REANCHOR_MS = 250;
/** The capture is not ok when nothing arrived for this long. */
const STALE_MS = 3000;

export interface OnAirNow {
  occurrenceId: string;
  /** A live relay or emergency round rather than a scheduled programme. */
  live: boolean;
  /** Its chuyên mục's own dead-air threshold; absent: the station's. */
  deadAirMs?: number;
}

export interface AiringVerdict {
  air: AirProof;
  deadAirMs: number;
}

export interface CaptureMonitorOptions {
  source: CaptureSource;
  clock: Clock;
  log: Logger;
  deadAirMs?: number;
  /** Called when dead air starts or clears, or the capture goes quiet or comes back. */
  onChange?: () => void;
  /** Decodes a programme to 16 kHz mono s16le. */
  decode?: (file: string) => Promise<Buffer>;
  restartMs?: number;
  /** Starts the capture's ffmpeg and decodes programmes; the agent's own runner when absent. */
  processes?: ProcessRunner;
}

/**
 * The agent's ear on its own output: keeps the last two hours of what the capture heard as fingerprint
 * frames on the server's timeline, watches for dead air while something is on air, and judges each airing
 * against the programme's own audio once it has ended.
 */
export class CaptureMonitor {
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly bands = new Float32Array(SLOTS * BANDS);
  private readonly level = new Float32Array(SLOTS).fill(Number.NaN);
  /** Absolute frame number (server ms / HOP_MS) held in each slot. */
  private readonly slotOf = new Float64Array(SLOTS).fill(-1);
  private stream = new FingerprintStream();
  private anchorAt = 0;
  private samples = 0;
  private frames = 0;
  private lastAudioAt = -Infinity;
  private lastLevels: number[] = [];
  private readonly deadAir: DeadAirDetector;
  private onAir: OnAirNow | null = null;
  private deadAirOf: OnAirNow | null = null;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private okReported = false;

  constructor(private readonly o: CaptureMonitorOptions) {
    this.deadAir = new DeadAirDetector({ ...DEFAULT_DEAD_AIR, thresholdMs: o.deadAirMs ?? DEFAULT_DEAD_AIR.thresholdMs });
  }

  start(): void {
    this.stopped = false;
    this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.kill('SIGTERM');
    });
  }

  /** What is on air now (a scheduled airing or a live round), or null; dead air is watched only then. */
  setOnAir(now: OnAirNow | null): void {
    const same = (a: OnAirNow | null, b: OnAirNow | null) => a?.occurrenceId === b?.occurrenceId && a?.live === b?.live;
    if (same(now, this.onAir)) return;
    this.onAir = now;
    const cleared = this.deadAir.reset(this.o.clock.serverNow(), now?.deadAirMs ?? this.o.deadAirMs ?? DEFAULT_DEAD_AIR.thresholdMs);
    if (cleared) this.o.log.info(`Hết khoảng lặng trên sóng (${Math.round((cleared.until - cleared.since) / 1000)} giây)`);
    if (cleared || this.deadAirOf) {
      this.deadAirOf = null;
      this.o.onChange?.();
    }
  }

  status(): CaptureStatus {
    const now = this.o.clock.serverNow();
    const ok = now - this.lastAudioAt < STALE_MS;
    const dead = this.deadAir.current();
    const levels = this.lastLevels.filter((l) => !Number.isNaN(l));
    const level = ok && levels.length ? 10 * Math.log10(levels.reduce((s, l) => s + Math.pow(10, l / 10), 0) / levels.length) : null;
    return {
      source: captureLabel(this.o.source),
      ok,
      levelDb: level === null ? null : Math.max(-120, Math.min(10, Math.round(level * 10) / 10)),
      deadAir: dead && this.deadAirOf ? { since: toInstant(dead.since), occurrenceId: this.deadAirOf.occurrenceId, live: this.deadAirOf.live } : null,
    };
  }

  /**
   * Judges one airing once the capture has caught up with its end: the programme file is decoded and
   * compared with what the capture heard from its start, for as long as it played.
   */
  async judge(item: AgentItem, file: string, startedAt: number, playedMs: number): Promise<AiringVerdict> {
    const deadAirMs = this.onAir?.occurrenceId === item.occurrenceId ? this.deadAir.deadMs(this.o.clock.serverNow()) : 0;
    const margin = DEFAULT_PROOF.maxLagMs;
    const endAt = startedAt + playedMs + margin;
    // Wait for the capture to cover the search margin after the end, unless it has gone quiet.
    while (this.o.clock.serverNow() < endAt + 200 && this.o.clock.serverNow() - this.lastAudioAt < STALE_MS) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const capture = this.slice(startedAt - margin, endAt);
    let reference: Fingerprint;
    try {
      const pcm = await (this.o.decode ?? ((f: string) => decode16k(f, this.o.processes)))(file);
      const samples = new Int16Array(pcm.buffer, pcm.byteOffset, Math.min(Math.floor(pcm.length / 2), Math.ceil((playedMs / 1000) * FEATURE_RATE)));
      reference = await fingerprintYielding(samples);
    } catch (e) {
      this.o.log.error(`Không đọc được chương trình để đối chiếu với thiết bị thu: ${errorText(e)}`);
      return { air: { verdict: 'not_confirmed', confirmedMs: 0, coveragePct: 0, offsetMs: null }, deadAirMs };
    }
    const proof = proveAir(reference, capture, Math.round(margin / HOP_MS));
    const { score: _score, ...air } = proof;
    return { air, deadAirMs };
  }

  /** The capture's frames for [from, to) server ms; NaN where it heard nothing. */
  slice(from: number, to: number): Fingerprint {
    const first = Math.round(from / HOP_MS);
    const count = Math.max(0, Math.round(to / HOP_MS) - first);
    const out: Fingerprint = { bands: new Float32Array(count * BANDS).fill(Number.NaN), level: new Float32Array(count).fill(Number.NaN), count };
    for (let i = 0; i < count; i++) {
      const abs = first + i;
      const slot = abs % SLOTS;
      if (this.slotOf[slot] !== abs) continue;
      out.level[i] = this.level[slot];
      out.bands.set(this.bands.subarray(slot * BANDS, slot * BANDS + BANDS), i * BANDS);
    }
    return out;
  }

  /** Feeds captured samples that arrived at `arrivedAt` (server ms); public for specs with a fake stream. */
  feed(chunk: Int16Array, arrivedAt: number): void {
    const expectedEnd = this.anchorAt + ((this.samples + chunk.length) / FEATURE_RATE) * 1000;
    if (this.samples === 0 || Math.abs(arrivedAt - expectedEnd) > REANCHOR_MS) {
      // The chunk ends now: the samples before it are counted from there.
      this.anchorAt = arrivedAt - ((this.samples + chunk.length) / FEATURE_RATE) * 1000;
    }
    this.samples += chunk.length;
    this.lastAudioAt = arrivedAt;
    if (!this.okReported) {
      this.okReported = true;
      this.o.onChange?.();
    }
    this.stream.push(chunk, (bands, levelDb) => {
      const at = this.anchorAt + ((this.frames * HOP_SAMPLES) / FEATURE_RATE) * 1000;
      this.frames++;
      const abs = Math.round(at / HOP_MS);
      const slot = abs % SLOTS;
      this.slotOf[slot] = abs;
      this.level[slot] = levelDb;
      this.bands.set(bands, slot * BANDS);
      this.lastLevels.push(levelDb);
      if (this.lastLevels.length > 100) this.lastLevels.shift();
      if (this.onAir) this.watch(at, levelDb);
    });
  }

  private watch(at: number, levelDb: number): void {
    const change = this.deadAir.push(at, levelDb);
    if (!change) return;
    const what = this.onAir?.occurrenceId ?? '';
    if (change.kind === 'started') {
      this.deadAirOf = this.onAir;
      this.o.log.warn(`Lặng sóng (dead air) từ ${toInstant(change.since)} khi đang phát ${what}: thiết bị thu không nghe thấy âm thanh`);
    } else {
      this.deadAirOf = null;
      this.o.log.info(`Hết lặng sóng sau ${Math.round((change.until - change.since) / 1000)} giây`);
    }
    this.o.onChange?.();
  }

  /** Starts the capture's ffmpeg and takes what it hears until it ends, then starts it again. */
  private listen(): void {
    if (this.stopped) return;
    const child = (this.o.processes ?? processes).startPiped(ffmpegPath(), captureArgs(this.o.source));
    this.child = child;
    // ffmpeg reads no keys (-nostdin); its input is the device or the file.
    child.stdin.on('error', () => {});
    child.stdin.end();
    this.stream = new FingerprintStream();
    this.samples = 0;
    this.frames = 0;
    let odd: Buffer | null = null;
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
      const now = this.o.clock.serverNow();
      const buf: Buffer = odd ? Buffer.concat([odd, data]) : data;
      const whole = buf.length - (buf.length % 2);
      odd = whole < buf.length ? Buffer.from(buf.subarray(whole)) : null;
      if (whole === 0) return;
      // Copied out: a Buffer's offset need not be 2-aligned for an Int16Array view.
      const samples = new Int16Array(whole / 2);
      Buffer.from(samples.buffer).set(buf.subarray(0, whole));
      this.feed(samples, now);
    });
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    child.on('error', (e) => this.o.log.error(`Không chạy được thiết bị thu ${captureLabel(this.o.source)}: ${e.message}`));
    child.on('close', (code) => {
      if (this.child === child) this.child = null;
      if (this.stopped) return;
      this.okReported = false;
      this.o.log.warn(`Thiết bị thu ${captureLabel(this.o.source)} dừng (ffmpeg ${code}): ${ffmpegReason(stderr) || 'không rõ lý do'}; thử lại sau`);
      this.o.onChange?.();
      this.restartTimer = setTimeout(() => this.listen(), this.o.restartMs ?? 5000);
    });
  }
}

/**
 * Without a capture the agent still checks the audio it sends: the programme's own played part is run
 * through the dead-air rule, so a file of silence (or one with a long silent stretch) shows on its line.
 * The verdict stays `no_capture`: nothing proves the audio reached the air.
 */
export class SentAudioCheck {
  constructor(
    private readonly o: { log: Logger; deadAirMs?: number; decode?: (file: string) => Promise<Buffer>; processes?: ProcessRunner },
  ) {}

  async judge(item: AgentItem, file: string, startedAt: number, playedMs: number): Promise<AiringVerdict> {
    const air: AirProof = { verdict: 'no_capture', confirmedMs: 0, coveragePct: 0, offsetMs: null };
    let samples: Int16Array;
    try {
      const pcm = await (this.o.decode ?? ((f: string) => decode16k(f, this.o.processes)))(file);
      samples = new Int16Array(pcm.buffer, pcm.byteOffset, Math.min(Math.floor(pcm.length / 2), Math.ceil((playedMs / 1000) * FEATURE_RATE)));
    } catch (e) {
      this.o.log.error(`Không đọc được chương trình để kiểm tra lặng sóng: ${errorText(e)}`);
      return { air, deadAirMs: 0 };
    }
    // Levels alone, one per 10 ms block: the dead-air rule needs no spectrum, and this runs on every airing.
    const detector = new DeadAirDetector({ ...DEFAULT_DEAD_AIR, thresholdMs: item.deadAirMs ?? this.o.deadAirMs ?? DEFAULT_DEAD_AIR.thresholdMs });
    const frames = Math.floor(samples.length / HOP_SAMPLES);
    for (let f = 0; f < frames; f++) {
      let power = 0;
      for (let i = f * HOP_SAMPLES; i < (f + 1) * HOP_SAMPLES; i++) power += (samples[i] / 32768) ** 2;
      detector.push(startedAt + f * HOP_MS, 10 * Math.log10(power / HOP_SAMPLES + 1e-9));
      // A few seconds of audio at a time: the next programme's start must never wait behind this check.
      if (f % YIELD_FRAMES === YIELD_FRAMES - 1) await new Promise((r) => setImmediate(r));
    }
    const fp = { count: frames };
    const deadAirMs = detector.deadMs(startedAt + fp.count * HOP_MS);
    if (deadAirMs > 0) this.o.log.warn(`"${item.programme.title}" có ${Math.round(deadAirMs / 1000)} giây lặng trong chính âm thanh đã phát`);
    return { air, deadAirMs };
  }
}

async function decode16k(file: string, runner: ProcessRunner = processes): Promise<Buffer> {
  const run = await runner.run(ffmpegPath(), ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', file, '-vn', '-ac', '1', '-ar', String(FEATURE_RATE), '-f', 's16le', 'pipe:1']);
  if (run.code !== 0) throw new Error(`ffmpeg ${run.code}: ${ffmpegReason(run.stderr.slice(-2000))}`);
  return run.stdout;
}

/** Level frames checked between two turns of the event loop (5 s of audio). */
const YIELD_FRAMES = 500;

/** Fingerprints a long programme a few seconds at a time, so the timing loop is never held up for long. */
async function fingerprintYielding(samples: Int16Array): Promise<Fingerprint> {
  const count = Math.max(0, Math.floor((samples.length - 512) / HOP_SAMPLES) + 1);
  const out: Fingerprint = { bands: new Float32Array(count * BANDS), level: new Float32Array(count), count };
  const stream = new FingerprintStream();
  let n = 0;
  const step = FEATURE_RATE * 2;
  for (let i = 0; i < samples.length; i += step) {
    stream.push(samples.subarray(i, i + step), (bands, level) => {
      if (n >= count) return;
      out.bands.set(bands, n * BANDS);
      out.level[n++] = level;
    });
    await new Promise((r) => setImmediate(r));
  }
  return out;
}
