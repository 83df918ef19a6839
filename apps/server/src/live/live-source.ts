import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { ffprobePath } from '@loa/ffmpeg';
import { ProcessRunner } from '@loa/process';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { AllowList, isForbiddenAddress, type StreamUrl } from './stream-address';

/** What a checked stream gives the encoder: its bytes (from the first) and the demuxer they were judged to be. */
export interface OpenedStream {
  body: Readable;
  format: string;
}

/** Demuxers a live stream may be read with: audio streams an Icecast or SHOUTcast server sends. */
export const STREAM_DEMUXERS = ['mp3', 'aac', 'ogg', 'flac', 'wav', 'mpegts', 'matroska', 'mov', 'asf'];

const MAX_REDIRECTS = 3;
/** Bytes looked at before the stream is accepted: a few seconds of a 128 kb/s stream. */
const PROBE_BYTES = 64 * 1024;
/** A stream that sends nothing for this long is dead. */
const IDLE_MS = 10_000;

type Failure = 'unavailable' | 'not_audio' | 'forbidden' | 'playlist';

class SourceFailure extends Error {
  constructor(
    readonly kind: Failure,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * Opens a live stream URL once, in Node, and hands its bytes to ffmpeg's standard input: the same fetch is
 * both checked and relayed, so a hostile host cannot show the check one thing and the relay another, and
 * ffmpeg never touches the network. Every address the host name resolves to — after each redirect too —
 * must be on the internet, unless LIVE_URL_ALLOW names it; the connection goes to the address checked.
 */
@Injectable()
export class LiveSourceFetcher {
  private readonly allow: AllowList;

  constructor(
    @Inject(AppConfig) config: Pick<AppConfig, 'liveUrlAllow'>,
    /** What the live path's ffprobe and ffmpeg run through: the probe here, and the encoder of each round. */
    @Optional() readonly processes: ProcessRunner = new ProcessRunner(),
  ) {
    this.allow = new AllowList(config.liveUrlAllow ?? []);
  }

  async open(url: StreamUrl, timeoutMs = 10_000): Promise<OpenedStream> {
    try {
      const res = await this.fetch(url, timeoutMs);
      const type = String(res.headers['content-type'] ?? '').toLowerCase();
      if (/mpegurl|x-scpls|dash\+xml/.test(type)) {
        res.destroy();
        throw new SourceFailure('playlist', type);
      }
      const prefix = await readPrefix(res, PROBE_BYTES, timeoutMs);
      const format = await probeStreamFormat(this.processes, prefix, timeoutMs);
      if (!format) {
        res.destroy();
        throw new SourceFailure('not_audio', 'no audio stream in the first bytes');
      }
      const body = new PassThrough();
      body.write(prefix);
      if (res.readableEnded) {
        body.end();
        return { body, format };
      }
      const idle = setTimeout(() => res.destroy(new Error('no data for 10 s')), IDLE_MS);
      res.on('data', () => idle.refresh());
      res.on('close', () => clearTimeout(idle));
      res.on('error', (e) => body.destroy(e));
      body.on('close', () => res.destroy());
      res.pipe(body);
      res.resume();
      return { body, format };
    } catch (err) {
      throw this.userError(err, url.shown);
    }
  }

  private async fetch(url: StreamUrl, timeoutMs: number): Promise<IncomingMessage> {
    let target = new URL(url.shown);
    let credentials = url.credentials;
    for (let hop = 0; ; hop++) {
      const address = await this.checkedAddress(target.hostname);
      const res = await get(target, address, credentials, timeoutMs);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.destroy();
        if (hop >= MAX_REDIRECTS) throw new SourceFailure('unavailable', 'too many redirects');
        const next = new URL(res.headers.location, target);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new SourceFailure('forbidden', `redirect to ${next.protocol}`);
        // The password was given for one server: it does not follow a redirect elsewhere.
        if (next.origin !== target.origin) credentials = null;
        next.username = '';
        next.password = '';
        target = next;
        continue;
      }
      if (status !== 200) {
        res.destroy();
        throw new SourceFailure('unavailable', `HTTP ${status}`);
      }
      return res;
    }
  }

  /** Resolves the host; every address must be allowed, and the first is the one connected to. */
  private async checkedAddress(hostname: string): Promise<{ address: string; family: number }> {
    const host = hostname.replace(/^\[|\]$/g, '');
    let found: Array<{ address: string; family: number }>;
    if (isIP(host)) found = [{ address: host, family: isIP(host) }];
    else {
      try {
        found = await dnsLookup(host, { all: true, verbatim: true });
      } catch {
        throw new SourceFailure('unavailable', 'host not found');
      }
    }
    if (found.length === 0) throw new SourceFailure('unavailable', 'host not found');
    for (const a of found) {
      if (isForbiddenAddress(a.address) && !this.allow.allows(host, a.address)) throw new SourceFailure('forbidden', a.address);
    }
    return found[0];
  }

  private userError(err: unknown, shown: string): unknown {
    if (err instanceof LoaError) return err;
    const kind: Failure = err instanceof SourceFailure ? err.kind : 'unavailable';
    const details = { url: shown };
    switch (kind) {
      case 'forbidden':
        return new LoaError(
          'live_source_forbidden',
          'Địa chỉ luồng phát này trỏ vào mạng nội bộ hoặc chính máy chủ nên không được dùng. Hãy dùng địa chỉ công khai của đài; nếu đây là máy phát Icecast của đài trong mạng LAN, hãy nhờ quản trị viên thêm nó vào LIVE_URL_ALLOW.',
          details,
        );
      case 'playlist':
        return new LoaError(
          'live_source_not_audio',
          'Địa chỉ này là danh sách phát (HLS .m3u8, PLS, DASH), chưa tiếp sóng được. Hãy dùng địa chỉ luồng âm thanh trực tiếp (Icecast, SHOUTcast: MP3, AAC, Ogg).',
          details,
        );
      case 'not_audio':
        return new LoaError('live_source_not_audio', 'Địa chỉ này có trả lời nhưng không phải luồng âm thanh. Hãy kiểm tra lại địa chỉ luồng phát.', details);
      case 'unavailable':
        return new LoaError(
          'live_source_unavailable',
          'Không kết nối được tới luồng phát: địa chỉ không trả lời, báo lỗi hoặc không gửi âm thanh. Hãy kiểm tra lại địa chỉ và mạng.',
          details,
        );
    }
  }
}

function get(url: URL, address: { address: string; family: number }, credentials: string | null, timeoutMs: number): Promise<IncomingMessage> {
  // The connection goes to the address that was checked, whatever the host name resolves to by then.
  const lookup: LookupFunction = (_host, options, done) => {
    if (options.all) done(null, [{ address: address.address, family: address.family }]);
    else done(null, address.address, address.family);
  };
  const headers: Record<string, string> = { 'user-agent': 'Loa live relay', 'icy-metadata': '0' };
  if (credentials) headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'GET', headers, lookup, timeout: timeoutMs });
    req.on('timeout', () => req.destroy(new SourceFailure('unavailable', 'timed out')));
    req.on('error', (e) => reject(e instanceof SourceFailure ? e : new SourceFailure('unavailable', e.message)));
    req.on('response', (res) => {
      req.setTimeout(0);
      resolve(res);
    });
    req.end();
  });
}

/** The first `bytes` of the body (less if it ends sooner), leaving the rest unread. */
function readPrefix(res: IncomingMessage, bytes: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = (err: Error | null) => {
      clearTimeout(timer);
      res.off('data', onData);
      res.off('end', onEnd);
      res.off('error', onError);
      res.pause();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= bytes) done(null);
    };
    const onEnd = () => (got > 0 ? done(null) : done(new SourceFailure('unavailable', 'empty body')));
    const onError = (e: Error) => done(new SourceFailure('unavailable', e.message));
    const timer = setTimeout(() => (got > 0 ? done(null) : done(new SourceFailure('unavailable', 'no data'))), timeoutMs);
    res.on('data', onData);
    res.on('end', onEnd);
    res.on('error', onError);
  });
}

/** Which stream demuxer the bytes are (ffprobe reading them from a pipe, nothing else), or null. */
export async function probeStreamFormat(processes: ProcessRunner, prefix: Buffer, timeoutMs: number): Promise<string | null> {
  const result = await processes
    .run(
      ffprobePath(),
      ['-v', 'quiet', '-protocol_whitelist', 'pipe', '-format_whitelist', STREAM_DEMUXERS.join(','), '-print_format', 'json', '-show_entries', 'format=format_name:stream=codec_type', '-i', 'pipe:0'],
      { input: prefix, timeoutMs },
    )
    // ffprobe that cannot be started judges nothing, so the stream is not taken.
    .catch(() => null);
  if (!result || result.code !== 0) return null;
  try {
    const parsed = JSON.parse(result.stdout.toString('utf8')) as { format?: { format_name?: string }; streams?: Array<{ codec_type?: string }> };
    const format = (parsed.format?.format_name ?? '').split(',').find((f) => STREAM_DEMUXERS.includes(f));
    return format && parsed.streams?.some((s) => s.codec_type === 'audio') ? format : null;
  } catch {
    return null;
  }
}
