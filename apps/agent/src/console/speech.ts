import { stat } from 'node:fs/promises';
import { ffmpegPath } from '@loa/ffmpeg';
import { ProcessRunner } from '@loa/process';
import { ffmpegReason } from '../player/ffmpeg-reason';
import { SAMPLE_RATE } from '../player/player';

/** Every announcement is kept as 44.1 kHz mono 16-bit WAV: its length is read from its size. */
export async function wavDurationMs(file: string): Promise<number> {
  const { size } = await stat(file);
  return Math.round(((size - 44) / 2 / SAMPLE_RATE) * 1000);
}

const processes = new ProcessRunner();

async function run(cmd: string, args: string[], input: string | null, timeoutMs: number): Promise<{ code: number | null; stderr: string; missing: boolean }> {
  try {
    const result = await processes.run(cmd, args, { timeoutMs, ...(input === null ? {} : { input: Buffer.from(input, 'utf8') }) });
    return { code: result.signal ? null : result.code, stderr: result.stderr.slice(-2000), missing: false };
  } catch (e) {
    return { code: null, stderr: e instanceof Error ? e.message : String(e), missing: (e as NodeJS.ErrnoException).code === 'ENOENT' };
  }
}

export class SpeechError extends Error {}

/** Converts any audio ffmpeg reads (a phone's WebM/Opus, MP4/AAC, WAV) into the announcement format. */
export async function toAnnouncementWav(input: string, output: string): Promise<number> {
  const r = await run(
    ffmpegPath(),
    ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-i', input, '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-c:a', 'pcm_s16le', '-t', '1800', '-f', 'wav', output],
    null,
    120_000,
  );
  if (r.code !== 0) throw new SpeechError(`Không đọc được bản ghi âm: ${ffmpegReason(r.stderr)}`);
  const ms = await wavDurationMs(output);
  if (ms < 200) throw new SpeechError('Bản ghi âm gần như không có tiếng (ngắn hơn 0,2 giây).');
  return ms;
}

/**
 * Speaks Vietnamese text with the box's own espeak-ng (Debian package `espeak-ng`, voice `vi`). The text
 * goes on standard input, so nothing in it can be read as an option.
 */
export async function speakToWav(text: string, rawOutput: string, output: string, voice = 'vi'): Promise<number> {
  const r = await run('espeak-ng', ['-v', voice, '-s', '150', '-w', rawOutput, '--stdin'], text, 60_000);
  if (r.missing) throw new SpeechError('Máy trạm chưa có espeak-ng để đọc văn bản: cài bằng "sudo apt-get install espeak-ng".');
  if (r.code !== 0) throw new SpeechError(`espeak-ng không đọc được văn bản (${r.code ?? 'bị dừng'}): ${r.stderr.slice(-300)}`);
  return toAnnouncementWav(rawOutput, output);
}
