/**
 * ffmpeg's stderr boiled down to what names the cause. A failed ALSA output ends with generic lines
 * ("Error initializing output stream 0:0 --", "Conversion failed!") while the device's own words
 * ("cannot open audio device hw:7,0 (No such file or directory)", "Unknown PCM hw:7,0") come earlier.
 */
const GENERIC = [
  /^Error initializing output stream/i,
  /^Conversion failed/i,
  /^Could not write header for output file/i,
  /^Error (opening|while opening) (output|encoder)/i,
  /^Exiting normally/i,
  /^-+$/,
  // A static ffmpeg looks for the PulseAudio config hook of ALSA and says so on every open.
  /Cannot open shared library libasound_module_(conf|pcm)_/i,
  /^Press \[q\]/i,
];

export function ffmpegReason(stderr: string, maxLines = 4): string {
  const seen = new Set<string>();
  // What a component said about itself (`[alsa @ 0x…]`) comes first; library chatter after.
  const own: string[] = [];
  const other: string[] = [];
  for (const raw of stderr.split(/\r?\n/)) {
    const line = tidy(raw);
    if (!line || GENERIC.some((re) => re.test(line)) || seen.has(line)) continue;
    seen.add(line);
    (/^\[[\w-]+ @ 0x/i.test(raw.trim()) ? own : other).push(line);
  }
  const out = [...own, ...other];
  if (out.length === 0) {
    // Nothing specific: the last line is still better than nothing.
    const last = stderr.trim().split(/\r?\n/).pop();
    return last ? tidy(last) : '';
  }
  return out.slice(0, maxLines).join('; ');
}

/** Drops addresses and source locations: `[alsa @ 0x55…] x` → `alsa: x`, `ALSA lib pcm.c:2565:(fn) x` → `ALSA: x`. */
function tidy(line: string): string {
  return line
    .trim()
    .replace(/^\[([\w-]+) @ 0x[0-9a-f]+\]\s*/i, '$1: ')
    .replace(/^ALSA lib [^\s]+:\d+:\([\w]+\)\s*/, 'ALSA: ')
    .replace(/\s*--\s*$/, '')
    .trim();
}
