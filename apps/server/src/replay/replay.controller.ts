import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { Public } from '../auth/principal';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { LocalTime } from '../logbook/local-time';
import { sendBroadcastFile } from '../media/send-file';
import { pagePath, renderError, renderFeed, renderPage } from './replay-render';
import { ReplayService } from './replay.service';

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The public replay ("Nghe lại") of a commune, for residents with no account: a page, its RSS feed and
 * the audio they play. Every answer can be cached by a proxy: nothing in it depends on who asks.
 */
@ApiTags('nghe-lai')
@Public()
@Controller('nghe-lai')
export class ReplayController {
  private readonly zone: LocalTime;

  constructor(
    private readonly replay: ReplayService,
    @Inject(AppConfig) private readonly config: Pick<AppConfig, 'replay' | 'timezone'>,
  ) {
    this.zone = new LocalTime(config.timezone);
  }

  /** The page, server-rendered: it plays with the browser's own audio player, with no script. */
  @Get(':slug')
  async page(@Param('slug') slug: string, @Query('days') days: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      await this.replay.admit(req.ip ?? '');
      const { unit, movedTo } = await this.replay.unitFor(slug);
      if (movedTo) return res.redirect(301, pagePath(movedTo));
      const body = renderPage(await this.replay.page(unit, this.replay.parseDays(days)), this.zone);
      this.sendCached(req, res, 'text/html; charset=utf-8', body, 60);
    } catch (err) {
      if (!(err instanceof LoaError)) throw err;
      const retry = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (retry) res.setHeader('Retry-After', String(retry));
      res.setHeader('Cache-Control', 'no-store');
      res.status(err.status).type('html').send(renderError(err.message));
    }
  }

  @Get(':slug/feed.xml')
  async feed(@Param('slug') slug: string, @Query('days') days: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.replay.admit(req.ip ?? '');
    const { unit, movedTo } = await this.replay.unitFor(slug);
    if (movedTo) return res.redirect(301, `${pagePath(movedTo)}/feed.xml`);
    const page = await this.replay.page(unit, this.replay.parseDays(days));
    this.sendCached(req, res, 'application/rss+xml; charset=utf-8', renderFeed(page, this.origin(req), this.zone), 300);
  }

  /** Only the broadcast file of a public programme the unit aired in the period: nothing else answers. */
  @Get(':slug/audio/:file')
  async audio(@Param('slug') slug: string, @Param('file') file: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.replay.admit(req.ip ?? '');
    const { unit } = await this.replay.unitFor(slug);
    sendBroadcastFile(req, res, await this.replay.audio(unit, file), 'public, max-age=3600');
  }

  /** A strong ETag of the body: a 304 when the visitor already has it. */
  private sendCached(req: Request, res: Response, type: string, body: string, maxAgeS: number): void {
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    res.setHeader('Cache-Control', `public, max-age=${maxAgeS}`);
    res.setHeader('ETag', etag);
    const asked = req.headers['if-none-match'];
    if (asked && asked.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      res.status(304).end();
      return;
    }
    res.status(200).type(type).send(body);
  }

  /** Where the feed's links point: PUBLIC_URL, else the address the request came to (behind TRUST_PROXY, the proxy's word). */
  private origin(req: Request): string {
    if (this.config.replay.publicUrl) return this.config.replay.publicUrl;
    const host = req.get('host') ?? '';
    if (!HOST.test(host)) throw new LoaError('validation_failed', 'Địa chỉ máy chủ trong yêu cầu không hợp lệ.');
    return `${req.protocol}://${host}`;
  }
}
