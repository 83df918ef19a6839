import type { BroadcastFormat } from './ffmpeg.service';

/**
 * The one format live relays and emergencies are encoded to, once, for every station: MP3 64 kb/s CBR,
 * mono, 44.1 kHz. It lives here because the media pipeline measures what this encode does to each
 * broadcast file's loudness (its live gain), and the live encoder uses the same settings.
 */
export const LIVE_FORMAT: Readonly<BroadcastFormat> = Object.freeze({ sampleRate: 44100, channels: 1, bitrateKbps: 64, mp3Quality: 7 });
