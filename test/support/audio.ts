import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ffmpegPath } from '@loa/ffmpeg';

const run = promisify(execFile);

/** A sine tone file made with ffmpeg; the format follows the file's extension. */
export async function makeTone(path: string, opts: { frequency: number; seconds: number; channels?: number }): Promise<string> {
  await run(ffmpegPath(), [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `sine=frequency=${opts.frequency}:sample_rate=44100:duration=${opts.seconds}`,
    '-ac', String(opts.channels ?? 1),
    path,
  ]);
  return path;
}

/** Decodes any audio file to mono 16-bit PCM at 44.1 kHz. */
export async function decodePcm(path: string): Promise<Int16Array> {
  const { stdout } = await run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', path, '-f', 's16le', '-ac', '1', '-ar', '44100', 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 512 * 1024 * 1024,
  });
  const buf = stdout as Buffer;
  return new Int16Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 2));
}

/** The dominant frequency of a steady tone, from its zero crossings: good to a few hertz over a second. */
export function toneFrequency(samples: Int16Array, sampleRate = 44100): number {
  // Skip the edges, where encoders fade in and out.
  const start = Math.floor(samples.length * 0.1);
  const end = Math.floor(samples.length * 0.9);
  let crossings = 0;
  for (let i = start + 1; i < end; i++) {
    if ((samples[i - 1] < 0 && samples[i] >= 0) || (samples[i - 1] >= 0 && samples[i] < 0)) crossings++;
  }
  return crossings / 2 / ((end - start) / sampleRate);
}
