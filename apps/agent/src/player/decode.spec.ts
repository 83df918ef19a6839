import { FakeProcessRunner } from '../../../../test/support/fakes/process.fake';
import { decodeToPcm, probeChannels } from './decode';

describe('decoding through the process runner', () => {
  it('reads the channel count from ffprobe and gives ffprobe 15 s', async () => {
    const runner = new FakeProcessRunner(() => ({ stdout: Buffer.from('2\n') }));
    await expect(probeChannels('/cache/a.mp3', runner)).resolves.toBe(2);
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0].args.at(-1)).toBe('/cache/a.mp3');
    expect(runner.calls[0].options.timeoutMs).toBe(15_000);
  });

  it('says in Vietnamese why a file could not be probed or has no audio', async () => {
    await expect(probeChannels('/cache/x.mp3', new FakeProcessRunner(() => ({ code: 1, stderr: '/cache/x.mp3: Invalid data found when processing input\n' })))).rejects.toThrow(
      'không đọc được tệp âm thanh: /cache/x.mp3: Invalid data found when processing input',
    );
    await expect(probeChannels('/cache/y.mp3', new FakeProcessRunner(() => ({ stdout: Buffer.from('\n') })))).rejects.toThrow('tệp không có luồng âm thanh');
  });

  it('returns what ffmpeg decoded, and its exit code when it failed', async () => {
    const pcm = Buffer.from([1, 2, 3, 4]);
    await expect(decodeToPcm('/cache/a.mp3', 1, new FakeProcessRunner(() => ({ stdout: pcm })))).resolves.toEqual(pcm);
    await expect(decodeToPcm('/cache/a.mp3', 1, new FakeProcessRunner(() => ({ code: 1, stderr: 'boom' })))).rejects.toThrow(/^giải mã thất bại \(ffmpeg 1\)/);
  });
});
