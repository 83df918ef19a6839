import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './processes';

/**
 * A real audio stack without a sound card: a PulseAudio daemon with one null sink (`loa`), played to through
 * ALSA's `pulse` PCM, and recorded from the sink's monitor. What an agent's `alsa` player sends out goes
 * through the same ALSA calls as on a station box, in real time, and comes back as samples with their times.
 */

export const PULSE_PACKAGES = 'pulseaudio pulseaudio-utils alsa-utils libasound2-plugins ffmpeg';

/** Debian's ffmpeg: the npm build is static and cannot load ALSA's pulse plugin. */
export const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';
export const SYSTEM_FFPROBE = '/usr/bin/ffprobe';

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/** Why the stack cannot run here (a sentence naming the Debian packages), or null when it can. */
export function pulseUnavailable(): string | null {
  const missing: string[] = [];
  if (!onPath('pulseaudio')) missing.push('pulseaudio (Debian package pulseaudio)');
  if (!onPath('parec')) missing.push('parec (Debian package pulseaudio-utils)');
  if (!existsSync(SYSTEM_FFMPEG) || !existsSync(SYSTEM_FFPROBE)) missing.push('/usr/bin/ffmpeg (Debian package ffmpeg)');
  const libDirs = ['/usr/lib', ...readdirSync('/usr/lib').map((d) => join('/usr/lib', d))];
  if (!libDirs.some((d) => existsSync(join(d, 'alsa-lib', 'libasound_module_pcm_pulse.so')))) missing.push('ALSA pulse plugin (Debian package libasound2-plugins)');
  if (missing.length === 0) return null;
  return `skipped: the real-time ALSA check needs ${missing.join(', ')}; install with: apt-get install ${PULSE_PACKAGES}`;
}

export interface Recording {
  /** Mono s16le at 44.1 kHz, from the moment the recorder started. */
  samples: Int16Array;
  /** Epoch ms (sub-millisecond) when sample `i` left the sink. */
  timeOf(i: number): number;
}

export interface Recorder {
  stop(): Promise<Recording>;
}

export interface PulseStack {
  /** Environment for a process that plays through ALSA's `pulse` PCM into the null sink. */
  env: Record<string, string>;
  /** Starts recording a sink's monitor (the `loa` sink by default); resolves once audio flows. */
  record(sink?: string): Promise<Recorder>;
  stop(): Promise<void>;
}

const RATE = 44100;

function now(): number {
  return performance.timeOrigin + performance.now();
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * `sinks` adds null sinks beside `loa`, each reachable as an ALSA PCM of its own name (an ~/.asoundrc in the
 * stack's HOME), as the separate outputs of a station's speaker clusters would be.
 */
export async function startPulse(dir: string, sinks: readonly string[] = []): Promise<PulseStack> {
  const runtime = join(dir, 'pulse-runtime');
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  if (sinks.length) writeFileSync(join(runtime, '.asoundrc'), sinks.map((s) => `pcm.${s} {\n  type pulse\n  device "${s}"\n}\n`).join(''));
  const env = {
    XDG_RUNTIME_DIR: runtime,
    HOME: runtime,
    PULSE_SERVER: `unix:${join(runtime, 'pulse', 'native')}`,
    PULSE_SINK: 'loa',
  };
  const daemon = spawn(
    'pulseaudio',
    [
      '-n',
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--use-pid-file=no',
      // Real-time scheduling is no help here and, on a loaded machine, RLIMIT_RTTIME may kill the daemon.
      '--realtime=no',
      '--high-priority=no',
      '--log-target=stderr',
      '--load=module-native-protocol-unix auth-anonymous=1',
      '--load=module-null-sink sink_name=loa rate=44100',
      ...sinks.map((s) => `--load=module-null-sink sink_name=${s} rate=44100`),
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  daemon.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const until = Date.now() + 20_000;
  while (spawnSync('pactl', ['info'], { env: { ...process.env, ...env }, stdio: 'ignore' }).status !== 0) {
    if (daemon.exitCode !== null || Date.now() > until) {
      await stopChild(daemon);
      throw new Error(`pulseaudio did not start:\n${log}`);
    }
    await sleep(100);
  }

  return {
    env,
    record: async (sink = 'loa') => {
      const parec = spawn('parec', ['-d', `${sink}.monitor`, '--raw', '--format=s16le', `--rate=${RATE}`, '--channels=1', '--latency-msec=10'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const chunks: Buffer[] = [];
      let bytes = 0;
      // The earliest a sample could have left the sink: the arrival of the chunk that ends with it, less
      // the chunk's length. The chunk with the least delay gives the tightest origin for every sample.
      let origin = Infinity;
      parec.stdout.on('data', (c: Buffer) => {
        const at = now();
        chunks.push(c);
        bytes += c.length;
        origin = Math.min(origin, at - (bytes / 2 / RATE) * 1000);
      });
      const flowing = Date.now() + 20_000;
      while (bytes < RATE * 2 * 0.2) {
        if (parec.exitCode !== null || Date.now() > flowing) throw new Error(`parec recorded nothing from ${sink}.monitor`);
        await sleep(20);
      }
      return {
        stop: async () => {
          await stopChild(parec);
          const all = Buffer.concat(chunks);
          const samples = new Int16Array(all.buffer, all.byteOffset, Math.floor(all.length / 2));
          return { samples, timeOf: (i: number) => origin + (i / RATE) * 1000 };
        },
      };
    },
    stop: () => stopChild(daemon),
  };
}

/** Where `reference` lies inside `recording`: the offset (in samples) with the greatest correlation near its onset. */
export function locate(recording: Int16Array, reference: Int16Array): { offset: number; rmsError: number } {
  const peak = reference.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const threshold = peak * 0.3;
  const refOnset = reference.findIndex((v) => Math.abs(v) > threshold);
  const recOnset = recording.findIndex((v) => Math.abs(v) > threshold);
  if (refOnset < 0 || recOnset < 0) return { offset: -1, rmsError: Infinity };
  // The onsets give the offset within a period or two; the best match over a short window settles it.
  const guess = recOnset - refOnset;
  const window = 4096;
  let best = { offset: guess, err: Infinity };
  for (let off = guess - 200; off <= guess + 200; off++) {
    if (off < 0) continue;
    let err = 0;
    for (let i = Math.max(0, refOnset - 1000); i < refOnset + window && i < reference.length; i++) {
      const d = (recording[off + i] ?? 0) - reference[i];
      err += d * d;
    }
    if (err < best.err) best = { offset: off, err };
  }
  let diff = 0;
  let power = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = (recording[best.offset + i] ?? 0) - reference[i];
    diff += d * d;
    power += reference[i] * reference[i];
  }
  return { offset: best.offset, rmsError: Math.sqrt(diff / Math.max(1, power)) };
}

/**
 * The stretches (in seconds of the programme, 100 ms steps) where the recording, read from `offset`,
 * does not match the programme: missing (silent or past the recording's end) or different.
 */
export function mismatchedStretches(recording: Int16Array, reference: Int16Array, offset: number): string[] {
  const step = RATE / 10;
  const bad: string[] = [];
  for (let start = 0; start < reference.length; start += step) {
    const end = Math.min(reference.length, start + step);
    let diff = 0;
    let power = 0;
    let heard = 0;
    for (let i = start; i < end; i++) {
      const r = recording[offset + i];
      if (r !== undefined) heard++;
      const d = (r ?? 0) - reference[i];
      diff += d * d;
      power += reference[i] * reference[i];
    }
    if (power === 0) continue;
    const err = Math.sqrt(diff / power);
    if (err < 0.05) continue;
    const at = `${(start / RATE).toFixed(1)}–${(end / RATE).toFixed(1)} s`;
    bad.push(heard < end - start ? `${at}: past the recording's end` : `${at}: differs (${err.toFixed(2)})`);
  }
  return bad;
}
