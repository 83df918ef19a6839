import { pathToFileURL } from 'node:url';
import { ProcessRunner } from '@loa/process';
import { TTS_TIMEOUT_MS, TtsEngine, TtsError } from './tts-engine';

/**
 * Runs the espeak-ng WebAssembly build in a child Node process: the package is an ES module that finds its
 * WASM through import.meta.url, and a child keeps its 32 MB heap and any crash away from the server.
 * The text comes on standard input, the WAV goes out on standard output.
 */
const WORKER = `
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const text = Buffer.concat(chunks).toString('utf8');
const { default: ESpeakNg } = await import(process.argv[1]);
const es = await ESpeakNg({ arguments: ['-v', process.argv[2], '-w', '/out.wav', text], print: () => {}, printErr: (s) => process.stderr.write(s + '\\n') });
process.stdout.write(Buffer.from(es.FS.readFile('/out.wav')));
`;

export class EspeakEngine implements TtsEngine {
  readonly name = 'espeak-ng';
  private readonly moduleUrl = pathToFileURL(require.resolve('espeak-ng')).href;

  constructor(private readonly processes: ProcessRunner = new ProcessRunner()) {}

  async synthesise(text: string, voice: string, signal?: AbortSignal): Promise<Buffer> {
    // A leading "-" would be read as an option by espeak's argument parser.
    const safe = ' ' + text.replace(/^[\s-]+/, '');
    const run = await this.processes
      .run(process.execPath, ['--input-type=module', '-e', WORKER, this.moduleUrl, voice], { input: Buffer.from(safe, 'utf8'), timeoutMs: TTS_TIMEOUT_MS, signal })
      .catch((e: unknown) => {
        throw new TtsError(`espeak-ng could not run: ${e instanceof Error ? e.message : String(e)}`);
      });
    if (run.code === 0 && run.stdout.length > 44) return run.stdout;
    throw new TtsError(`espeak-ng failed (${run.code}): ${run.stderr.slice(-500)}`);
  }
}
