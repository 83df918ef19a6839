import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlsaPlayer, LEAD_MS } from '../apps/agent/src/player/alsa-player';
import type { AgentItem } from '../apps/agent/src/schedule-items';
import { hiResNow, type Clock } from '../apps/agent/src/clock';
import { makeTone } from './support/audio';
import { sleep } from './support/processes';
import { pulseUnavailable, startPulse, SYSTEM_FFMPEG, SYSTEM_FFPROBE, type PulseStack, type Recording } from './support/pulse';

const RATE = 44100;
const WINDOW = RATE / 10;

const systemClock: Clock = { localNow: hiResNow, serverNow: hiResNow, offsetMs: () => 0, systemNow: () => Date.now() };

function item(id: string, durationMs: number): AgentItem {
  return {
    occurrenceId: id,
    slotId: id,
    startMs: Date.now(),
    durationMs,
    priority: 'normal',
    source: 'local',
    programme: { id, title: id, chuyenMuc: 'Thử' },
    media: { sha256: 'a'.repeat(64), size: 1, durationMs, url: '/x' },
  };
}

function rms(samples: Int16Array, from: number, to: number): number {
  let sum = 0;
  for (let i = Math.max(0, from); i < to; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / Math.max(1, to - from));
}

function peak(samples: Int16Array, from: number, to: number): number {
  let m = 0;
  for (let i = Math.max(0, from); i < to; i++) m = Math.max(m, Math.abs(samples[i]));
  return m;
}

/** The last sample louder than a whisper: where the sound stopped. */
function endOfSound(samples: Int16Array): number {
  for (let i = samples.length - 1; i >= 0; i--) if (Math.abs(samples[i]) > 40) return i + 1;
  return -1;
}

/** The level of the tone's last 400 ms as 100 ms windows (oldest first), the peak of its last 50 ms, and its steady peak. */
function tail(rec: Recording): { windows: number[]; last50Peak: number; fullPeak: number; end: number } {
  const end = endOfSound(rec.samples);
  const windows = [4, 3, 2, 1].map((k) => rms(rec.samples, end - k * WINDOW, end - (k - 1) * WINDOW));
  return { windows, last50Peak: peak(rec.samples, end - RATE / 20, end), fullPeak: peak(rec.samples, end - RATE, end - RATE / 2), end };
}

/**
 * A cut through the real audio stack: the `alsa` player plays a steady tone into a PulseAudio null sink and
 * is cut; the sink's monitor shows how the sound left the air.
 */
describe('alsa player: a cut fades out instead of clicking (PulseAudio null sink)', () => {
  let dir: string;
  let pulse: PulseStack | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-alsa-fade-'));
  });

  afterAll(async () => {
    await pulse?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('ramps the last 300 ms of a faded cut down to silence, and a plain stop still cuts at once', async () => {
    const missing = pulseUnavailable();
    if (missing) {
      console.warn(missing);
      return;
    }
    pulse = await startPulse(dir);
    // Jest gives the spec its own copy of process.env; the player's children get theirs explicitly.
    process.env.FFMPEG_PATH = SYSTEM_FFMPEG;
    process.env.FFPROBE_PATH = SYSTEM_FFPROBE;
    const tone = await makeTone(join(dir, 'tone.mp3'), { frequency: 440, seconds: 6 });
    const player = new AlsaPlayer('pulse', systemClock, { env: { ...process.env, ...pulse.env } });

    const cut = async (fadeMs: number | null) => {
      const prepared = await player.prepare(item(fadeMs === null ? 'stop' : 'fade', 6000), tone);
      const recorder = await pulse!.record();
      const playback = player.start(prepared);
      await sleep(1800);
      const askedAt = hiResNow();
      if (fadeMs === null) playback.stop();
      else playback.fadeOut(fadeMs);
      const result = await playback.finished;
      const startedAt = playback.startedAt;
      await sleep(800);
      const recording = await recorder.stop();
      return { result, recording, askedAt, startedAt };
    };

    const faded = await cut(300);
    const f = tail(faded.recording);
    const hard = await cut(null);
    const h = tail(hard.recording);
    const silentAfterMs = faded.recording.timeOf(f.end) - faded.askedAt;
    console.log(
      JSON.stringify({
        spec: "alsa-fade",
        result: faded.result,
        fade_window_rms: f.windows.map(Math.round),
        fade_last_50ms_peak: f.last50Peak,
        full_peak: f.fullPeak,
        silent_after_ms: Math.round(silentAfterMs),
        onset_ms: Math.round(faded.recording.timeOf(faded.recording.samples.findIndex((v) => Math.abs(v) > 1000)) - faded.startedAt),
        stop_window_rms: h.windows.map(Math.round),
        stop_last_50ms_peak: h.last50Peak,
      }),
    );

    expect(faded.result.stopped).toBe(true);
    expect(faded.result.error).toBeUndefined();
    expect(f.fullPeak).toBeGreaterThan(2000);
    // Before the ramp, full level; then three 100 ms windows, each quieter than the one before.
    expect(f.windows[0]).toBeGreaterThan(f.fullPeak * 0.6);
    expect(f.windows[1]).toBeLessThan(f.windows[0] * 0.95);
    expect(f.windows[2]).toBeLessThan(f.windows[1] * 0.9);
    expect(f.windows[3]).toBeLessThan(f.windows[2] * 0.9);
    // No sample at full level in the last 50 ms: the sound dies away rather than stopping.
    expect(f.last50Peak).toBeLessThan(f.fullPeak * 0.35);
    // Heard ending the lead plus the fade after it was asked for, within what the stack adds.
    expect(silentAfterMs).toBeGreaterThan(250);
    expect(silentAfterMs).toBeLessThan(LEAD_MS + 300 + 400);

    // The same tone stopped without a fade ends at full level: what the fade is there to avoid.
    expect(hard.result.stopped).toBe(true);
    expect(h.last50Peak).toBeGreaterThan(h.fullPeak * 0.8);
    await player.close();
  }, 60_000);
});
