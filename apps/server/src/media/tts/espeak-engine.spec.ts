import { FakeProcessRunner } from '../../../../../test/support/fakes/process.fake';
import { EspeakEngine } from './espeak-engine';

describe('EspeakEngine through the process runner', () => {
  it('speaks Vietnamese text into a WAV', async () => {
    const wav = await new EspeakEngine().synthesise('Xin chào bà con', 'vi');
    expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(wav.length).toBeGreaterThan(44 + 1000);
  });

  it('sends the text, guarded against a leading dash, on standard input and refuses an empty answer', async () => {
    const runner = new FakeProcessRunner(() => ({ stdout: Buffer.alloc(44), stderr: 'voice not found' }));
    await expect(new EspeakEngine(runner).synthesise('-h', 'xx')).rejects.toThrow('espeak-ng failed (0): voice not found');
    expect(runner.calls[0].options.input).toEqual(Buffer.from(' h'));
    expect(runner.calls[0].args.at(-1)).toBe('xx');
  });
});
