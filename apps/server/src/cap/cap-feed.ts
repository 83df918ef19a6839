import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MAX_CAP_BYTES } from './cap-parse';
import { CapService } from './cap.service';

/** How long one feed may take to answer before the poll gives up on it until next time. */
const FETCH_TIMEOUT_MS = 15_000;

/** Polls the configured CAP feeds; each answer is one CAP alert, and an alert seen before is ignored. */
@Injectable()
export class CapFeedPoller implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('CapFeed');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly cap: CapService,
  ) {}

  onModuleInit(): void {
    if (!this.config.capFeedUrls.length) return;
    this.timer = setInterval(() => void this.pollOnce(), this.config.capPollMs);
    this.timer.unref();
    void this.pollOnce();
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
        const { duplicate, alert } = await this.cap.receive(xml, url);
        if (!duplicate) this.log.log(`${url}: ${alert.identifier} → ${alert.decision}`);
      } catch (e) {
        this.log.warn(`CAP feed ${url}: ${(e as Error).message}`);
      }
    }
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
