import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/** Where `npm run build` puts the browser app, seen from the compiled dist/apps/server/src/web. */
export const DEFAULT_WEB_DIR = resolve(__dirname, '..', '..', '..', '..', 'web');

const NOT_BUILT = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Loa</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Loa</h1>
<p>Máy chủ đang chạy, nhưng giao diện web chưa được dựng. Hãy chạy <code>npm run build</code> rồi khởi động lại máy chủ.</p>
<p>Giao diện lập trình (API) vẫn dùng được tại <a href="/api/docs">/api/docs</a>.</p>
</body></html>`;

/** Paths the API owns: never answered with the browser app, so an unknown API route stays a JSON 404. */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/**
 * Serves the browser console at `/`: its files as they are, and index.html for every other page path so
 * the app's own router can open any screen from a bookmark. Without a build, a short note says what to do.
 */
export function mountWebConsole(app: NestExpressApplication, webDir = DEFAULT_WEB_DIR): { built: boolean } {
  const index = join(webDir, 'index.html');
  const assets = join(webDir, 'assets');
  const built = existsSync(index);
  if (built) {
    app.useStaticAssets(webDir, {
      index: false,
      // Vite names assets by content hash, so they never change under the same name.
      setHeaders: (res, path) => res.setHeader('Cache-Control', path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache'),
    });
  }
  app.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path)) return next();
    // The short address printed for residents (/nghe-lai/<code>) leads to the public replay page the API serves.
    if (req.path.startsWith('/nghe-lai/')) return res.redirect(301, `/api${req.originalUrl}`);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (!built) {
      res.status(200).type('html').send(NOT_BUILT);
      return;
    }
    res.sendFile(index);
  });
  return { built };
}
