import { execFileSync } from 'node:child_process';
import { ffmpegPath } from '@loa/ffmpeg';

/** A short sine-tone MP3 in the broadcast format, for specs that need real audio. */
export function makeTone(file: string, seconds = 1, channels = 1): void {
  execFileSync(
    ffmpegPath(),
    ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-ac', String(channels), '-ar', '44100', '-b:a', '64k', file],
    { stdio: 'ignore' },
  );
}
