import { execFile } from 'node:child_process';
import { Injectable } from '@nestjs/common';
import { ffprobePath } from '@loa/ffmpeg';
import { LoaError } from '../common/errors';

/** Network protocols a stream URL may use, for ffprobe and ffmpeg alike (HLS fetches its segments over these). */
export const STREAM_PROTOCOLS = 'http,https,tcp,tls,crypto';

/** Only a plain http(s) address is a stream URL; anything else (file:, concat:, pipes) is refused. */
export function checkStreamUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LoaError('validation_failed', 'Địa chỉ luồng phát không hợp lệ. Hãy nhập địa chỉ bắt đầu bằng http:// hoặc https://.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LoaError('validation_failed', 'Chỉ nhận luồng phát qua http:// hoặc https:// (Icecast, HLS).');
  }
  return url.toString();
}

/**
 * Asks ffprobe whether a stream URL answers and carries audio, before any station is told to go live:
 * a dead or wrong address is refused with a sentence the operator can act on.
 */
@Injectable()
export class LiveProbe {
  probe(rawUrl: string, timeoutMs = 10_000): Promise<void> {
    const url = checkStreamUrl(rawUrl);
    return new Promise((resolve, reject) => {
      execFile(
        ffprobePath(),
        ['-v', 'error', '-protocol_whitelist', STREAM_PROTOCOLS, '-rw_timeout', String(Math.floor(timeoutMs * 500)), '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', url],
        { timeout: timeoutMs, maxBuffer: 1024 * 1024 },
        (err, stdout, stderr) => {
          const types = stdout.split('\n').map((l) => l.trim());
          if (!err && types.includes('audio')) return resolve();
          const text = `${stderr}`.trim().split('\n').pop() ?? '';
          if (!err || /Invalid data|could not find codec|no such (file|stream)|unknown format/i.test(text)) {
            return reject(
              new LoaError('live_source_not_audio', 'Địa chỉ này có trả lời nhưng không phải luồng âm thanh. Hãy kiểm tra lại địa chỉ luồng phát.', {
                url,
                probe: text.slice(0, 300),
              }),
            );
          }
          reject(
            new LoaError('live_source_unavailable', 'Không kết nối được tới luồng phát: địa chỉ không trả lời hoặc báo lỗi. Hãy kiểm tra lại địa chỉ và mạng.', {
              url,
              probe: (err.killed ? 'timed out' : text).slice(0, 300),
            }),
          );
        },
      );
    });
  }
}
