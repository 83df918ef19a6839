import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { LoaError } from '../common/errors';
import { decideRange } from './http-range';
import type { BroadcastFile } from './media.service';

const logger = new Logger('MediaDownload');

/**
 * Streams a stored broadcast file with byte-range support, so an agent can resume a download cut by a
 * flaky link. The file is immutable, so its sha256 is a strong ETag.
 */
export function sendBroadcastFile(req: Request, res: Response, file: BroadcastFile, cacheControl = 'private, max-age=31536000, immutable'): void {
  const etag = `"${file.sha256}"`;
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', etag);
  res.setHeader('Cache-Control', cacheControl);

  if (matchesEtag(req.headers['if-none-match'], file.sha256)) {
    res.status(304).end();
    return;
  }

  // If-Range naming another version means "send it all"; with content-addressed files that never happens,
  // but a client that sends a date or a stale tag still deserves a correct answer.
  const ifRange = req.headers['if-range'];
  const rangeHeader = ifRange === undefined || ifRange === etag ? req.headers.range : undefined;
  const decision = decideRange(rangeHeader, file.size);

  if (decision.kind === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${file.size}`);
    throw new LoaError('range_not_satisfiable', 'Đoạn dữ liệu yêu cầu nằm ngoài tệp.', { size: file.size });
  }

  // Set only now, so the JSON error body above is not labelled as audio.
  res.setHeader('Content-Type', 'audio/mpeg');
  let start = 0;
  let end = file.size - 1;
  if (decision.kind === 'partial') {
    ({ start, end } = decision);
    res.status(206);
    res.setHeader('Content-Range', `bytes ${start}-${end}/${file.size}`);
  } else {
    res.status(200);
  }
  res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));

  if (req.method === 'HEAD' || file.size === 0) {
    res.end();
    return;
  }
  pipeline(createReadStream(file.path, { start, end }), res, (err) => {
    // A client that hangs up mid-download is routine for agents on weak links.
    if (err && (err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      logger.warn(`sending ${file.sha256} failed: ${err.message}`);
    }
  });
}

function matchesEtag(header: string | undefined, sha256: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || t === `"${sha256}"`;
  });
}
