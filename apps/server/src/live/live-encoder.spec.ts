import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ffmpegPath } from '@loa/ffmpeg';
import { ProcessRunner } from '@loa/process';
import { makeTone } from '../../../../test/support/audio';
import { FakeProcessRunner } from '../../../../test/support/fakes/process.fake';
import { encoderArgs, GROUP_MS, LiveEncoder, type EncodedGroup, type EncoderInput } from './live-encoder';

/** Holds the thread for `ms`, as a fan-out to thousands of sockets does. */
function busy(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spinning on purpose
  }
}

describe('LiveEncoder pacing', () => {
  let dir: string;
  let tone: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-live-encoder-'));
    tone = await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sends each group at its own instant even when sending one takes most of a group', async () => {
    const sendMs = Math.round(GROUP_MS * 0.6);
    const lateness: number[] = [];
    const groups: EncodedGroup[] = [];
    await new Promise<void>((resolve, reject) => {
      const encoder = new LiveEncoder(
        new ProcessRunner(),
        { kind: 'file', path: tone, format: 'wav' },
        () => Date.now(),
        (g) => {
          lateness.push(Date.now() - g.at);
          groups.push(g);
          busy(sendMs);
        },
        (error) => (error ? reject(new Error(error)) : resolve()),
      );
      encoder.start();
    });
    expect(groups.length).toBeGreaterThanOrEqual(18);
    // Consecutive groups are stamped a group's length apart, and each leaves near its stamp: a pacer that
    // counted from before the previous send would leave every group `sendMs` late.
    for (let i = 1; i < groups.length; i++) expect(groups[i].at - groups[i - 1].at).toBeCloseTo(groups[i - 1].durationMs, 2);
    const sorted = [...lateness.slice(1)].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(sendMs / 2);
  });

  it('begins a file where a relay taken over left it: only the rest of the file is encoded', async () => {
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      const encoder = new LiveEncoder(
        new ProcessRunner(),
        { kind: 'file', path: tone, format: 'wav', startMs: 1500 },
        () => Date.now(),
        (g) => (total += g.durationMs),
        (error) => (error ? reject(new Error(error)) : resolve()),
      );
      encoder.start();
    });
    // Half a second of the two-second tone, give or take an MP3 frame or two.
    expect(total).toBeGreaterThan(400);
    expect(total).toBeLessThan(700);
  });
});

/** `n` 64 kb/s, 44.1 kHz MPEG-1 Layer III frames of 1152 samples (26.1 ms each), as ffmpeg writes them. */
function mp3Frames(n: number): Buffer {
  const frame = Buffer.alloc(208, 0x55);
  frame.set([0xff, 0xfb, 0x50, 0xc4]);
  return Buffer.concat(Array.from({ length: n }, () => frame));
}
const FRAME_MS = (1152 / 44100) * 1000;

describe('LiveEncoder on a fake process runner', () => {
  const START = 1_700_000_000_000;
  let runner: FakeProcessRunner;
  let groups: EncodedGroup[];
  let ends: Array<string | null>;
  /** Lets the fake child's stream and process events through (they are real, not timers). */
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(() => {
    jest.useFakeTimers({ now: START, doNotFake: ['nextTick', 'setImmediate'] });
    runner = new FakeProcessRunner();
    groups = [];
    ends = [];
  });
  const made: LiveEncoder[] = [];
  afterEach(() => {
    // One a failed expectation left running must not report into the next spec.
    for (const e of made.splice(0)) e.stop();
    jest.useRealTimers();
  });

  const encoder = (input: EncoderInput) => {
    const e = new LiveEncoder(runner, input, () => Date.now(), (g) => groups.push(g), (error) => ends.push(error));
    made.push(e);
    e.start();
    return e;
  };
  const file: EncoderInput = { kind: 'file', path: '/media/ban-tin.mp3', format: 'mp3', startMs: 1500 };

  it('starts the configured ffmpeg with the encoder arguments, and closes its input at once for a file', () => {
    encoder(file);
    expect(runner.started).toHaveLength(1);
    expect(runner.started[0].command).toBe(ffmpegPath());
    expect(runner.started[0].args).toEqual(encoderArgs(file));
    expect(runner.started[0].args).toEqual(expect.arrayContaining(['-ss', '1.500', 'file:/media/ban-tin.mp3']));
    expect(runner.only().inputClosed).toBe(true);
  });

  it('sends whole-frame groups at their own instants, and ends the round when ffmpeg exits and the last group has run out', async () => {
    encoder(file);
    const child = runner.only();
    child.stdout.write(mp3Frames(10));
    await settle();
    // Four frames make a group of 104.5 ms; the first leaves at once, the second waits for its instant.
    expect(groups.map((g) => g.at)).toEqual([START]);
    expect(groups[0].payload).toHaveLength(4 * 208);
    jest.advanceTimersByTime(Math.ceil(4 * FRAME_MS));
    expect(groups).toHaveLength(2);
    expect(groups[1].at).toBeCloseTo(START + 4 * FRAME_MS, 6);
    child.exit(0);
    await settle();
    // The two frames left over go out as the last group, at their instant; the round is not over before.
    expect(groups).toHaveLength(2);
    jest.advanceTimersByTime(Math.ceil(4 * FRAME_MS));
    expect(groups).toHaveLength(3);
    expect(groups[2].durationMs).toBeCloseTo(2 * FRAME_MS, 6);
    expect(ends).toEqual([]);
    jest.advanceTimersByTime(Math.ceil(2 * FRAME_MS));
    expect(ends).toEqual([null]);
  });

  it('reports ffmpeg failing with its last line of stderr; 255 (ffmpeg stopped by a signal it caught) is a clean end', async () => {
    encoder(file);
    runner.only().stderr.write('[mp3 @ 0x1] Header missing\nfile:/media/ban-tin.mp3: Invalid data found when processing input\n');
    await settle();
    runner.only().exit(1);
    await settle();
    expect(ends).toEqual(['ffmpeg dừng với mã 1: file:/media/ban-tin.mp3: Invalid data found when processing input']);

    runner = new FakeProcessRunner();
    ends = [];
    encoder(file);
    runner.only().exit(255);
    await settle();
    jest.runOnlyPendingTimers();
    expect(ends).toEqual([null]);
  });

  it('says so when ffmpeg cannot be started', async () => {
    encoder(file);
    runner.only().fail(new Error('spawn /usr/bin/ffmpeg ENOENT'));
    await settle();
    expect(ends).toEqual(['không chạy được ffmpeg: spawn /usr/bin/ffmpeg ENOENT']);
  });

  it('stop kills ffmpeg at once and nothing more is sent, even what was already encoded', async () => {
    const e = encoder(file);
    const child = runner.only();
    child.stdout.write(mp3Frames(40));
    await settle();
    expect(groups).toHaveLength(1);
    e.stop();
    expect(child.kills).toEqual(['SIGKILL']);
    expect(ends).toEqual([null]);
    await settle();
    jest.advanceTimersByTime(5000);
    expect(groups).toHaveLength(1);
    expect(ends).toEqual([null]);
  });

  it('ending a file’s input asks ffmpeg to stop (SIGTERM); a microphone’s input is closed instead, after its audio went through', async () => {
    encoder(file).endInput();
    expect(runner.only().kills).toEqual(['SIGTERM']);

    runner = new FakeProcessRunner();
    const mic = encoder({ kind: 'pipe', format: ['-f', 's16le', '-ar', '48000', '-ac', '1'] });
    const child = runner.only();
    expect(child.inputClosed).toBe(false);
    expect(mic.write(Buffer.from('pcm-1'))).toBe(true);
    expect(mic.write(Buffer.from('pcm-2'))).toBe(true);
    mic.endInput();
    await settle();
    expect(child.input().toString()).toBe('pcm-1pcm-2');
    expect(child.inputClosed).toBe(true);
    expect(child.kills).toEqual([]);
  });

  it('hands a stream’s bytes to ffmpeg’s input, and kills ffmpeg when the stream breaks off', async () => {
    const body = new PassThrough();
    encoder({ kind: 'stream', body, format: 'mp3' });
    const child = runner.only();
    body.write('icy-bytes');
    await settle();
    expect(child.input().toString()).toBe('icy-bytes');
    body.destroy(new Error('read ECONNRESET'));
    await settle();
    expect(child.kills).toEqual(['SIGKILL']);
    await settle();
    expect(ends).toEqual(['luồng phát bị ngắt: read ECONNRESET']);
  });

  it('pauses ffmpeg’s output while more than five seconds wait to be sent, and resumes it under two', async () => {
    encoder(file);
    const child = runner.only();
    child.stdout.write(mp3Frames(240)); // 6.3 s
    await settle();
    expect(child.stdout.isPaused()).toBe(true);
    jest.advanceTimersByTime(3500);
    expect(child.stdout.isPaused()).toBe(true);
    jest.advanceTimersByTime(1500);
    expect(child.stdout.isPaused()).toBe(false);
  });
});
