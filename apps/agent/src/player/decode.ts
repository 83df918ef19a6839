import { ffmpegPath, ffprobePath } from '@loa/ffmpeg';
import { ProcessRunner } from '@loa/process';
import { ffmpegReason } from './ffmpeg-reason';
import { SAMPLE_RATE } from './player';

/** The agent's runner for ffprobe and ffmpeg; a spec passes its own. */
const processes = new ProcessRunner();

/** Channel count of the first audio stream; the broadcast format is mono or stereo. */
export async function probeChannels(file: string, runner: ProcessRunner = processes): Promise<number> {
  const run = await runner.run(ffprobePath(), ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=channels', '-of', 'csv=p=0', file], { timeoutMs: 15_000 });
  if (run.code !== 0) throw new Error(`không đọc được tệp âm thanh: ${run.stderr.trim().split('\n')[0] || `ffprobe ${run.code}`}`);
  const n = Number.parseInt(run.stdout.toString('utf8').trim(), 10);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error('tệp không có luồng âm thanh');
  return n;
}

/** ffmpeg arguments that decode a file to raw s16le PCM at 44.1 kHz on stdout, keeping its channel count. */
export function decodeArgs(file: string, channels: number): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', file, '-vn', '-f', 's16le', '-acodec', 'pcm_s16le', '-ar', String(SAMPLE_RATE), '-ac', String(channels), 'pipe:1'];
}

/** Decodes a whole file into memory. */
export async function decodeToPcm(file: string, channels: number, runner: ProcessRunner = processes): Promise<Buffer> {
  const run = await runner.run(ffmpegPath(), decodeArgs(file, channels));
  if (run.code !== 0) throw new Error(`giải mã thất bại (ffmpeg ${run.code}): ${ffmpegReason(run.stderr.slice(-2000))}`);
  return run.stdout;
}

export function pcmDurationMs(bytes: number, channels: number): number {
  return (bytes / (2 * channels) / SAMPLE_RATE) * 1000;
}
