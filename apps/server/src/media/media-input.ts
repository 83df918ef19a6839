/**
 * The demuxers an upload may be read with: containers of audio (and of video, for its sound) that hold
 * their media inside themselves. Playlists and other indirections (hls, dash, concat, ffconcat, sdp, tee,
 * image sequences …) are absent, so a file that looks like one is refused by ffprobe before any file it
 * names is opened, whichever demuxer probing would have picked.
 */
export const UPLOAD_DEMUXERS: readonly string[] = Object.freeze([
  'mp3', 'wav', 'w64', 'aiff', 'caf', 'flac', 'ogg', 'mov', 'matroska', 'asf', 'amr', 'amrnb', 'amrwb',
  'aac', 'ac3', 'eac3', 'avi', 'mpegts', 'flv', 'mpeg', 'au', 'wv', 'ape', 'dts',
]);
export const FORMAT_WHITELIST = ['-format_whitelist', UPLOAD_DEMUXERS.join(',')];

/** Inputs are always local files; this stops a crafted file from reaching the network. */
export const INPUT_PROTOCOLS = ['-protocol_whitelist', 'file'];

/**
 * A file ffmpeg reads, with the demuxer ffprobe recognised it as. Every run forces that demuxer, so the
 * decoder reads the file the way the probe judged it, even if its own probing would pick something else.
 */
export interface MediaInput {
  path: string;
  /** An ffmpeg demuxer name from UPLOAD_DEMUXERS, e.g. 'mp3', 'mov'. */
  format: string;
}

/**
 * The input to give ffmpeg for a file ffprobe named `formatName` ('mov,mp4,m4a,3gp,3g2,mj2'): its first
 * demuxer name, which must be one uploads may use.
 */
export function mediaInput(path: string, formatName: string): MediaInput {
  const format = (formatName.split(/[,/]/)[0] ?? '').trim();
  if (!UPLOAD_DEMUXERS.includes(format)) throw new Error(`demuxer "${formatName}" is not allowed for uploads`);
  return { path, format };
}

/** What goes before `-i`: the forced demuxer, local files only, and the demuxer whitelist again. */
export function inputArgs(input: MediaInput): string[] {
  return [...INPUT_PROTOCOLS, ...FORMAT_WHITELIST, '-f', input.format, '-i', fileUrl(input.path)];
}

/** The `file:` prefix keeps a name with a colon from being read as a protocol. */
export function fileUrl(path: string): string {
  return `file:${path}`;
}

/** The last non-empty line of a log: what a failed run says of why. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
