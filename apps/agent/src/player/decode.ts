import { spawn, execFile } from 'node:child_process';
import { ffmpegPath, ffprobePath } from '@loa/ffmpeg';
import { ffmpegReason } from './ffmpeg-reason';
import { SAMPLE_RATE } from './player';

/** Channel count of the first audio stream; the broadcast format is mono or stereo. */
export function probeChannels(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobePath(),
      ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=channels', '-of', 'csv=p=0', file],
      { timeout: 15_000 },
      (err, stdout) => {
        if (err) return reject(new Error(`không đọc được tệp âm thanh: ${err.message.split('\n')[0]}`));
        const n = Number.parseInt(stdout.trim(), 10);
        if (!Number.isInteger(n) || n < 1 || n > 8) return reject(new Error('tệp không có luồng âm thanh'));
        resolve(n);
      },
    );
  });
}

/** ffmpeg arguments that decode a file to raw s16le PCM at 44.1 kHz on stdout, keeping its channel count. */
export function decodeArgs(file: string, channels: number): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', file, '-vn', '-f', 's16le', '-acodec', 'pcm_s16le', '-ar', String(SAMPLE_RATE), '-ac', String(channels), 'pipe:1'];
}

/** Decodes a whole file into memory. */
export function decodeToPcm(file: string, channels: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), decodeArgs(file, channels), { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`giải mã thất bại (ffmpeg ${code}): ${ffmpegReason(stderr)}`));
    });
  });
}

export function pcmDurationMs(bytes: number, channels: number): number {
  return (bytes / (2 * channels) / SAMPLE_RATE) * 1000;
}
