import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';

/** What `install.sh` holds in place of the server's address until it is served. */
export const SERVER_URL_PLACEHOLDER = '@LOA_SERVER_URL@';

const BUNDLE = /^\/agent\/(loa-agent-(x64|arm64)\.tar\.gz)$/;

/** Only what an address can hold reaches the script: a Host header cannot inject shell into it. */
const SAFE_ORIGIN = /^https?:\/\/[A-Za-z0-9.\-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function notBuilt(res: Response, what: string): void {
  res.status(404).json({
    statusCode: 404,
    code: 'not_found',
    message: `Máy chủ chưa có ${what}. Người quản trị máy chủ cần chạy "npm run pack:agent" (hoặc đặt LOA_AGENT_BUNDLE_DIR tới thư mục chứa gói) rồi thử lại.`,
  });
}

/**
 * Serves the station installer and the agent bundles from `dir` (made by `npm run pack:agent`), outside
 * /api and without sign-in: what they hold is public, and the enrolment code the installer takes is the
 * secret. The installer gets the address it was fetched from written in, so `curl … | sudo sh -s CODE`
 * needs nothing else.
 */
export function agentDownloads(dir: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.path.startsWith('/agent/')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.path === '/agent/install.sh') {
      const origin = `${req.protocol}://${req.get('host') ?? ''}`;
      if (!SAFE_ORIGIN.test(origin)) {
        res.status(400).json({ statusCode: 400, code: 'validation_failed', message: `Địa chỉ máy chủ "${origin}" trong yêu cầu không hợp lệ.` });
        return;
      }
      readFile(join(dir, 'install.sh'), 'utf8').then(
        (script) => {
          res.type('text/x-shellscript; charset=utf-8').send(script.split(SERVER_URL_PLACEHOLDER).join(origin));
        },
        () => notBuilt(res, 'tập lệnh cài đặt phần mềm trạm (install.sh)'),
      );
      return;
    }
    const m = BUNDLE.exec(req.path);
    if (!m) {
      res.status(404).json({ statusCode: 404, code: 'not_found', message: 'Không có tệp này. Có: /agent/install.sh, /agent/loa-agent-x64.tar.gz, /agent/loa-agent-arm64.tar.gz.' });
      return;
    }
    const file = join(dir, m[1]);
    stat(file).then(
      (s) => {
        res.setHeader('Content-Type', 'application/gzip');
        res.setHeader('Content-Length', String(s.size));
        res.setHeader('Content-Disposition', `attachment; filename="${m[1]}"`);
        if (req.method === 'HEAD') {
          res.end();
          return;
        }
        const stream = createReadStream(file);
        stream.on('error', () => res.destroy());
        stream.pipe(res);
      },
      () => notBuilt(res, `gói phần mềm trạm cho máy ${m[2]} (${m[1]})`),
    );
  };
}
