import { readFile, rm } from 'node:fs/promises';
import { ProcessRunner } from '@loa/process';
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
    private readonly processes: ProcessRunner = new ProcessRunner(),
  ) {
    if (command.length === 0) throw new Error('TTS command is empty');
    this.name = command[0];
  }

  async synthesise(text: string, voice: string, signal?: AbortSignal): Promise<Buffer> {
    const out = this.workFile();
    const [program, ...args] = this.command.map((a) => a.replaceAll('{out}', out).replaceAll('{voice}', voice));
    try {
      const run = await this.processes.run(program, args, { input: Buffer.from(text, 'utf8'), timeoutMs: TTS_TIMEOUT_MS, signal }).catch((e: unknown) => {
        throw new TtsError(`${program} could not run: ${e instanceof Error ? e.message : String(e)}`);
      });
      if (run.code !== 0) throw new TtsError(`${program} failed (${run.code}): ${run.stderr.slice(-500)}`);
      return await readFile(out);
    } catch (err) {
      if (err instanceof TtsError) throw err;
      throw new TtsError(`${program} wrote no audio: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await rm(out, { force: true });
    }
  }
}
