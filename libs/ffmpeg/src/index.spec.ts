import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeProcessRunner } from '../../../test/support/fakes/process.fake';
import { describeFfmpeg, ffmpegBinaries, npmBinaries, parseVersion, versionOf } from './index';

/** A pair of stand-in binaries whose `-version` says `version` with libavformat `lavf`. */
function fakePair(dir: string, version: string, lavf: number): string {
  mkdirSync(dir, { recursive: true });
  const text = `ffmpeg version ${version} Copyright (c) 2000-2026 the FFmpeg developers\\nlibavutil      57. 28.100 / 57. 28.100\\nlibavformat    ${lavf}. 27.100 / ${lavf}. 27.100\\n`;
  for (const name of ['ffmpeg', 'ffprobe']) {
    writeFileSync(join(dir, name), `#!/bin/sh\nprintf '${text}'\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe('which ffmpeg runs', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'loa-ffbin-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads the version and libavformat major from -version', () => {
    expect(parseVersion('ffmpeg version 5.1.9-0+deb12u1 Copyright\nlibavformat    59. 27.100 / 59. 27.100\n')).toEqual({
      version: '5.1.9-0+deb12u1',
      libavformatMajor: 59,
    });
    expect(parseVersion('garbage')).toEqual({ version: '', libavformatMajor: null });
  });

  it('prefers a recent system build, ffmpeg and ffprobe from the same folder', () => {
    const dir = fakePair(join(root, 'usr-bin'), '5.1.9-0+deb12u1', 59);
    expect(ffmpegBinaries({}, [join(root, 'absent'), dir])).toEqual({
      ffmpeg: join(dir, 'ffmpeg'),
      ffprobe: join(dir, 'ffprobe'),
      source: 'system',
      version: '5.1.9-0+deb12u1',
      libavformatMajor: 59,
    });
  });

  it('passes over an old system build, and one missing its ffprobe, for the npm pair, and says how old that is', () => {
    const old = fakePair(join(root, 'old'), '4.1.6', 58);
    const half = fakePair(join(root, 'half'), '6.0', 60);
    rmSync(join(half, 'ffprobe'));
    const chosen = ffmpegBinaries({}, [old, half]);
    expect(chosen.source).toBe('npm');
    expect(chosen).toEqual(npmBinaries());
    const line = describeFfmpeg(chosen);
    expect(line.level).toBe('warn');
    expect(line.text).toMatch(/npm package.*libavformat 58 from 2018.*apt-get install ffmpeg/);
  });

  it('FFMPEG_PATH wins over the system build, and its ffprobe is taken from beside it', () => {
    const system = fakePair(join(root, 'system'), '5.1', 59);
    const own = fakePair(join(root, 'own'), '7.1', 61);
    const chosen = ffmpegBinaries({ FFMPEG_PATH: join(own, 'ffmpeg') }, [system]);
    expect(chosen).toMatchObject({ ffmpeg: join(own, 'ffmpeg'), ffprobe: join(own, 'ffprobe'), source: 'env', libavformatMajor: 61 });
    expect(describeFfmpeg(chosen)).toEqual({ level: 'log', text: expect.stringContaining('FFMPEG_PATH') });
  });

  it('an override naming a missing file stops with a message naming the variable', () => {
    expect(() => ffmpegBinaries({ FFPROBE_PATH: join(root, 'nowhere', 'ffprobe') }, [])).toThrow(/FFMPEG_PATH.*không tìm thấy/);
  });
});

describe('reading a build’s version through the process runner', () => {
  const text = (lavf: number) => Buffer.from(`ffmpeg version 6.1.2 Copyright (c) 2000-2026\nlibavformat    ${lavf}. 3.100 / ${lavf}. 3.100\n`);
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'loa-ffver-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Both binaries present (never run: the fake runner answers for them). */
  const pair = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir);
    for (const b of ['ffmpeg', 'ffprobe']) writeFileSync(join(dir, b), '');
    return dir;
  };

  it('runs `-version` with a ten-second limit and reads its standard output', () => {
    const runner = new FakeProcessRunner(() => ({ stdout: text(60) }));
    expect(versionOf('/usr/bin/ffmpeg', runner)).toEqual({ version: '6.1.2', libavformatMajor: 60 });
    expect(runner.calls).toEqual([{ command: '/usr/bin/ffmpeg', args: ['-hide_banner', '-version'], options: { timeoutMs: 10_000 } }]);
  });

  it('a build that exits with an error, is killed at the limit, or cannot be started reports no version', () => {
    const answers = [{ code: 1, stdout: text(60) }, { code: 128, signal: 'SIGKILL' as const, timedOut: true, stdout: text(60) }];
    for (const answer of answers) expect(versionOf('/usr/bin/ffmpeg', new FakeProcessRunner(() => answer))).toEqual({ version: '', libavformatMajor: null });
    const missing = new FakeProcessRunner(() => {
      throw Object.assign(new Error('spawn EACCES'), { code: 'EACCES' });
    });
    expect(versionOf('/usr/bin/ffmpeg', missing)).toEqual({ version: '', libavformatMajor: null });
  });

  it('takes the first system folder whose build is recent enough, and falls back to the npm pair, asking each in turn', () => {
    const old = pair('old');
    const recent = pair('recent');
    const lavf: Record<string, number> = { [join(old, 'ffmpeg')]: 58, [join(recent, 'ffmpeg')]: 61 };
    const runner = new FakeProcessRunner((command) => ({ stdout: text(lavf[command] ?? 58) }));
    expect(ffmpegBinaries({}, [old, recent], runner)).toMatchObject({ ffmpeg: join(recent, 'ffmpeg'), source: 'system', libavformatMajor: 61 });
    expect(runner.calls.map((c) => c.command)).toEqual([join(old, 'ffmpeg'), join(recent, 'ffmpeg')]);

    const silent = new FakeProcessRunner(() => ({ code: 1 }));
    const fallback = ffmpegBinaries({}, [old, recent], silent);
    expect(fallback).toMatchObject({ source: 'npm', ffmpeg: npmBinaries().ffmpeg, version: '' });
    // Both system builds were asked and passed over; then the npm build's own version was read.
    expect(silent.calls.map((c) => c.command)).toEqual([join(old, 'ffmpeg'), join(recent, 'ffmpeg'), npmBinaries().ffmpeg]);
  });
});
