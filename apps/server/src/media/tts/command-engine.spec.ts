import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeProcessRunner } from '../../../../../test/support/fakes/process.fake';
import { CommandEngine } from './command-engine';

describe('CommandEngine through the process runner', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'loa-tts-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the program the text on its input and returns the file it wrote', async () => {
    const script = 'let t = ""; process.stdin.on("data", (c) => (t += c)).on("end", () => require("fs").writeFileSync(process.argv[1], t + "|" + process.argv[2]))';
    const engine = new CommandEngine([process.execPath, '-e', script, '{out}', '{voice}'], () => join(dir, 'out.wav'));
    await expect(engine.synthesise('Xin chào bà con', 'vi')).resolves.toEqual(Buffer.from('Xin chào bà con|vi'));
  });

  it('says which program failed, with its exit code and what it wrote to stderr', async () => {
    const runner = new FakeProcessRunner(() => ({ code: 2, stderr: 'no model' }));
    const engine = new CommandEngine(['piper', '--output_file', '{out}'], () => join(dir, 'out.wav'), runner);
    await expect(engine.synthesise('Xin chào', 'vi')).rejects.toThrow('piper failed (2): no model');
    expect(runner.calls[0]).toMatchObject({ command: 'piper', args: ['--output_file', join(dir, 'out.wav')], options: { input: Buffer.from('Xin chào') } });
  });
});
