import type { ChildProcess, ChildProcessWithoutNullStreams, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { ProcessRunner, type RunOptions, type RunResult, type RunSyncOptions } from '../../../libs/process/src';

/**
 * A started process that is not one: the spec writes its output, reads what was written to its input, and
 * ends it. It starts on the next tick ('spawn'), and a kill ends it on the next tick with that signal, as a
 * real program that does not catch the signal would.
 */
export class FakeChild extends EventEmitter {
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  /** Every signal sent, in order. */
  readonly kills: NodeJS.Signals[] = [];
  readonly pid = 4242;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  killed = false;
  private readonly written: Buffer[] = [];
  private ended = false;

  constructor() {
    super();
    this.stdin.on('data', (b: Buffer) => this.written.push(b));
    process.nextTick(() => this.emit('spawn'));
  }

  /** What the caller wrote to standard input so far. */
  input(): Buffer {
    return Buffer.concat(this.written);
  }

  /** Whether the caller closed standard input. */
  get inputClosed(): boolean {
    return this.stdin.writableEnded;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.kills.push(signal);
    if (this.ended) return false;
    this.killed = true;
    process.nextTick(() => this.exit(null, signal));
    return true;
  }

  /** Ends the program: its output streams close, then 'exit' and 'close' say how. */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.ended) return;
    this.ended = true;
    this.exitCode = code;
    this.signalCode = signal;
    this.stdout.end();
    this.stderr.end();
    this.emit('exit', code, signal);
    this.emit('close', code, signal);
  }

  /** The program could not be started (ENOENT and the like): 'error', then nothing else. */
  fail(error: Error): void {
    this.ended = true;
    this.emit('error', error);
  }
}

/** A process runner that starts nothing: it records each call, answers `run` with what the spec says, and hands out fake children. */
export class FakeProcessRunner extends ProcessRunner {
  readonly calls: { command: string; args: readonly string[]; options: RunOptions }[] = [];
  /** Each process started with `startPiped` or `start`, with the child the caller got. */
  readonly started: { command: string; args: readonly string[]; options: SpawnOptions; child: FakeChild }[] = [];

  /** `answer` may throw, as the real runner does when the program cannot be started. */
  constructor(private readonly answer: (command: string, args: readonly string[]) => Partial<RunResult> = () => ({})) {
    super();
  }

  override run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve) => resolve(this.runSync(command, args, options)));
  }

  override runSync(command: string, args: readonly string[], options: RunSyncOptions = {}): RunResult {
    this.calls.push({ command, args, options });
    return { code: 0, signal: null, stdout: Buffer.alloc(0), stderr: '', timedOut: false, ...this.answer(command, args) };
  }

  override startPiped(command: string, args: readonly string[], options: Omit<SpawnOptions, 'stdio'> = {}): ChildProcessWithoutNullStreams {
    return this.record(command, args, options) as unknown as ChildProcessWithoutNullStreams;
  }

  override start(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    return this.record(command, args, options) as unknown as ChildProcess;
  }

  /** The child of the only process started; fails the spec when there is not exactly one. */
  only(): FakeChild {
    if (this.started.length !== 1) throw new Error(`expected one process started, got ${this.started.length}`);
    return this.started[0].child;
  }

  private record(command: string, args: readonly string[], options: SpawnOptions): FakeChild {
    const child = new FakeChild();
    this.started.push({ command, args, options, child });
    return child;
  }
}
