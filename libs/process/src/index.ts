import { spawn, spawnSync, type ChildProcess, type ChildProcessWithoutNullStreams, type SpawnOptions } from 'node:child_process';

export interface RunOptions {
  /** Killed with SIGKILL after this long; the result then says `timedOut`. */
  timeoutMs?: number;
  /** Aborting kills the process with SIGKILL. */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Written to standard input, which is then closed; without it standard input is not connected. */
  input?: string | Buffer;
}

/** What a synchronous run takes: no abort signal, as nothing else runs until it returns. */
export type RunSyncOptions = Omit<RunOptions, 'signal'>;

export interface RunResult {
  /** The exit code; 128 when a signal ended the process, 1 when neither is known. */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

/** What `run` and `runSync` spawn with: standard input only when there is input, output collected, SIGKILL on timeout. */
function collecting(options: RunSyncOptions): { stdio: ['ignore' | 'pipe', 'pipe', 'pipe']; env?: NodeJS.ProcessEnv; timeout?: number; killSignal: 'SIGKILL' } {
  return { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: options.env, timeout: options.timeoutMs, killSignal: 'SIGKILL' };
}

/** A finished process's code as a result gives it: its own, 128 when a signal ended it, 1 when neither is known. */
function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  return code ?? (signal ? 128 : 1);
}

/**
 * Every external program both apps start (ffmpeg, ffprobe, aplay, speech engines) goes through this one
 * class, so a spec can hand a service a fake and nothing else in the code spawns a process.
 */
export class ProcessRunner {
  /** Starts a process whose three standard streams are pipes the caller reads and writes. */
  startPiped(command: string, args: readonly string[], options: Omit<SpawnOptions, 'stdio'> = {}): ChildProcessWithoutNullStreams {
    return spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Starts a process with the given stdio; for the rare caller that needs a file descriptor beyond the three. */
  start(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
    return spawn(command, args, options);
  }

  /**
   * Runs a process to its end while the caller waits, for the few answers needed before anything else can
   * start (which ffmpeg build to use); throws only when it could not be started.
   */
  runSync(command: string, args: readonly string[], options: RunSyncOptions = {}): RunResult {
    const result = spawnSync(command, args, { ...collecting(options), input: options.input });
    // A timeout is reported as an error too, though the process did start and was killed.
    const timedOut = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    if (result.error && !timedOut) throw result.error;
    return {
      code: exitCode(result.status, result.signal),
      signal: result.signal,
      stdout: result.stdout ?? Buffer.alloc(0),
      stderr: result.stderr?.toString('utf8') ?? '',
      timedOut,
    };
  }

  /** Runs a process to its end and collects what it wrote; rejects only when it could not be started. */
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { ...collecting(options), signal: options.signal });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (b: Buffer) => out.push(b));
      child.stderr?.on('data', (b: Buffer) => err.push(b));
      if (options.input !== undefined) {
        // A program that exits before reading all of its input closes the pipe; its exit code says what happened.
        child.stdin?.on('error', () => undefined);
        child.stdin?.end(options.input);
      }
      let started = false;
      child.once('spawn', () => (started = true));
      child.once('error', (e) => {
        if (!started) reject(e);
      });
      child.once('close', (code, signal) =>
        resolve({
          code: exitCode(code, signal),
          signal,
          stdout: Buffer.concat(out),
          stderr: Buffer.concat(err).toString('utf8'),
          timedOut: signal === 'SIGKILL' && options.timeoutMs !== undefined && !options.signal?.aborted,
        }),
      );
    });
  }
}
