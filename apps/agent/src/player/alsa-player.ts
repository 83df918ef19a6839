import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ffmpegPath } from '@loa/ffmpeg';
import type { ScheduleItem } from '@loa/protocol';
import type { Clock } from '../clock';
import { decodeArgs, probeChannels } from './decode';
import { ffmpegReason } from './ffmpeg-reason';
import { SAMPLE_RATE, type OutputHealth, type Playback, type PlaybackResult, type Player, type Prepared } from './player';

/** About a second of stereo PCM read ahead, so the first write at the instant needs no decoding. */
const HEAD_BYTES = SAMPLE_RATE * 2 * 2;
/** A probe that has not finished by then is a hung device. */
const PROBE_TIMEOUT_MS = 10_000;

/** ffmpeg arguments that play raw PCM from stdin on an ALSA device. */
function outputArgs(device: string, channels: number): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', String(channels), '-i', 'pipe:0', '-f', 'alsa', device];
}

interface AlsaPrepared extends Prepared {
  decoder: ChildProcessWithoutNullStreams;
  output: ChildProcessWithoutNullStreams;
  head: Buffer;
  outputError: () => string;
  exited: Promise<number | null>;
}

function tail(acc: { text: string }, child: ChildProcessWithoutNullStreams): void {
  child.stderr.on('data', (c: Buffer) => (acc.text = (acc.text + c.toString()).slice(-4000)));
}

/**
 * Plays to a sound card through ffmpeg's ALSA output. Both processes (MP3 decoder and PCM → ALSA writer)
 * are spawned at prepare time and the first second of audio is already decoded, so at the instant the
 * only work is a write into a pipe.
 */
export class AlsaPlayer implements Player {
  readonly kind = 'alsa';
  private readonly live = new Set<AlsaPrepared>();
  private state: OutputHealth | null = null;

  constructor(
    private readonly device: string,
    private readonly clock: Clock,
  ) {}

  async prepare(item: ScheduleItem, filePath: string): Promise<Prepared> {
    const channels = await probeChannels(filePath);
    const decoder = spawn(ffmpegPath(), decodeArgs(filePath, channels), { stdio: ['pipe', 'pipe', 'pipe'] });
    const output = spawn(ffmpegPath(), outputArgs(this.device, channels), { stdio: ['pipe', 'pipe', 'pipe'] });
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
        outputError: () => ffmpegReason(outErr.text),
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
      const elapsed = Math.round(Math.max(0, endedAt - startedAt));
      // ffmpeg leaves once the device has taken the last samples, which a sound server's buffer may do a
      // second or two before they are heard: a clean exit means the whole programme went out.
      const playedMs = code === 0 && !stopped ? Math.max(elapsed, prepared.item.media.durationMs) : elapsed;
      if (code === 0) this.state = { device: this.device, ok: true, checkedAt: Date.now(), error: null };
      if (stopped || code === 0) return { endedAt, playedMs, stopped };
      const error = `Lỗi thiết bị âm thanh "${this.device}" (ffmpeg thoát mã ${code}): ${prepared.outputError() || 'không rõ lý do'}`;
      this.state = { device: this.device, ok: false, checkedAt: Date.now(), error };
      return { endedAt, playedMs, stopped, error };
    });
    return {
      startedAt,
      finished,
      stop: () => {
        stopped = true;
        prepared.release();
      },
      // The audio already queued in the pipe and the device cannot be reached to ramp it, so the cut
      // waits out the fade's length and then stops.
      fadeOut: (ms) => {
        setTimeout(() => {
          stopped = true;
          prepared.release();
        }, Math.max(0, ms));
      },
    };
  }

  health(): OutputHealth | null {
    return this.state;
  }

  async probe(): Promise<OutputHealth> {
    // Mono first (the broadcast format); a card that takes only stereo is still a working card.
    let error = await this.tryOpen(1);
    if (error) error = (await this.tryOpen(2)) === null ? null : error;
    this.state = {
      device: this.device,
      ok: error === null,
      checkedAt: Date.now(),
      error: error === null ? null : `Không mở được thiết bị âm thanh "${this.device}": ${error}`,
    };
    return this.state;
  }

  /** Plays a tenth of a second of silence; resolves to the device's words when it cannot. */
  private tryOpen(channels: number): Promise<string | null> {
    return new Promise((resolve) => {
      const child = spawn(ffmpegPath(), outputArgs(this.device, channels), { stdio: ['pipe', 'ignore', 'pipe'] });
      const err = { text: '' };
      child.stderr.on('data', (c: Buffer) => (err.text = (err.text + c.toString()).slice(-4000)));
      child.stdin.on('error', () => {});
      const timer = setTimeout(() => {
        err.text += '\nthiết bị không phản hồi sau 10 giây';
        child.kill('SIGKILL');
      }, PROBE_TIMEOUT_MS);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve(`không chạy được ffmpeg: ${e.message}`);
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(code === 0 ? null : ffmpegReason(err.text) || `ffmpeg thoát mã ${code}`);
      });
      child.stdin.end(Buffer.alloc((SAMPLE_RATE / 10) * 2 * channels));
    });
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
