import type { FfmpegBinaries } from '@loa/ffmpeg';
import { FakeProcessRunner } from '../../../../test/support/fakes/process.fake';
import { AudioProbeService } from './audio-probe.service';

const BINARIES: FfmpegBinaries = { ffmpeg: '/opt/ffmpeg', ffprobe: '/opt/ffprobe', source: 'system', version: '5.1', libavformatMajor: 59 };

function probing(stdout: unknown, code = 0, stderr = '') {
  const runner = new FakeProcessRunner(() => ({ code, stdout: Buffer.from(typeof stdout === 'string' ? stdout : JSON.stringify(stdout)), stderr }));
  return { runner, service: new AudioProbeService(BINARIES, runner) };
}

describe('AudioProbeService on a fake process runner', () => {
  it('reads the container and first audio stream from ffprobe, reading local files through allowed demuxers only', async () => {
    const { runner, service } = probing({
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '61.5', bit_rate: '128000' },
      streams: [{ codec_type: 'video', codec_name: 'h264' }, { codec_type: 'audio', codec_name: 'aac', sample_rate: '48000', channels: 2 }],
    });
    expect(await service.probe('/tmp/a:b.m4a')).toEqual({
      ok: true,
      audio: { formatName: 'mov,mp4,m4a,3gp,3g2,mj2', codec: 'aac', sampleRate: 48000, channels: 2, durationMs: 61_500, bitrateKbps: 128 },
    });
    const [call] = runner.calls;
    expect(call.command).toBe('/opt/ffprobe');
    expect(call.args).toEqual(expect.arrayContaining(['-protocol_whitelist', 'file', '-format_whitelist', 'file:/tmp/a:b.m4a']));
    expect(call.options.timeoutMs).toBe(60_000);
  });

  it.each([
    ['ffprobe failing', probing('', 1, 'x.mp3: Invalid data found when processing input\n'), 'x.mp3: Invalid data found when processing input'],
    ['output that is not JSON', probing('not json'), 'ffprobe output is not JSON'],
    ['a playlist', probing({ format: { format_name: 'hls' }, streams: [] }), 'format hls is not one uploads may use'],
    ['no audio stream', probing({ format: { format_name: 'mp3' }, streams: [{ codec_type: 'video' }] }), 'no audio stream'],
    ['an audio stream without a codec', probing({ format: { format_name: 'wav' }, streams: [{ codec_type: 'audio', sample_rate: '8000', channels: 1 }] }), 'audio stream without a usable codec'],
  ])('says why a file is not audio: %s', async (_label, { service }, reason) => {
    expect(await service.probe('/tmp/x.mp3')).toEqual({ ok: false, reason });
  });

  it('leaves the duration and bitrate unknown when the file declares neither', async () => {
    const { service } = probing({ format: { format_name: 'wav', duration: 'N/A' }, streams: [{ codec_type: 'audio', codec_name: 'pcm_s16le', sample_rate: '8000', channels: 1 }] });
    expect(await service.probe('/tmp/x.wav')).toMatchObject({ ok: true, audio: { durationMs: null, bitrateKbps: null } });
  });

  it('decodes with the demuxer forced and stops past the limit, reporting what decoded and the decoder’s errors', async () => {
    const runner = new FakeProcessRunner(() => ({
      code: 0,
      stdout: Buffer.from('out_time_ms=1000000\nprogress=continue\nout_time_us=2000500\nprogress=end\n'),
      stderr: 'error one\n\n  error two  \n',
    }));
    const service = new AudioProbeService(BINARIES, runner);
    expect(await service.checkDecodes({ path: '/tmp/x.mp3', format: 'mp3' }, 2500)).toEqual({ decodedMs: 2001, errors: ['error one', 'error two'] });
    const [call] = runner.calls;
    expect(call.command).toBe('/opt/ffmpeg');
    expect(call.args.join(' ')).toContain('-f mp3 -i file:/tmp/x.mp3 -map 0:a:0 -t 2.500 -f null');
  });

  it('counts a decoder that exits badly without a word as an error', async () => {
    const runner = new FakeProcessRunner(() => ({ code: 187, stdout: Buffer.alloc(0), stderr: '' }));
    const service = new AudioProbeService(BINARIES, runner);
    expect(await service.checkDecodes({ path: '/tmp/x.wav', format: 'wav' })).toEqual({ decodedMs: 0, errors: ['ffmpeg exited with 187'] });
    expect(runner.calls[0].args).not.toContain('-t');
  });
});
