import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { TTS_TIMEOUT_MS, TtsEngine, TtsError } from './tts-engine';

/**
 * Any speech program installed on the server (piper, a vendor's CLI…): started without a shell, the text
 * on its standard input, `{out}` in its arguments replaced by the WAV file to write, `{voice}` by the voice.
 */
export class CommandEngine implements TtsEngine {
  readonly name: string;

  constructor(
    private readonly command: string[],
    private readonly workFile: () => string,
  ) {
    if (command.length === 0) throw new Error('TTS command is empty');
    this.name = command[0];
  }

  async synthesise(text: string, voice: string, signal?: AbortSignal): Promise<Buffer> {
    const out = this.workFile();
    const [program, ...args] = this.command.map((a) => a.replaceAll('{out}', out).replaceAll('{voice}', voice));
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(program, args, { stdio: ['pipe', 'ignore', 'pipe'], timeout: TTS_TIMEOUT_MS, killSignal: 'SIGKILL', signal });
        const err: Buffer[] = [];
        child.stderr.on('data', (b: Buffer) => err.push(b));
        child.stdin.on('error', () => undefined);
        child.on('error', (e) => reject(new TtsError(`${program} could not run: ${e.message}`)));
        child.on('close', (code) =>
          code === 0 ? resolve() : reject(new TtsError(`${program} failed (${code}): ${Buffer.concat(err).toString('utf8').slice(-500)}`)),
        );
        child.stdin.end(text, 'utf8');
      });
      return await readFile(out);
    } catch (err) {
      if (err instanceof TtsError) throw err;
      throw new TtsError(`${program} wrote no audio: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await rm(out, { force: true });
    }
  }
}
