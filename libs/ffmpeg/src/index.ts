import { existsSync } from 'node:fs';

/**
 * Where ffmpeg and ffprobe live: FFMPEG_PATH / FFPROBE_PATH when set (a system build, often faster),
 * otherwise the binaries shipped in the npm packages, so a fresh clone needs no system install.
 */
export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  return resolveBinary(env.FFMPEG_PATH, 'FFMPEG_PATH', () => (require('@ffmpeg-installer/ffmpeg') as { path: string }).path);
}

export function ffprobePath(env: NodeJS.ProcessEnv = process.env): string {
  return resolveBinary(env.FFPROBE_PATH, 'FFPROBE_PATH', () => (require('@ffprobe-installer/ffprobe') as { path: string }).path);
}

function resolveBinary(override: string | undefined, name: string, bundled: () => string): string {
  if (override) {
    if (!existsSync(override)) throw new Error(`${name}=${override}: không tìm thấy tệp này (file not found)`);
    return override;
  }
  return bundled();
}
