import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegPath, ffprobePath, npmBinaries } from '@loa/ffmpeg';

/** Audio made by ffmpeg for the media specs, so no binary fixture lives in the repository. */
export interface AudioFixtures {
  /** 3 s, 440 Hz, 44.1 kHz stereo PCM. */
  wav: string;
  /** The same tone as a 128 kbps MP3 made by ffmpeg (so it carries a Xing/Info header). */
  mp3: string;
  m4a: string;
  ogg: string;
  /** The MP3 cut to half its bytes, as an interrupted download leaves it. */
  truncatedMp3: string;
  /** Plain text named like an MP3. */
  textAsMp3: string;
  empty: string;
}

export const FIXTURE_DURATION_MS = 3000;

export function makeAudioFixtures(dir: string): AudioFixtures {
  const wav = join(dir, 'tone.wav');
  ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=440:duration=${FIXTURE_DURATION_MS / 1000}`, '-ar', '44100', '-ac', '2', wav]);
  const mp3 = join(dir, 'tone.mp3');
  ffmpeg(['-i', wav, '-c:a', 'libmp3lame', '-b:a', '128k', mp3]);
  const m4a = join(dir, 'tone.m4a');
  ffmpeg(['-i', wav, '-c:a', 'aac', '-b:a', '96k', m4a]);
  const ogg = join(dir, 'tone.ogg');
  ffmpeg(['-i', wav, '-c:a', 'libvorbis', ogg]);

  const truncatedMp3 = join(dir, 'truncated.mp3');
  const whole = readFileSync(mp3);
  writeFileSync(truncatedMp3, whole.subarray(0, Math.floor(whole.length / 2)));
  const textAsMp3 = join(dir, 'notes.mp3');
  writeFileSync(textAsMp3, 'Lịch phát thanh tuần này: thứ Hai 6 giờ sáng, bản tin thời sự.\n'.repeat(50));
  const empty = join(dir, 'empty.mp3');
  writeFileSync(empty, '');
  return { wav, mp3, m4a, ogg, truncatedMp3, textAsMp3, empty };
}

/**
 * Makes fixtures with the npm build whatever build the server runs: it carries the AMR encoders Debian's
 * lacks, and a file made by one build and read by another is what uploads are like anyway.
 */
export function ffmpeg(args: string[]): void {
  const run = spawnSync(npmBinaries().ffmpeg, ['-nostdin', '-hide_banner', '-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${run.stderr}`);
}

/** Sizes of every MP3 packet of a file: for CBR they differ only by the one padding byte. */
export function mp3PacketSizes(path: string): number[] {
  const run = spawnSync(
    ffprobePath(),
    ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'packet=size', '-of', 'csv=p=0', path],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`ffprobe failed: ${run.stderr}`);
  // ffprobe's CSV may add empty fields and blank lines for side data.
  return run.stdout.split(/[\s,]+/).filter(Boolean).map(Number);
}

/**
 * A speech-like signal made by ffmpeg: band-limited pink noise in syllable-rate bursts with pauses, so its
 * crest factor is like a voice's (a sine's is not), at `amplitude` (1 is full scale, clipping included).
 */
export function speechLikeSource(seconds: number, amplitude: number, boostDb = 0): string {
  const boost = boostDb ? `,volume=${boostDb}dB` : '';
  return (
    `anoisesrc=color=pink:amplitude=${amplitude}:duration=${seconds}:seed=7,lowpass=f=3800,highpass=f=120,` +
    `volume='if(lt(mod(t\\,3.1)\\,0.35)\\,0.05\\,0.55+0.45*sin(2*PI*4*t))':eval=frame${boost}`
  );
}

/** Makes a file with ffmpeg from a lavfi source and encoder arguments. */
export function makeAudio(path: string, source: string, args: string[]): string {
  ffmpeg(['-f', 'lavfi', '-i', source, ...args, path]);
  return path;
}

/** Integrated loudness and true peak of a file, measured by ffmpeg's ebur128 filter apart from the server's code. */
export function measureLoudness(path: string): { lufs: number; truePeak: number } {
  const run = spawnSync(
    ffmpegPath(),
    ['-nostdin', '-hide_banner', '-nostats', '-i', path, '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-'],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`ffmpeg ebur128 failed: ${run.stderr}`);
  const summary = run.stderr.slice(run.stderr.lastIndexOf('Summary:'));
  const lufs = /I:\s*(-?[\d.]+) LUFS/.exec(summary);
  const peak = /Peak:\s*(-?[\d.]+) dBFS/.exec(summary);
  if (!lufs || !peak) throw new Error(`no ebur128 summary in: ${summary}`);
  return { lufs: Number(lufs[1]), truePeak: Number(peak[1]) };
}

/** One file per kind of input the server takes, each a few seconds of speech-like sound. */
export interface InputKinds {
  [kind: string]: { path: string; format: RegExp };
}

export function makeInputKinds(dir: string, seconds = 4): InputKinds {
  const src = (amplitude: number, boostDb = 0) => speechLikeSource(seconds, amplitude, boostDb);
  const at = (name: string) => join(dir, name);
  const kinds: InputKinds = {
    'MP3 (loud, stereo)': { path: makeAudio(at('k.mp3'), src(1, 10), ['-ac', '2', '-c:a', 'libmp3lame', '-b:a', '128k']), format: /^mp3\/mp3$/ },
    'WAV (very quiet, mono)': { path: makeAudio(at('k.wav'), src(0.03), ['-ac', '1', '-ar', '48000']), format: /^wav\/pcm_s16le$/ },
    'M4A/AAC (stereo)': { path: makeAudio(at('k.m4a'), src(0.2), ['-ac', '2', '-c:a', 'aac', '-b:a', '96k']), format: /mp4.*\/aac$/ },
    'OGG/Vorbis': { path: makeAudio(at('k.ogg'), src(0.2), ['-ac', '2', '-c:a', 'libvorbis']), format: /^ogg\/vorbis$/ },
    'OGG/Opus (quiet)': { path: makeAudio(at('k.opus'), src(0.05), ['-ac', '1', '-c:a', 'libopus', '-b:a', '32k']), format: /^ogg\/opus$/ },
    'FLAC (very loud, clipping)': { path: makeAudio(at('k.flac'), src(1, 18), ['-ac', '2', '-c:a', 'flac']), format: /^flac\/flac$/ },
    'AMR-NB (phone recording)': { path: makeAudio(at('k.amr'), src(0.2), ['-ac', '1', '-ar', '8000', '-c:a', 'libopencore_amrnb', '-b:a', '12.2k']), format: /^amr\/amr_nb$/ },
    '3GP (AMR-WB)': { path: makeAudio(at('k.3gp'), src(0.2), ['-ac', '1', '-ar', '16000', '-c:a', 'libvo_amrwbenc', '-b:a', '23.85k']), format: /3gp.*\/amr_wb$/ },
    'WMA': { path: makeAudio(at('k.wma'), src(0.2), ['-ac', '2', '-c:a', 'wmav2', '-b:a', '64k']), format: /^asf\/wmav2$/ },
  };
  const video = at('k.mp4');
  ffmpeg([
    '-f', 'lavfi', '-i', `testsrc=size=160x120:rate=10:duration=${seconds}`,
    '-f', 'lavfi', '-i', src(0.2),
    '-shortest', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-b:a', '96k', video,
  ]);
  kinds['the sound of a video (MP4, H.264 + AAC)'] = { path: video, format: /mp4.*\/aac$/ };
  return kinds;
}

/** Mean level (dBFS) of a file after `filter`, by ffmpeg's volumedetect: how much energy a band holds. */
export function measureBand(path: string, filter: string): number {
  const run = spawnSync(
    ffmpegPath(),
    ['-nostdin', '-hide_banner', '-nostats', '-i', path, '-af', `${filter},volumedetect`, '-f', 'null', '-'],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`ffmpeg volumedetect failed: ${run.stderr}`);
  const mean = /mean_volume:\s*(-?[\d.]+|-inf) dB/.exec(run.stderr);
  if (!mean) throw new Error(`no volumedetect result in: ${run.stderr.slice(-500)}`);
  return mean[1] === '-inf' ? -200 : Number(mean[1]);
}
