import type { ChildProcess, ChildProcessWithoutNullStreams } from 'node:child_process';
import { ProcessRunner, type RunOptions, type RunResult } from '../../../libs/process/src';

/** A process runner that starts nothing: it records each call and answers `run` with what the spec says. */
export class FakeProcessRunner extends ProcessRunner {
  readonly calls: { command: string; args: readonly string[]; options: RunOptions }[] = [];

  constructor(private readonly answer: (command: string, args: readonly string[]) => Partial<RunResult> = () => ({})) {
    super();
  }

  override run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ command, args, options });
    return Promise.resolve({ code: 0, signal: null, stdout: Buffer.alloc(0), stderr: '', timedOut: false, ...this.answer(command, args) });
  }

  override startPiped(command: string): ChildProcessWithoutNullStreams {
    throw new Error(`startPiped(${command}) was not expected here`);
  }

  override start(command: string): ChildProcess {
    throw new Error(`start(${command}) was not expected here`);
  }
}
