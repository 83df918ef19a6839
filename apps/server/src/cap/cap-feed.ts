import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { XMLParser } from 'fast-xml-parser';
import { AppConfig } from '../config/app-config';
import { Leadership } from '../leadership/leadership';
import { MAX_CAP_BYTES } from './cap-parse';
import { CapService } from './cap.service';

/** How long one feed may take to answer before the poll gives up on it until next time. */
const FETCH_TIMEOUT_MS = 15_000;
/** Alerts read from one Atom/RSS index per poll. */
const MAX_ENTRIES = 50;

/**
 * An Atom or RSS index's links to CAP documents, or null when the answer is not an index. Only links on
 * the feed's own origin are followed: the feed's content must not steer the server to other hosts.
 */
export function indexLinks(xml: string, feedUrl: string): string[] | null {
  const head = xml.slice(0, 2000);
  if (!/<(?:[\w-]+:)?(?:feed|rss)[\s>]/.test(head) || /<!DOCTYPE|<!ENTITY/i.test(xml)) return null;
  const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
  let doc: Record<string, Record<string, unknown> | undefined>;
  try {
    doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', removeNSPrefix: true, processEntities: false, parseTagValue: false }).parse(xml) as typeof doc;
  } catch {
    return null;
  }
  const hrefs: string[] = [];
  if (doc['feed']) {
    for (const entry of list(doc['feed']['entry'])) {
      const links = list((entry as Record<string, unknown>)['link']) as Record<string, unknown>[];
      const link = links.find((l) => typeof l?.['@href'] === 'string' && (!l['@rel'] || l['@rel'] === 'alternate' || l['@rel'] === 'related'));
      if (link) hrefs.push(link['@href'] as string);
    }
  } else if (doc['rss']) {
    const channel = doc['rss']['channel'] as Record<string, unknown> | undefined;
    for (const item of list(channel?.['item'])) {
      const link = (item as Record<string, unknown>)['link'];
      if (typeof link === 'string') hrefs.push(link.trim());
    }
  } else return null;
  const origin = new URL(feedUrl).origin;
  const urls: string[] = [];
  for (const href of hrefs) {
    try {
      const url = new URL(href, feedUrl);
      if (url.origin === origin && !urls.includes(url.href)) urls.push(url.href);
    } catch {
      // an unreadable link is skipped like an outside one
    }
  }
  return urls.slice(0, MAX_ENTRIES);
}

/**
 * Polls the configured CAP feeds: each answer is one CAP alert, or an Atom/RSS index whose entries link
 * to alerts. An alert seen before is ignored.
 */
@Injectable()
export class CapFeedPoller implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('CapFeed');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly cap: CapService,
    private readonly leadership: Leadership,
  ) {}

  onModuleInit(): void {
    if (!this.config.capFeedUrls.length) return;
    // One instance polls, so an alert is fetched once however many instances run.
    const leading = () => (this.leadership.isLeader() ? this.pollOnce() : Promise.resolve());
    this.timer = setInterval(() => void leading(), this.config.capPollMs);
    this.timer.unref();
    void leading();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every feed; a poll still running is joined rather than doubled. */
  pollOnce(): Promise<void> {
    this.running ??= this.poll().finally(() => (this.running = null));
    return this.running;
  }

  private async poll(): Promise<void> {
    for (const url of this.config.capFeedUrls) {
      try {
        const xml = await fetchLimited(url);
        const links = indexLinks(xml, url);
        if (!links) await this.take(xml, url);
        for (const link of links ?? []) {
          try {
            await this.take(await fetchLimited(link), link);
          } catch (e) {
            this.log.warn(`CAP alert ${link}: ${(e as Error).message}`);
          }
        }
      } catch (e) {
        this.log.warn(`CAP feed ${url}: ${(e as Error).message}`);
      }
    }
  }

  private async take(xml: string, origin: string): Promise<void> {
    const { duplicate, alert } = await this.cap.receive(xml, origin);
    if (!duplicate) this.log.log(`${origin}: ${alert.identifier} → ${alert.decision}`);
  }
}

async function fetchLimited(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error', headers: { accept: 'application/cap+xml, application/xml, text/xml' } });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_CAP_BYTES) throw new Error(`answer larger than ${MAX_CAP_BYTES} bytes`);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_CAP_BYTES) {
      await reader.cancel();
      throw new Error(`answer larger than ${MAX_CAP_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
