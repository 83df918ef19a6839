import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ProcessRunner, type RunResult } from '@loa/process';

/** Where the pair of binaries came from. */
export type FfmpegSource = 'env' | 'system' | 'npm';

export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
  source: FfmpegSource;
  /** `5.1.9-0+deb12u1`, `N-47683-g0e8eb07980-static`: the first line of `ffmpeg -version`. */
  version: string;
  /** libavformat's major version, the part that reads untrusted files; null when it cannot be read. */
  libavformatMajor: number | null;
}

/**
 * libavformat 59 is FFmpeg 5.0 (2022). An older system build is passed over for the npm one, which at least
 * is the same on every machine; a newer one is preferred, as a distribution patches it for security.
 */
export const MIN_SYSTEM_LIBAVFORMAT = 59;

/** When each libavformat major version came out: how old a build is, for the start-up log. */
const LIBAVFORMAT_YEAR: Record<number, number> = { 57: 2016, 58: 2018, 59: 2022, 60: 2023, 61: 2024, 62: 2025 };

/** Where a distribution installs its ffmpeg (Debian's `apt-get install ffmpeg`). */
const SYSTEM_DIRS = ['/usr/bin', '/usr/local/bin'];

/** Runs each `-version`; a spec hands its own to `ffmpegBinaries`, `npmBinaries` or `versionOf`. */
const defaultRunner = new ProcessRunner();

let cached: { key: string; processes: ProcessRunner; binaries: FfmpegBinaries } | null = null;

/**
 * The ffmpeg and ffprobe every process of this project runs, always from one build, so what the probe
 * accepts is what the decoder reads:
 * 1. FFMPEG_PATH / FFPROBE_PATH when set (one alone: its sibling in the same folder);
 * 2. else the machine's own build (Debian's) when both binaries are there and libavformat ≥ 59;
 * 3. else the binaries shipped in the npm packages, so a fresh clone runs with `npm install` alone.
 */
export function ffmpegBinaries(
  env: NodeJS.ProcessEnv = process.env,
  systemDirs: readonly string[] = SYSTEM_DIRS,
  processes: ProcessRunner = defaultRunner,
): FfmpegBinaries {
  const key = `${env.FFMPEG_PATH ?? ''}\u0000${env.FFPROBE_PATH ?? ''}\u0000${systemDirs.join(':')}`;
  if (cached?.key === key && cached.processes === processes) return cached.binaries;
  const binaries = resolveBinaries(env, systemDirs, processes);
  cached = { key, processes, binaries };
  return binaries;
}

export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  return ffmpegBinaries(env).ffmpeg;
}

export function ffprobePath(env: NodeJS.ProcessEnv = process.env): string {
  return ffmpegBinaries(env).ffprobe;
}

/** One line for the start-up log: which ffmpeg runs, and a warning when it is the old npm build. */
export function describeFfmpeg(b: FfmpegBinaries = ffmpegBinaries()): { level: 'log' | 'warn'; text: string } {
  const year = b.libavformatMajor === null ? undefined : LIBAVFORMAT_YEAR[b.libavformatMajor];
  const lavf = b.libavformatMajor === null ? '' : `, libavformat ${b.libavformatMajor}${year ? ` from ${year}` : ''}`;
  const where = `${b.ffmpeg} (${b.version || 'unknown version'}${lavf})`;
  if (b.source === 'npm') {
    return {
      level: 'warn',
      text:
        `ffmpeg from the npm package: ${where}, an old build without security updates. ` +
        'Install the system ffmpeg (Debian: apt-get install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH.',
    };
  }
  return { level: 'log', text: `ffmpeg from ${b.source === 'env' ? 'FFMPEG_PATH/FFPROBE_PATH' : 'the system'}: ${where}` };
}

function resolveBinaries(env: NodeJS.ProcessEnv, systemDirs: readonly string[], processes: ProcessRunner): FfmpegBinaries {
  if (env.FFMPEG_PATH || env.FFPROBE_PATH) {
    const ffmpeg = env.FFMPEG_PATH || join(dirname(env.FFPROBE_PATH ?? ''), 'ffmpeg');
    const ffprobe = env.FFPROBE_PATH || join(dirname(env.FFMPEG_PATH ?? ''), 'ffprobe');
    requireFile(ffmpeg, env.FFMPEG_PATH ? 'FFMPEG_PATH' : 'FFMPEG_PATH (ffmpeg beside FFPROBE_PATH)');
    requireFile(ffprobe, env.FFPROBE_PATH ? 'FFPROBE_PATH' : 'FFPROBE_PATH (ffprobe beside FFMPEG_PATH)');
    return { ffmpeg, ffprobe, source: 'env', ...versionOf(ffmpeg, processes) };
  }
  for (const dir of systemDirs) {
    const ffmpeg = join(dir, 'ffmpeg');
    const ffprobe = join(dir, 'ffprobe');
    if (!existsSync(ffmpeg) || !existsSync(ffprobe)) continue;
    const version = versionOf(ffmpeg, processes);
    if (version.libavformatMajor !== null && version.libavformatMajor >= MIN_SYSTEM_LIBAVFORMAT) {
      return { ffmpeg, ffprobe, source: 'system', ...version };
    }
  }
  return npmBinaries(processes);
}

/** The binaries shipped in the npm packages (the fallback; also for specs that must check both builds). */
export function npmBinaries(processes: ProcessRunner = defaultRunner): FfmpegBinaries {
  if (npm && processes === defaultRunner) return npm;
  const ffmpeg = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const ffprobe = (require('@ffprobe-installer/ffprobe') as { path: string }).path;
  const binaries: FfmpegBinaries = { ffmpeg, ffprobe, source: 'npm', ...versionOf(ffmpeg, processes) };
  if (processes === defaultRunner) npm = binaries;
  return binaries;
}
let npm: FfmpegBinaries | null = null;

function requireFile(path: string, name: string): void {
  if (!existsSync(path)) throw new Error(`${name}=${path}: không tìm thấy tệp này (file not found)`);
}

/** Reads `-version`; a binary that does not run reports no version, and is then not chosen as the system one. */
export function versionOf(binary: string, processes: ProcessRunner = defaultRunner): { version: string; libavformatMajor: number | null } {
  const unknown = { version: '', libavformatMajor: null };
  let result: RunResult;
  try {
    // Synchronous: which build runs is settled before anything that runs it is built.
    result = processes.runSync(binary, ['-hide_banner', '-version'], { timeoutMs: 10_000 });
  } catch {
    return unknown;
  }
  if (result.code !== 0 || result.signal !== null || result.timedOut) return unknown;
  return parseVersion(result.stdout.toString('utf8'));
}

export function parseVersion(text: string): { version: string; libavformatMajor: number | null } {
  const version = /^ffmpeg version (\S+)/m.exec(text)?.[1] ?? '';
  const lavf = /^libavformat\s+(\d+)\.\s*\d+/m.exec(text);
  return { version, libavformatMajor: lavf ? Number(lavf[1]) : null };
}
