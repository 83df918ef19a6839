import type { EncodedGroup, EncoderInput } from '../../../apps/server/src/live/live-encoder';

/**
 * Stands in for the live encoder (through `jest.mock` of its module) so a round runs without ffmpeg: the
 * spec emits groups and ends the round by hand. It takes its input and callbacks by kind rather than by
 * place, so it fits however the encoder's constructor is given its other collaborators.
 */
export class FakeLiveEncoder {
  /** Every encoder made, oldest first. */
  static readonly made: FakeLiveEncoder[] = [];

  readonly input: EncoderInput;
  readonly written: Buffer[] = [];
  started = false;
  inputEnded = false;
  private done = false;
  private readonly onGroup: (g: EncodedGroup) => void;
  private readonly onEnd: (error: string | null) => void;

  constructor(...args: unknown[]) {
    this.input = args.find((a): a is EncoderInput => typeof a === 'object' && a !== null && 'kind' in a)!;
    const callbacks = args.filter((a): a is (...x: never[]) => unknown => typeof a === 'function');
    this.onGroup = callbacks.at(-2) as (g: EncodedGroup) => void;
    this.onEnd = callbacks.at(-1) as (error: string | null) => void;
    FakeLiveEncoder.made.push(this);
  }

  static last(): FakeLiveEncoder {
    const e = FakeLiveEncoder.made.at(-1);
    if (!e) throw new Error('no encoder was made');
    return e;
  }

  start(): void {
    this.started = true;
  }

  write(chunk: Buffer): boolean {
    this.written.push(chunk);
    return true;
  }

  endInput(): void {
    this.inputEnded = true;
  }

  /** Like the real one: stops at once and reports the round over. */
  stop(): void {
    this.end(null);
  }

  /** One group of encoded audio. */
  emit(payload: Buffer, at = 0, durationMs = 100): void {
    this.onGroup({ payload, at, durationMs });
  }

  /** The source ran out (or failed, with `error`). */
  end(error: string | null = null): void {
    if (this.done) return;
    this.done = true;
    this.onEnd(error);
  }
}

/**
 * For a describe of the live relay's specs: before each test the timers are faked (the event loop's own
 * turns stay real, since rounds and the cluster link wait on them) and the encoders made so far forgotten.
 */
export function withFakeLiveTimers(): void {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    FakeLiveEncoder.made.length = 0;
  });
  afterEach(() => jest.useRealTimers());
}
