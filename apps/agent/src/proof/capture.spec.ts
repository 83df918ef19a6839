import type { AgentItem } from '../schedule-items';
import { FakeAgentClock } from '../../../../test/support/agent/clock';
import { FakeProcessRunner } from '../../../../test/support/fakes/process.fake';
import type { Logger } from '../log';
import { FEATURE_RATE } from './air-proof';
import { captureArgs, CaptureMonitor, parseCaptureSource, SentAudioCheck } from './capture';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** 100 ms of audio: syllable-like bursts (`speech`), digital silence, or steady hiss. */
function chunk(kind: 'speech' | 'silence' | 'hiss', t: number): Int16Array {
  const n = FEATURE_RATE / 10;
  const out = new Int16Array(n);
  let seed = Math.floor(t) % 2147483647 || 1;
  for (let i = 0; i < n; i++) {
    seed = (seed * 16807) % 2147483647;
    const noise = seed / 2147483647 - 0.5;
    const s = (t + (i / FEATURE_RATE) * 1000) / 1000;
    if (kind === 'speech') out[i] = Math.round(Math.sin(2 * Math.PI * 700 * s) * (Math.sin(2 * Math.PI * 4 * s) > 0 ? 12000 : 300));
    else if (kind === 'hiss') out[i] = Math.round(noise * 2000);
  }
  return out;
}

function run(monitor: CaptureMonitor, clock: FakeAgentClock, kind: 'speech' | 'silence' | 'hiss', seconds: number): void {
  for (let k = 0; k < seconds * 10; k++) {
    clock.now += 100;
    monitor.feed(chunk(kind, clock.now - 100), clock.now);
  }
}

const item = { occurrenceId: 'occ-1', programme: { title: 'Bản tin' } } as unknown as AgentItem;

describe('the capture monitor', () => {
  it('reads LOA_CAPTURE and asks ffmpeg for 16 kHz mono from an ALSA device or a raw file', () => {
    expect(parseCaptureSource('alsa:hw:1,0')).toEqual({ kind: 'alsa', device: 'hw:1,0' });
    expect(parseCaptureSource('file:/run/loa/monitor.fifo')).toEqual({ kind: 'file', path: '/run/loa/monitor.fifo' });
    expect(parseCaptureSource('pulse:default')).toBeNull();
    expect(captureArgs({ kind: 'alsa', device: 'hw:1,0' }).join(' ')).toContain('-f alsa -i hw:1,0');
    expect(captureArgs({ kind: 'file', path: '/x' }).join(' ')).toMatch(/-f s16le -ar 16000 -ac 1 -i \/x .*-ar 16000 -f s16le/);
  });

  it('raises dead air during an airing after the threshold of silence, shows it in its status, and clears it when sound returns', () => {
    const clock = new FakeAgentClock(1_800_000_000_000);
    let changes = 0;
    const monitor = new CaptureMonitor({ source: { kind: 'file', path: '/x' }, clock, log: quiet, deadAirMs: 8000, onChange: () => changes++ });
    run(monitor, clock, 'speech', 3);
    monitor.setOnAir({ occurrenceId: 'occ-1', live: false });
    run(monitor, clock, 'speech', 5);
    const silentFrom = clock.now;
    run(monitor, clock, 'silence', 7);
    expect(monitor.status().deadAir).toBeNull();
    const before = changes;
    run(monitor, clock, 'silence', 3);
    expect(changes).toBe(before + 1);
    const status = monitor.status();
    expect(status).toMatchObject({ source: 'file:/x', ok: true, deadAir: { occurrenceId: 'occ-1', live: false } });
    expect(Math.abs(Date.parse(status.deadAir!.since) - silentFrom)).toBeLessThanOrEqual(1000);
    expect(status.levelDb).toBeLessThan(-60);
    run(monitor, clock, 'speech', 2);
    expect(monitor.status().deadAir).toBeNull();
    expect(changes).toBe(before + 2);
    expect(monitor.status().levelDb).toBeGreaterThan(-30);
  });

  it("waits out the chuyên mục's own threshold for the airing on air, and the station's again for the next", () => {
    const clock = new FakeAgentClock(1_800_000_000_000);
    const monitor = new CaptureMonitor({ source: { kind: 'file', path: '/x' }, clock, log: quiet, deadAirMs: 8000 });
    monitor.setOnAir({ occurrenceId: 'occ-1', live: false, deadAirMs: 20_000 });
    run(monitor, clock, 'speech', 2);
    run(monitor, clock, 'silence', 12);
    expect(monitor.status().deadAir).toBeNull();
    run(monitor, clock, 'silence', 9);
    expect(monitor.status().deadAir).toMatchObject({ occurrenceId: 'occ-1' });
    monitor.setOnAir({ occurrenceId: 'occ-2', live: false });
    run(monitor, clock, 'speech', 2);
    run(monitor, clock, 'silence', 9);
    expect(monitor.status().deadAir).toMatchObject({ occurrenceId: 'occ-2' });
  });

  it('takes a flat hiss for dead air, watches nothing while nothing is on air, and reports a capture that stopped', () => {
    const clock = new FakeAgentClock(1_800_000_000_000);
    const monitor = new CaptureMonitor({ source: { kind: 'alsa', device: 'hw:1,0' }, clock, log: quiet, deadAirMs: 5000 });
    run(monitor, clock, 'silence', 20);
    expect(monitor.status().deadAir).toBeNull();
    monitor.setOnAir({ occurrenceId: 'live-1', live: true });
    run(monitor, clock, 'hiss', 7);
    expect(monitor.status().deadAir).toMatchObject({ occurrenceId: 'live-1', live: true });
    // The live round ends: the dead air ends with it.
    monitor.setOnAir(null);
    expect(monitor.status().deadAir).toBeNull();
    clock.now += 10_000;
    expect(monitor.status()).toMatchObject({ ok: false, levelDb: null });
  });

  it('judges an airing against what it heard, with the dead air of that airing', async () => {
    const clock = new FakeAgentClock(1_800_000_000_000);
    const programme: Int16Array[] = [];
    const monitor = new CaptureMonitor({
      source: { kind: 'file', path: '/x' },
      clock,
      log: quiet,
      deadAirMs: 3000,
      decode: () => Promise.resolve(Buffer.from(Int16Array.from(programme.flatMap((c) => [...c])).buffer)),
    });
    run(monitor, clock, 'silence', 3);
    monitor.setOnAir({ occurrenceId: 'occ-1', live: false });
    const startedAt = clock.now;
    // The programme: 10 s of bursts with a changing rhythm, then 5 s the capture hears as silence.
    for (let k = 0; k < 150; k++) {
      const c = chunk(k < 100 && k % 7 < 4 ? 'speech' : 'silence', clock.now);
      programme.push(k < 100 ? c : chunk('speech', clock.now));
      clock.now += 100;
      monitor.feed(c, clock.now);
    }
    const deadAtEnd = monitor.status().deadAir;
    expect(deadAtEnd).not.toBeNull();
    run(monitor, clock, 'silence', 2);
    const verdict = await monitor.judge(item, '/programme.mp3', startedAt, 15_000);
    expect(verdict.deadAirMs).toBeGreaterThanOrEqual(4000);
    expect(verdict.air.verdict).toBe('confirmed');
    expect(verdict.air.coveragePct).toBeGreaterThan(50);
    expect(verdict.air.coveragePct).toBeLessThan(90);
  });
});

describe('the capture process', () => {
  const turn = () => new Promise((r) => setImmediate(r));

  it('reads what ffmpeg hears on the server timeline, starts it again after it stops, and stops it on stop()', async () => {
    const clock = new FakeAgentClock(1_800_000_000_000);
    const processes = new FakeProcessRunner();
    const warnings: string[] = [];
    let changes = 0;
    const monitor = new CaptureMonitor({
      source: { kind: 'alsa', device: 'hw:1,0' },
      clock,
      log: { ...quiet, warn: (m: string) => warnings.push(m) },
      restartMs: 10,
      processes,
      onChange: () => changes++,
    });
    monitor.start();
    expect(processes.started).toHaveLength(1);
    const [first] = processes.started;
    expect(first.command).toMatch(/ffmpeg$/);
    expect(first.args).toEqual(captureArgs({ kind: 'alsa', device: 'hw:1,0' }));
    expect(monitor.status().ok).toBe(false);

    // An odd byte split across two reads still makes whole samples.
    const second = Buffer.from(chunk('speech', 0).buffer);
    first.child.stdout.write(second.subarray(0, 101));
    first.child.stdout.write(second.subarray(101));
    await turn();
    expect(monitor.status()).toMatchObject({ source: 'alsa:hw:1,0', ok: true });
    expect(monitor.status().levelDb).toEqual(expect.any(Number));
    expect(changes).toBe(1);

    first.child.stderr.write('[alsa @ 0x1] cannot open audio device hw:1,0 (Device or resource busy)\n');
    await turn();
    first.child.exit(1);
    await turn();
    expect(warnings.join('\n')).toMatch(/Thiết bị thu alsa:hw:1,0 dừng \(ffmpeg 1\): .*Device or resource busy/);
    while (processes.started.length < 2) await new Promise((r) => setTimeout(r, 5));
    const again = processes.started[1].child;

    await monitor.stop();
    expect(again.kills).toEqual(['SIGTERM']);
    await new Promise((r) => setTimeout(r, 30));
    expect(processes.started).toHaveLength(2);
  });

  it('decodes the programme it judges through the same runner', async () => {
    const pcm = Buffer.from(chunk('speech', 0).buffer);
    const processes = new FakeProcessRunner(() => ({ stdout: pcm }));
    const check = new SentAudioCheck({ log: quiet, processes });
    await expect(check.judge(item, '/cache/p.mp3', 0, 100)).resolves.toMatchObject({ air: { verdict: 'no_capture' } });
    expect(processes.calls).toHaveLength(1);
    expect(processes.calls[0].args).toEqual(expect.arrayContaining(['-i', '/cache/p.mp3', '-ac', '1', '-ar', String(FEATURE_RATE), 'pipe:1']));

    const errors: string[] = [];
    const broken = new SentAudioCheck({ log: { ...quiet, error: (m: string) => errors.push(m) }, processes: new FakeProcessRunner(() => ({ code: 1, stderr: 'boom' })) });
    await broken.judge(item, '/cache/p.mp3', 0, 100);
    expect(errors.join()).toContain('ffmpeg 1: boom');
  });
});

describe('without a capture', () => {
  it('checks the audio it sent for dead air, and says there was no capture', async () => {
    const pcm = Buffer.concat([...Array.from({ length: 30 }, (_, k) => Buffer.from(chunk('speech', k * 100).buffer)), Buffer.alloc(FEATURE_RATE * 2 * 12)]);
    const check = new SentAudioCheck({ log: quiet, deadAirMs: 8000, decode: () => Promise.resolve(pcm) });
    const verdict = await check.judge(item, '/p.mp3', 1_800_000_000_000, 15_000);
    expect(verdict.air).toEqual({ verdict: 'no_capture', confirmedMs: 0, coveragePct: 0, offsetMs: null });
    expect(verdict.deadAirMs).toBeGreaterThanOrEqual(11_000);
    expect(verdict.deadAirMs).toBeLessThanOrEqual(12_500);
    const lively = new SentAudioCheck({ log: quiet, decode: () => Promise.resolve(pcm.subarray(0, FEATURE_RATE * 2 * 3)) });
    expect((await lively.judge(item, '/p.mp3', 1_800_000_000_000, 3000)).deadAirMs).toBe(0);
  });

  it("holds a programme to its chuyên mục's own threshold rather than the station's", async () => {
    const pcm = Buffer.concat([...Array.from({ length: 30 }, (_, k) => Buffer.from(chunk('speech', k * 100).buffer)), Buffer.alloc(FEATURE_RATE * 2 * 12)]);
    const check = new SentAudioCheck({ log: quiet, deadAirMs: 8000, decode: () => Promise.resolve(pcm) });
    const patient = { ...item, deadAirMs: 20_000 } as AgentItem;
    expect((await check.judge(patient, '/p.mp3', 1_800_000_000_000, 15_000)).deadAirMs).toBe(0);
  });
});
