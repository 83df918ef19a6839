import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeProcessRunner } from '../../../../test/support/fakes/process.fake';
import { sinkFileName } from '../player/file-player';
import { SAMPLE_RATE } from '../player/player';
import { AlsaLiveOutput, FileLiveOutput, type LiveAiring } from './live-output';

const turn = () => new Promise((r) => setImmediate(r));

describe('live outputs on a fake process runner', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'loa-live-out-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const airing: LiveAiring = {
    occurrenceId: 'live:r1:1',
    relayId: 'r1',
    plannedAt: Date.parse('2026-12-05T08:00:00.000Z'),
    startedAt: Date.parse('2026-12-05T08:00:00.000Z') + 212.5,
    channels: 1,
  };

  it('decodes the MP3 it is fed into a WAV stamped against the planned instant, and journals it', async () => {
    const processes = new FakeProcessRunner();
    const sink = new FileLiveOutput(dir, processes).open(airing);
    const [{ command, args, child }] = processes.started;
    expect(command).toMatch(/ffmpeg$/);
    expect(args).toEqual(expect.arrayContaining(['-f', 'mp3', '-i', 'pipe:0', '-ac', '1', 'pipe:1']));
    sink.write(Buffer.from('mp3-1'));
    sink.write(Buffer.from('mp3-2'));
    const pcm = Buffer.alloc(SAMPLE_RATE * 2, 7);
    child.stdout.write(pcm);
    const ending = sink.end();
    await turn();
    expect(child.stdin.bytes().toString()).toBe('mp3-1mp3-2');
    expect(child.stdin.ended).toBe(true);
    child.exit(0);
    await expect(ending).resolves.toBeNull();

    const record = JSON.parse(readFileSync(join(dir, 'sink.jsonl'), 'utf8').trim());
    expect(record).toMatchObject({
      occurrenceId: 'live:r1:1',
      slotId: 'r1',
      plannedAt: '2026-12-05T08:00:00.000Z',
      startedAt: '2026-12-05T08:00:00.212Z',
      startErrorMs: 212.5,
      durationMs: 1000,
      file: sinkFileName(airing.startedAt, airing.occurrenceId),
    });
    expect(readFileSync(join(dir, record.file)).subarray(44)).toEqual(pcm);
  });

  it("sends the MP3 to the card and says how the decoder ended, in ffmpeg's words", async () => {
    const processes = new FakeProcessRunner();
    const sink = new AlsaLiveOutput('hw:1,0', processes).open(airing);
    const [{ args, child }] = processes.started;
    expect(args.slice(-5)).toEqual(['-f', 'alsa', '-ac', '1', 'hw:1,0']);
    sink.write(Buffer.from('mp3'));
    child.stderr.write('[alsa @ 0x2] cannot open audio device hw:1,0 (Device or resource busy)\n');
    await turn();
    child.exit(1);
    await expect(sink.end()).resolves.toMatch(/^đầu ra âm thanh dừng \(mã 1\): .*Device or resource busy/);
  });
});
