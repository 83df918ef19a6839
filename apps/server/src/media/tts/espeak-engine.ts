import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
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

  synthesise(text: string, voice: string, signal?: AbortSignal): Promise<Buffer> {
    // A leading "-" would be read as an option by espeak's argument parser.
    const safe = ' ' + text.replace(/^[\s-]+/, '');
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', WORKER, this.moduleUrl, voice], {
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: TTS_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        signal,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.stdin.on('error', () => undefined);
      child.on('error', (e) => reject(new TtsError(`espeak-ng could not run: ${e.message}`)));
      child.on('close', (code) => {
        const wav = Buffer.concat(out);
        if (code === 0 && wav.length > 44) return resolve(wav);
        reject(new TtsError(`espeak-ng failed (${code}): ${Buffer.concat(err).toString('utf8').slice(-500)}`));
      });
      child.stdin.end(safe, 'utf8');
    });
  }
}
