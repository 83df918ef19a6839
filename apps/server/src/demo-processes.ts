import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ffmpegPath } from '@loa/ffmpeg';
import type { ProcessRunner } from '@loa/process';

/** The agent's entry point, beside the server's in the build. */
export const AGENT_MAIN = join(__dirname, '..', '..', 'agent', 'src', 'main.js');

/**
 * Starts one demo agent as its own process, as on a station box, so one station's work never delays
 * another's start; each line it writes is printed with its station's code in front.
 */
export function startDemoAgent(
  processes: ProcessRunner,
  code: string,
  env: Record<string, string>,
  print: (line: string) => void = (line) => console.log(line),
): ChildProcess {
  const child = processes.start(process.execPath, [AGENT_MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((l) => l.trim())
      .forEach((l) => print(`[${code}] ${l}`));
  child.stdout?.on('data', prefix);
  child.stderr?.on('data', prefix);
  return child;
}

/** Asks every agent still running to stop, and waits until each has. */
export async function stopDemoAgents(agents: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    agents.map(
      (a) =>
        new Promise<void>((resolve) => {
          if (a.exitCode !== null || a.signalCode !== null) return resolve();
          a.once('exit', () => resolve());
          a.kill('SIGTERM');
        }),
    ),
  );
}

/** A three-note chime, then a steady tone: easy to recognise in the sink's recordings. */
const NOTES: [frequency: number, seconds: number][] = [[523.25, 0.5], [659.25, 0.5], [783.99, 0.5], [440, 13.5]];

/** Writes the demo programme's audio (a WAV file) with ffmpeg; throws with ffmpeg's complaint when it fails. */
export async function makeDemoChime(processes: ProcessRunner, file: string): Promise<void> {
  const inputs = NOTES.flatMap(([f, d]) => ['-f', 'lavfi', '-i', `sine=frequency=${f}:sample_rate=44100:duration=${d}`]);
  const concat = `${NOTES.map((_, i) => `[${i}]`).join('')}concat=n=${NOTES.length}:v=0:a=1,volume=0.5`;
  const result = await processes.run(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...inputs, '-filter_complex', concat, file]);
  if (result.code !== 0) throw new Error(`ffmpeg không tạo được chương trình mẫu (ffmpeg could not make the demo programme, exit ${result.code}): ${result.stderr.trim()}`);
}
