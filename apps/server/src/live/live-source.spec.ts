import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ffprobePath } from '@loa/ffmpeg';
import { makeTone } from '../../../../test/support/audio';
import { FakeProcessRunner } from '../../../../test/support/fakes/process.fake';
import { LoaError } from '../common/errors';
import { LiveSourceFetcher, probeStreamFormat, STREAM_DEMUXERS } from './live-source';
import { AllowList, isForbiddenAddress, parseStreamUrl, withoutCredentials } from './stream-address';

describe('where a live stream URL may point', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '192.168.1.20', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.251', '239.255.255.250', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:127.0.0.1',
    '::ffff:7f00:1', '::ffff:a9fe:a9fe', '64:ff9b::a00:1',
  ])('%s is refused', (address) => expect(isForbiddenAddress(address)).toBe(true));

  it.each(['8.8.8.8', '203.113.131.1', '2001:4860:4860::8888', '::ffff:8.8.8.8'])('%s is on the internet', (address) =>
    expect(isForbiddenAddress(address)).toBe(false),
  );

  it('reads odd spellings of loopback as loopback, as the URL parser does', () => {
    for (const raw of ['http://0x7f000001/', 'http://2130706433/', 'http://0177.0.0.1/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/']) {
      const host = new URL(parseStreamUrl(raw).shown).hostname.replace(/^\[|\]$/g, '');
      expect(isForbiddenAddress(host)).toBe(true);
    }
  });

  it('keeps a URL’s password apart from what is shown', () => {
    expect(parseStreamUrl('http://source:h%C3%A0-n%E1%BB%99i@radio.example.vn:8000/live.mp3')).toEqual({
      shown: 'http://radio.example.vn:8000/live.mp3',
      credentials: 'source:hà-nội',
    });
    expect(parseStreamUrl('https://radio.example.vn/live')).toEqual({ shown: 'https://radio.example.vn/live', credentials: null });
    expect(withoutCredentials('http://source:secret@10.0.0.5:8000/a')).toBe('http://10.0.0.5:8000/a');
    expect(withoutCredentials(null)).toBeNull();
    expect(() => parseStreamUrl('file:///etc/passwd')).toThrow(LoaError);
  });

  it('LIVE_URL_ALLOW names hosts, addresses and networks, and says what is wrong with a bad entry', () => {
    const allow = new AllowList(['icecast.lan', '192.168.1.0/24', '10.0.0.7', 'fd00::/8']);
    expect(allow.allows('ICECAST.lan', '192.168.9.9')).toBe(true);
    expect(allow.allows('x', '192.168.1.77')).toBe(true);
    expect(allow.allows('x', '::ffff:192.168.1.77')).toBe(true);
    expect(allow.allows('x', '10.0.0.7')).toBe(true);
    expect(allow.allows('x', '10.0.0.8')).toBe(false);
    expect(allow.allows('x', 'fd12::1')).toBe(true);
    expect(AllowList.problem('icecast.lan, 192.168.1.0/24')).toBeNull();
    expect(AllowList.problem('192.168.1.0/33')).toMatch(/CIDR/);
    expect(AllowList.problem('http://x/')).toMatch(/không phải/);
  });
});

/** A loopback HTTP server standing in for Icecast: answers by path, and counts what it was asked. */
describe('LiveSourceFetcher against a stream server on loopback', () => {
  let dir: string;
  let mp3: Buffer;
  let server: Server;
  let base: string;
  let port: number;
  const requests: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-live-src-'));
    mp3 = await readFile(await makeTone(join(dir, 'tone.mp3'), { frequency: 440, seconds: 4 }));
    server = createServer((req, res) => {
      requests.push({ url: req.url ?? '', headers: req.headers });
      if (req.url === '/live.mp3') {
        res.writeHead(200, { 'content-type': 'audio/mpeg' });
        res.end(mp3);
      } else if (req.url === '/to-metadata') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
      } else if (req.url === '/to-other-loopback') {
        res.writeHead(301, { location: `http://127.0.0.2:${port}/live.mp3` });
        res.end();
      } else if (req.url === '/page') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>'.padEnd(70_000, 'x'));
      } else if (req.url === '/list.m3u8') {
        res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
        res.end('#EXTM3U\n');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => (requests.length = 0));

  const fetcher = (...allow: string[]) => new LiveSourceFetcher({ liveUrlAllow: allow });
  const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as LoaError);
  const drain = async (body: Readable) => {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };

  it('refuses loopback, however it is spelt, without connecting, unless LIVE_URL_ALLOW names it', async () => {
    for (const url of [`${base}/live.mp3`, `http://0x7f000001:${port}/live.mp3`, `http://localhost:${port}/live.mp3`, `http://[::ffff:127.0.0.1]:${port}/live.mp3`]) {
      const err = await failure(fetcher().open(parseStreamUrl(url)));
      expect(err).toMatchObject({ code: 'live_source_forbidden', status: 422 });
      expect(err!.message).toMatch(/LIVE_URL_ALLOW/);
    }
    expect(requests).toHaveLength(0);
  });

  it('refuses cloud metadata and private networks', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://192.168.0.1:8000/live']) {
      expect(await failure(fetcher().open(parseStreamUrl(url)))).toMatchObject({ code: 'live_source_forbidden' });
    }
  });

  it('fetches an allowed stream once: the bytes checked are the bytes relayed, with the password sent as Basic auth', async () => {
    const opened = await fetcher('127.0.0.1').open(parseStreamUrl(`http://source:mat-khau@127.0.0.1:${port}/live.mp3`));
    expect(opened.format).toBe('mp3');
    expect((await drain(opened.body)).equals(mp3)).toBe(true);
    expect(requests).toHaveLength(1);
    expect(requests[0].headers.authorization).toBe(`Basic ${Buffer.from('source:mat-khau').toString('base64')}`);
  });

  it('checks every redirect: one to the metadata address or to a loopback address not allowed is refused', async () => {
    expect(await failure(fetcher('127.0.0.1').open(parseStreamUrl(`${base}/to-metadata`)))).toMatchObject({ code: 'live_source_forbidden' });
    expect(await failure(fetcher('127.0.0.1').open(parseStreamUrl(`${base}/to-other-loopback`)))).toMatchObject({ code: 'live_source_forbidden' });
    expect(requests.map((r) => r.url)).toEqual(['/to-metadata', '/to-other-loopback']);
  });

  it('says what the user can act on, never what the prober printed', async () => {
    const allowed = fetcher('127.0.0.1');
    const notAudio = await failure(allowed.open(parseStreamUrl(`http://u:secret@127.0.0.1:${port}/page`)));
    expect(notAudio).toMatchObject({ code: 'live_source_not_audio', details: { url: `${base}/page` } });
    const playlist = await failure(allowed.open(parseStreamUrl(`${base}/list.m3u8`)));
    expect(playlist).toMatchObject({ code: 'live_source_not_audio' });
    expect(playlist!.message).toMatch(/HLS/);
    const missing = await failure(allowed.open(parseStreamUrl(`${base}/nothing`)));
    const refused = await failure(allowed.open(parseStreamUrl('http://127.0.0.1:9/live.mp3')));
    for (const err of [missing, refused]) {
      expect(err).toMatchObject({ code: 'live_source_unavailable' });
      expect(Object.keys(err!.details as object)).toEqual(['url']);
    }
    // An open port and a closed one look the same to the caller.
    expect(missing!.message).toBe(refused!.message);
  });
});

describe('judging a stream’s first bytes with ffprobe on a fake process runner', () => {
  const prefix = Buffer.from('ID3 and the first frames');
  const json = (o: unknown) => ({ stdout: Buffer.from(JSON.stringify(o)) });

  it('gives ffprobe the bytes on its input, the stream demuxers only, and the timeout', async () => {
    const runner = new FakeProcessRunner(() => json({ format: { format_name: 'mp3' }, streams: [{ codec_type: 'audio' }] }));
    await expect(probeStreamFormat(runner, prefix, 7000)).resolves.toBe('mp3');
    expect(runner.calls).toHaveLength(1);
    const [call] = runner.calls;
    expect(call.command).toBe(ffprobePath());
    expect(call.args).toEqual(expect.arrayContaining(['-protocol_whitelist', 'pipe', '-format_whitelist', STREAM_DEMUXERS.join(','), '-i', 'pipe:0']));
    expect(call.options).toEqual({ input: prefix, timeoutMs: 7000 });
  });

  it('takes the first allowed demuxer ffprobe names, and only when there is an audio stream', async () => {
    const answer = (o: unknown) => probeStreamFormat(new FakeProcessRunner(() => json(o)), prefix, 1000);
    await expect(answer({ format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2' }, streams: [{ codec_type: 'audio' }] })).resolves.toBe('mov');
    await expect(answer({ format: { format_name: 'mp3' }, streams: [{ codec_type: 'video' }] })).resolves.toBeNull();
    await expect(answer({ format: { format_name: 'image2' }, streams: [{ codec_type: 'audio' }] })).resolves.toBeNull();
  });

  it('judges nothing audio when ffprobe fails, is killed at its timeout, prints no JSON, or cannot be started', async () => {
    const audio = json({ format: { format_name: 'mp3' }, streams: [{ codec_type: 'audio' }] });
    for (const result of [{ ...audio, code: 1 }, { ...audio, code: 128, signal: 'SIGKILL' as const, timedOut: true }, { stdout: Buffer.from('{"format":') }]) {
      await expect(probeStreamFormat(new FakeProcessRunner(() => result), prefix, 1000)).resolves.toBeNull();
    }
    const missing = new FakeProcessRunner(() => {
      throw Object.assign(new Error('spawn ffprobe ENOENT'), { code: 'ENOENT' });
    });
    await expect(probeStreamFormat(missing, prefix, 1000)).resolves.toBeNull();
  });

  it('the fetcher probes through the runner it was given, and refuses what its ffprobe calls no audio', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end(Buffer.alloc(4096, 0x55));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = parseStreamUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/live.mp3`);
      const runner = new FakeProcessRunner(() => ({ code: 1 }));
      await expect(new LiveSourceFetcher({ liveUrlAllow: ['127.0.0.1'] }, runner).open(url)).rejects.toMatchObject({ code: 'live_source_not_audio' });
      expect(runner.calls).toHaveLength(1);
      expect(runner.calls[0].options.input).toEqual(Buffer.alloc(4096, 0x55));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
