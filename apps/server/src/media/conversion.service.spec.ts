import { FakeFfmpeg } from '../../../../test/support/fakes/ffmpeg.fake';
import { assetRow } from '../../../../test/support/fakes/media.fake';
import { InMemoryMediaStore } from '../../../../test/support/fakes/media-store.fake';
import { ConversionService } from './conversion.service';
import { TranscodeAborted } from './ffmpeg.service';
import type { MediaSettings } from './media-settings';
import { SilentInput } from './normaliser';

function setup(settings: Partial<MediaSettings> = {}) {
  const store = new InMemoryMediaStore();
  const ffmpeg = new FakeFfmpeg(store);
  const service = new ConversionService(store, ffmpeg.asService(), ffmpeg.asProbe(), { mediaDir: '/nowhere', maxUploadBytes: 1, ...settings });
  const asset = assetRow({ id: 'a1', status: 'processing', sha256: null, originalDurationMs: 65_000, targetLufs: -16 });
  const input = { path: store.pathOf('orig-a1', 'wav'), format: 'wav' };
  return { store, ffmpeg, service, asset, input, output: store.tempPath('.mp3') };
}

describe('ConversionService on a fake ffmpeg and an in-memory store', () => {
  it('normalises the original into the store and reports what the broadcast file holds and what was cut', async () => {
    const { store, ffmpeg, service, asset, input, output } = setup();
    ffmpeg.probes.set(output, { ok: true, audio: { formatName: 'mp3', codec: 'mp3', sampleRate: 44100, channels: 1, durationMs: 60_000, bitrateKbps: null } });
    const progress: number[] = [];

    const facts = await service.convert(asset, input, output, { onProgress: (p) => progress.push(p) });

    expect(facts).toMatchObject({
      size: Buffer.byteLength(`broadcast of ${input.path}`),
      durationMs: 60_000,
      sampleRate: 44100,
      channels: 1,
      // The probe names no bitrate: the configured one is what was encoded.
      bitrateKbps: 96,
      inputLufs: -30,
      outputLufs: -16,
      outputTruePeakDbtp: -2,
      loudnessWarning: null,
      liveGainDb: 0,
      trimmedMs: 5_000,
    });
    expect(store.stored()).toEqual([`${facts.sha256}.mp3`]);
    expect(store.workFiles()).toEqual([]);
    expect(progress.length).toBeGreaterThan(0);
    expect(Math.max(...progress)).toBeLessThan(100);
  });

  it('encodes to the configured format and the asset’s own target', async () => {
    const { ffmpeg, service, asset, input, output } = setup({ broadcast: { sampleRate: 48000, channels: 2, bitrateKbps: 128 } });
    const formats: unknown[] = [];
    const encode = ffmpeg.encodeMeasured.bind(ffmpeg);
    ffmpeg.encodeMeasured = (i, o, f, format, options) => (formats.push(format), encode(i, o, f, format, options));
    ffmpeg.reading = { integratedLufs: -23, truePeakDbtp: -3 };
    const facts = await service.convert({ ...asset, targetLufs: -23 }, input, output);
    expect(formats).toContainEqual({ sampleRate: 48000, channels: 2, bitrateKbps: 128 });
    expect(facts).toMatchObject({ outputLufs: -23, bitrateKbps: expect.any(Number) });
  });

  it('throws SilentInput for a silent original, and TranscodeAborted when stopped, storing nothing', async () => {
    const { store, ffmpeg, service, asset, input, output } = setup();
    ffmpeg.analysis = { ...ffmpeg.analysis, reading: { integratedLufs: -75, truePeakDbtp: -60 } };
    await expect(service.convert(asset, input, output)).rejects.toBeInstanceOf(SilentInput);

    const stopped = setup();
    const abort = new AbortController();
    abort.abort();
    await expect(stopped.service.convert(stopped.asset, stopped.input, stopped.output, { signal: abort.signal })).rejects.toBeInstanceOf(TranscodeAborted);
    expect(store.files.size + stopped.store.files.size).toBe(0);
  });

  it('refuses a converted file that does not probe', async () => {
    const { store, ffmpeg, service, asset, input, output } = setup();
    ffmpeg.probes.set(output, { ok: false, reason: 'no audio stream' });
    await expect(service.convert(asset, input, output)).rejects.toThrow(/does not probe: no audio stream/);
    expect(store.stored()).toEqual([]);
  });
});
