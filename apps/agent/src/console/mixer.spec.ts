import { FakeProcessRunner } from '../../../../test/support/fakes/process.fake';
import { amixerVolume } from './mixer';

describe('amixerVolume', () => {
  it('sets the named control of the card to the level in percent', async () => {
    const processes = new FakeProcessRunner();
    await amixerVolume(processes, 'hw:1', 'Master')('whole', 70);
    expect(processes.calls).toHaveLength(1);
    expect(processes.calls[0]).toMatchObject({ command: 'amixer', args: ['-D', 'hw:1', '-q', 'sset', 'Master', '70%'] });
    expect(processes.calls[0].options.timeoutMs).toBeGreaterThan(0);
  });

  it("rejects with amixer's words, a hung amixer, or a missing one", async () => {
    const refused = new FakeProcessRunner(() => ({ code: 1, stderr: "amixer: Unable to find simple control 'Loa',0\n" }));
    await expect(amixerVolume(refused, 'hw:1', 'Loa')('whole', 50)).rejects.toThrow("amixer: amixer: Unable to find simple control 'Loa',0");
    const hung = new FakeProcessRunner(() => ({ code: 128, signal: 'SIGKILL', timedOut: true }));
    await expect(amixerVolume(hung, 'hw:1', 'Master')('whole', 50)).rejects.toThrow('amixer: không trả lời sau 10 giây');
    const missing = new FakeProcessRunner(() => new Error('spawn amixer ENOENT'));
    await expect(amixerVolume(missing, 'hw:1', 'Master')('whole', 50)).rejects.toThrow('amixer: spawn amixer ENOENT');
  });
});
