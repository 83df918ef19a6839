import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ffmpegPath } from '@loa/ffmpeg';
import { SyncedClock } from '../clock';
import { agentItem as item } from '../../../../test/support/agent/items';
import { makeTone } from '../../../../test/support/agent/tone';
import { decodeArgs } from './decode';
import { FilePlayer, sinkFileName, type SinkRecord } from './file-player';

describe('FilePlayer', () => {
  let dir: string;
  let mp3: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'loa-sink-'));
    mp3 = join(dir, 'tone.mp3');
    makeTone(mp3, 1, 1);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes a programme aired again only once, and again once its file has changed', async () => {
    const player = new FilePlayer(join(dir, 'sink-again'), new SyncedClock());
    const file = join(dir, 'again.mp3');
    makeTone(file, 1, 1);
    const pcmOf = async (id: string) => ((await player.prepare(item(id, Date.now() + 60_000), file)) as unknown as { pcm: Buffer }).pcm;
    const first = await pcmOf('a');
    expect(await pcmOf('b')).toBe(first);
    makeTone(file, 2, 1);
    const changed = await pcmOf('c');
    expect(changed).not.toBe(first);
    expect(changed.length).toBeGreaterThan(first.length);
  });

  it('writes exactly the decoded samples as a WAV, stamped at the start, and journals it', async () => {
    const sinkDir = join(dir, 'sink');
    const clock = new SyncedClock();
    const player = new FilePlayer(sinkDir, clock);
    const planned = Math.ceil(clock.serverNow()) + 400;
    const it1 = item('occ/1:a', planned, { durationMs: 1000 });
    const prepared = await player.prepare(it1, mp3);
    while (clock.serverNow() < planned) await new Promise((r) => setTimeout(r, 1));

    const playback = player.start(prepared);
    expect(playback.startedAt).toBeGreaterThanOrEqual(planned);
    const result = await playback.finished;
    expect(result.stopped).toBe(false);
    expect(result.error).toBeUndefined();
    // Plays in real time: about the tone's length.
    expect(result.playedMs).toBeGreaterThan(950);

    const lines = readFileSync(join(sinkDir, 'sink.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]) as SinkRecord;
    expect(record.file).toBe(sinkFileName(playback.startedAt, 'occ/1:a'));
    expect(record.file).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z_occ_1_a\.wav$/);
    expect(record).toMatchObject({ occurrenceId: 'occ/1:a', slotId: it1.slotId, plannedAt: new Date(it1.startMs).toISOString(), sampleRate: 44100, channels: 1 });
    expect(record.startErrorMs).toBeGreaterThanOrEqual(0);

    const wav = readFileSync(join(sinkDir, record.file));
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    const dataBytes = wav.readUInt32LE(40);
    expect(wav.length).toBe(44 + dataBytes);
    // An MP3 decoder may pad a frame's worth of samples; the file holds 1 s of tone give or take that.
    const samples = dataBytes / 2;
    expect(Math.abs(samples - 44100)).toBeLessThan(1152 * 2);
    const reference = execFileSync(ffmpegPath(), decodeArgs(mp3, 1), { maxBuffer: 64 << 20 });
    expect(dataBytes).toBe(reference.length);
    expect(record.pcmSha256).toBe(createHash('sha256').update(reference).digest('hex'));
    expect(wav.subarray(44).equals(reference)).toBe(true);
    expect(record.durationMs).toBe(Math.round((samples / 44100) * 1000));
    await player.close();
  });

  it('stops early when told to', async () => {
    const clock = new SyncedClock();
    const player = new FilePlayer(join(dir, 'sink2'), clock);
    const prepared = await player.prepare(item('o2', clock.serverNow(), { durationMs: 1000 }), mp3);
    const playback = player.start(prepared);
    setTimeout(() => playback.stop(), 300);
    const result = await playback.finished;
    expect(result.stopped).toBe(true);
    expect(result.playedMs).toBeGreaterThanOrEqual(250);
    expect(result.playedMs).toBeLessThan(900);
  });

  it('keeps in the sink exactly what went out before a cut, WAV and journal alike', async () => {
    const sinkDir = join(dir, 'sink3');
    const clock = new SyncedClock();
    const player = new FilePlayer(sinkDir, clock);
    const reference = execFileSync(ffmpegPath(), decodeArgs(mp3, 1), { maxBuffer: 64 << 20 });
    const prepared = await player.prepare(item('cut', clock.serverNow(), { durationMs: 1000 }), mp3);
    const playback = player.start(prepared);
    setTimeout(() => playback.stop(), 300);
    const result = await playback.finished;
    expect(result.stopped).toBe(true);

    const lines = readFileSync(join(sinkDir, 'sink.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]) as SinkRecord;
    const wav = readFileSync(join(sinkDir, record.file));
    const dataBytes = wav.readUInt32LE(40);
    expect(wav.length).toBe(44 + dataBytes);
    expect(wav.readUInt32LE(4)).toBe(36 + dataBytes);
    // The samples of the played time, to the sample, and nothing after.
    expect(Math.abs(dataBytes / 2 - (result.playedMs * 44100) / 1000)).toBeLessThanOrEqual(45);
    expect(dataBytes).toBeLessThan(reference.length * 0.9);
    expect(wav.subarray(44).equals(reference.subarray(0, dataBytes))).toBe(true);
    expect(record.durationMs).toBe(Math.round((dataBytes / 2 / 44100) * 1000));
    expect(Math.abs(record.durationMs - result.playedMs)).toBeLessThanOrEqual(1);
    expect(record.pcmSha256).toBe(createHash('sha256').update(reference.subarray(0, dataBytes)).digest('hex'));
    await player.close();
  });

  it('fades out over the given time instead of cutting: the sink ends with the ramp down to silence', async () => {
    const sinkDir = join(dir, 'sink4');
    const clock = new SyncedClock();
    const player = new FilePlayer(sinkDir, clock);
    const reference = execFileSync(ffmpegPath(), decodeArgs(mp3, 1), { maxBuffer: 64 << 20 });
    const prepared = await player.prepare(item('fade', clock.serverNow(), { durationMs: 1000 }), mp3);
    const playback = player.start(prepared);
    setTimeout(() => playback.fadeOut(300), 300);
    const result = await playback.finished;
    expect(result.stopped).toBe(true);
    expect(result.playedMs).toBeGreaterThanOrEqual(550);
    expect(result.playedMs).toBeLessThan(900);

    const record = JSON.parse(readFileSync(join(sinkDir, 'sink.jsonl'), 'utf8').trim()) as SinkRecord;
    const wav = readFileSync(join(sinkDir, record.file));
    const got = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length));
    const ref = new Int16Array(reference.buffer.slice(reference.byteOffset, reference.byteOffset + reference.length));
    expect(Math.abs(got.length - (result.playedMs * 44100) / 1000)).toBeLessThanOrEqual(45);
    // Untouched up to the fade, then ramped: where it first differs from the programme is 300 ms from the end.
    const firstChange = got.findIndex((v, i) => v !== ref[i]);
    expect(Math.abs(got.length - firstChange - 0.3 * 44100)).toBeLessThanOrEqual(45);
    // The ramp read back from the file: each 30 ms of the last 300 ms at the gain a linear fade gives it.
    const peak = (a: Int16Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const full = peak(ref.subarray(0, 44100 / 2));
    const step = Math.round(0.03 * 44100);
    for (let k = 0; k < 10; k++) {
      const from = got.length - (10 - k) * step;
      const expected = full * (1 - k / 10);
      expect(Math.abs(peak(got.subarray(from, from + step)) - expected)).toBeLessThanOrEqual(full * 0.08);
    }
    expect(peak(got.subarray(got.length - 44))).toBeLessThanOrEqual(full * 0.01);
    await player.close();
  });
});
