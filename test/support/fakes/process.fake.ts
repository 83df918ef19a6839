import type { ChildProcess, ChildProcessWithoutNullStreams, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { ProcessRunner, type RunOptions, type RunResult, type RunSyncOptions } from '../../../libs/process/src';

/** A writable end that keeps every byte written to it and whether it was ended. */
export class CapturePipe extends Writable {
  readonly chunks: Buffer[] = [];
  ended = false;

  constructor() {
    super({
      write: (chunk: Buffer, _enc, done) => {
        this.chunks.push(Buffer.from(chunk));
        done();
      },
      final: (done) => {
        this.ended = true;
        done();
      },
    });
  }

  /** Everything written so far, as one buffer. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Drains no stdout: present so code that `resume()`s an extra pipe finds it on a fake as on a real one. */
  resume(): this {
    return this;
  }
}

/**
 * A started process that is only streams: what the code under test writes to its stdin (and to any extra
 * pipe) is kept, its stdout and stderr are written by the spec, and it ends when the spec says or when it
 * is killed, the way a real child does ('spawn' on the next tick; at the end 'exit', then 'close' once its
 * output streams have ended; a program that cannot start gives 'error', then 'close').
 */
export class FakeChild extends EventEmitter {
  readonly stdin = new CapturePipe();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  /** stdin, stdout, stderr, then one capture per extra pipe asked for in `stdio`. */
  readonly stdio: [CapturePipe, PassThrough, PassThrough, ...CapturePipe[]];
  /** Signals sent by `kill`, in order. */
  readonly kills: (NodeJS.Signals | number | undefined)[] = [];
  readonly pid = 4242;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  killed = false;
  private ended = false;

  constructor(extraPipes = 0) {
    super();
    this.stdio = [this.stdin, this.stdout, this.stderr, ...Array.from({ length: extraPipes }, () => new CapturePipe())];
    process.nextTick(() => {
      if (!this.ended) this.emit('spawn');
    });
  }

  /** What the caller wrote to standard input so far. */
  input(): Buffer {
    return this.stdin.bytes();
  }

  /** Whether the caller closed standard input. */
  get inputClosed(): boolean {
    return this.stdin.writableEnded;
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    this.kills.push(signal);
    if (this.ended) return false;
    this.killed = true;
    this.exit(null, typeof signal === 'string' ? signal : 'SIGTERM');
    return true;
  }

  /** Ends the process: its output streams end, then 'exit' and 'close' follow on the next turn. */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.exitCode = code;
    this.signalCode = signal;
    this.stdout.end();
    this.stderr.end();
    setImmediate(() => {
      this.emit('exit', code, signal);
      this.emit('close', code, signal);
    });
  }

  /** The program could not be started (ENOENT and the like). */
  fail(error: Error): void {
    this.ended = true;
    setImmediate(() => {
      this.emit('error', error);
      this.emit('close', -2, null);
    });
  }
}

/**
 * A process runner that starts nothing: it records each call, answers `run` with what the spec says (an
 * Error answer, or one thrown, is the program that cannot start), and hands out a FakeChild for `start` and
 * `startPiped`, kept in `started` for the spec to drive.
 */
export class FakeProcessRunner extends ProcessRunner {
  readonly calls: { command: string; args: readonly string[]; options: RunOptions }[] = [];
  readonly started: { command: string; args: readonly string[]; options: SpawnOptions; child: FakeChild }[] = [];

  constructor(private readonly answer: (command: string, args: readonly string[]) => Partial<RunResult> | Error = () => ({})) {
    super();
  }

  override run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve) => resolve(this.runSync(command, args, options)));
  }

  override runSync(command: string, args: readonly string[], options: RunSyncOptions = {}): RunResult {
    this.calls.push({ command, args, options });
    const answer = this.answer(command, args);
    if (answer instanceof Error) throw answer;
    return { code: 0, signal: null, stdout: Buffer.alloc(0), stderr: '', timedOut: false, ...answer };
  }

  override startPiped(command: string, args: readonly string[], options: Omit<SpawnOptions, 'stdio'> = {}): ChildProcessWithoutNullStreams {
    return this.record(command, args, options, 0) as unknown as ChildProcessWithoutNullStreams;
  }

  override start(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    const extra = Array.isArray(options.stdio) ? Math.max(0, options.stdio.length - 3) : 0;
    return this.record(command, args, options, extra) as unknown as ChildProcess;
  }

  /** The child of the only process started; fails the spec when there is not exactly one. */
  only(): FakeChild {
    if (this.started.length !== 1) throw new Error(`expected one process started, got ${this.started.length}`);
    return this.started[0].child;
  }

  /** The children started with `command`, oldest first. */
  childrenOf(command: string): FakeChild[] {
    return this.started.filter((s) => s.command === command).map((s) => s.child);
  }

  private record(command: string, args: readonly string[], options: SpawnOptions, extraPipes: number): FakeChild {
    const child = new FakeChild(extraPipes);
    this.started.push({ command, args, options, child });
    return child;
  }
}
