import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ffmpegPath } from '@loa/ffmpeg';
import type { ScheduleItem } from '@loa/protocol';
import type { Clock } from '../clock';
import { decodeArgs, probeChannels } from './decode';
import { SAMPLE_RATE, type Playback, type PlaybackResult, type Player, type Prepared } from './player';

/** About a second of stereo PCM read ahead, so the first write at the instant needs no decoding. */
const HEAD_BYTES = SAMPLE_RATE * 2 * 2;

interface AlsaPrepared extends Prepared {
  decoder: ChildProcessWithoutNullStreams;
  output: ChildProcessWithoutNullStreams;
  head: Buffer;
  outputError: () => string;
  exited: Promise<number | null>;
}

function tail(acc: { text: string }, child: ChildProcessWithoutNullStreams): void {
  child.stderr.on('data', (c: Buffer) => (acc.text = (acc.text + c.toString()).slice(-2000)));
}

/**
 * Plays to a sound card through ffmpeg's ALSA output. Both processes (MP3 decoder and PCM → ALSA writer)
 * are spawned at prepare time and the first second of audio is already decoded, so at the instant the
 * only work is a write into a pipe.
 */
export class AlsaPlayer implements Player {
  readonly kind = 'alsa';
  private readonly live = new Set<AlsaPrepared>();

  constructor(
    private readonly device: string,
    private readonly clock: Clock,
  ) {}

  async prepare(item: ScheduleItem, filePath: string): Promise<Prepared> {
    const channels = await probeChannels(filePath);
    const decoder = spawn(ffmpegPath(), decodeArgs(filePath, channels), { stdio: ['pipe', 'pipe', 'pipe'] });
    const output = spawn(
      ffmpegPath(),
      ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', String(channels), '-i', 'pipe:0', '-f', 'alsa', this.device],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const decErr = { text: '' };
    const outErr = { text: '' };
    tail(decErr, decoder);
    tail(outErr, output);
    decoder.stdin.end();
    output.stdout.resume();
    // A write to a dead output process must surface as a playback error, not an unhandled 'error' event.
    output.stdin.on('error', () => {});
    const exited = new Promise<number | null>((resolve) => {
      output.on('error', (e) => {
        outErr.text += e.message;
        resolve(-1);
      });
      output.on('close', (code) => resolve(code));
    });

    const kill = () => {
      decoder.kill('SIGKILL');
      output.kill('SIGKILL');
    };
    try {
      const head = await readHead(decoder, decErr);
      const prepared: AlsaPrepared = {
        item,
        filePath,
        decoder,
        output,
        head,
        exited,
        outputError: () => outErr.text.trim().split('\n').pop() ?? '',
        release: () => {
          this.live.delete(prepared);
          kill();
        },
      };
      this.live.add(prepared);
      return prepared;
    } catch (e) {
      kill();
      throw e;
    }
  }

  start(p: Prepared): Playback {
    const prepared = p as AlsaPrepared;
    const startedAt = this.clock.serverNow();
    prepared.output.stdin.write(prepared.head);
    prepared.decoder.stdout.pipe(prepared.output.stdin);
    prepared.decoder.stdout.resume();

    let stopped = false;
    const finished = prepared.exited.then((code): PlaybackResult => {
      this.live.delete(prepared);
      prepared.decoder.kill('SIGKILL');
      const endedAt = this.clock.serverNow();
      const playedMs = Math.round(Math.max(0, endedAt - startedAt));
      if (stopped || code === 0) return { endedAt, playedMs, stopped };
      return {
        endedAt,
        playedMs,
        stopped,
        error: `Lỗi thiết bị âm thanh "${this.device}" (ffmpeg thoát mã ${code}): ${prepared.outputError() || 'không rõ lý do'}`,
      };
    });
    return {
      startedAt,
      finished,
      stop: () => {
        stopped = true;
        prepared.release();
      },
    };
  }

  async close(): Promise<void> {
    const all = [...this.live];
    for (const p of all) p.release();
    await Promise.allSettled(all.map((p) => p.exited));
  }
}

/** Reads the first HEAD_BYTES of decoded audio (or all of a shorter file) and pauses the decoder. */
function readHead(decoder: ChildProcessWithoutNullStreams, err: { text: string }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (e?: Error) => {
      decoder.stdout.off('data', onData);
      decoder.stdout.off('end', onEnd);
      decoder.off('error', onError);
      decoder.stdout.pause();
      if (e) reject(e);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size >= HEAD_BYTES) done();
    };
    const onEnd = () => (size > 0 ? done() : done(new Error(`giải mã thất bại: ${err.text.trim() || 'tệp rỗng'}`)));
    const onError = (e: Error) => done(e);
    decoder.stdout.on('data', onData);
    decoder.stdout.on('end', onEnd);
    decoder.on('error', onError);
  });
}
