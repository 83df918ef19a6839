import { ffmpegReason } from './ffmpeg-reason';

describe('ffmpegReason', () => {
  it("keeps the device's own words, not the generic last line", () => {
    const stderr = [
      'ALSA lib ../../src/conf.c:3545:(snd_config_hooks_call) Cannot open shared library libasound_module_conf_pulse.so (/usr/lib/alsa-lib/libasound_module_conf_pulse.so: cannot open shared object file)',
      'ALSA lib ../../../src/pcm/pcm.c:2565:(snd_pcm_open_noupdate) Unknown PCM hw:7,0',
      '[alsa @ 0x2e97b840] cannot open audio device hw:7,0 (No such file or directory)',
      'Could not write header for output file #0 (incorrect codec parameters ?): Input/output error',
      'Error initializing output stream 0:0 -- ',
      '',
    ].join('\n');
    expect(ffmpegReason(stderr)).toBe('alsa: cannot open audio device hw:7,0 (No such file or directory); ALSA: Unknown PCM hw:7,0');
  });

  it('falls back to the last line when nothing specific was said, and to nothing on silence', () => {
    expect(ffmpegReason('Conversion failed!\n')).toBe('Conversion failed!');
    expect(ffmpegReason('')).toBe('');
  });

  it('says each thing once and keeps it short', () => {
    expect(ffmpegReason('a\na\nb\nc\nd\ne\n')).toBe('a; b; c; d');
  });
});
