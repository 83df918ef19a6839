import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { Leadership } from '../leadership/leadership';
import { alertMail, signature, type WebhookPayload } from './alert-message';
import { AlertsRepository } from './alerts.repository';
import type { AlertDelivery } from './alert.entity';
import { toInstant } from '@loa/protocol';

/** A webhook that has not answered by then has failed this attempt. */
const WEBHOOK_TIMEOUT_MS = 10_000;
/** The longest wait between two attempts. */
const MAX_BACKOFF_MS = 6 * 3600_000;
/** Deliveries sent per pass; the rest wait for the next one. */
const BATCH = 20;

/** Posts to webhooks: the side effect behind a class, so the sender is testable without a network. */
@Injectable()
export class WebhookChannel {
  async post(url: string, body: string, headers: Record<string, string>): Promise<void> {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Loa-Alerts', ...headers },
      // A redirect could carry the signed alert to a host nobody subscribed.
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
  }
}

/** Sends mail through the configured SMTP server. */
@Injectable()
export class MailChannel {
  private transport: Transporter | null = null;

  constructor(private readonly config: AppConfig) {}

  get configured(): boolean {
    return this.config.smtp !== null;
  }

  async send(to: string, subject: string, text: string): Promise<void> {
    const smtp = this.config.smtp;
    if (!smtp) throw new Error('SMTP_HOST is not set');
    this.transport ??= createTransport({ host: smtp.host, port: smtp.port, secure: smtp.secure, ...(smtp.auth ? { auth: smtp.auth } : {}) });
    await this.transport.sendMail({ from: smtp.from, to, subject, text });
  }

  close(): void {
    this.transport?.close();
    this.transport = null;
  }
}

/**
 * Works through the alert outbox: each due delivery is sent once; a failure is tried again after 1, 2, 4 …
 * times ALERT_RETRY_BASE_SECONDS, up to ALERT_MAX_ATTEMPTS tries. The outbox is a table, so what was owed
 * before a restart is sent after it.
 */
@Injectable()
export class AlertSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('AlertSender');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private again = false;

  constructor(
    private readonly store: AlertsRepository,
    private readonly webhooks: WebhookChannel,
    private readonly mail: MailChannel,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly leadership: Leadership,
  ) {}

  onApplicationBootstrap(): void {
    const every = Math.max(200, Math.min(5000, this.config.alerts.retryBaseMs / 2));
    this.timer = setInterval(() => this.wake(), every);
    this.timer.unref();
    this.leadership.onGained(() => this.wake());
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    this.mail.close();
  }

  /** Sends what is due now, or once more after the pass under way. */
  wake(): void {
    // The outbox is one for the deployment: only the elected instance sends from it, so nothing goes twice.
    if (!this.leadership.isLeader()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sendDue(this.clock.now())
      .catch((err: Error) => {
        this.log.error(`alert delivery pass failed: ${err.message}`);
        return 0;
      })
      .finally(() => {
        this.running = null;
        if (this.again && this.timer) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** One pass over the due deliveries at `now`; returns how many were sent. */
  async sendDue(now: number): Promise<number> {
    let sent = 0;
    for (const d of await this.store.due(now, BATCH)) {
      // "Resolved" never overtakes the "raised" it answers, while that one waits for a retry.
      if (d.event === 'resolved' && (await this.store.firedPending(d))) continue;
      try {
        await this.deliver(d);
        await this.store.markDelivery(d, { state: 'sent', attempts: d.attempts + 1, sentAt: toInstant(this.clock.now()), lastError: null });
        sent++;
      } catch (err) {
        const attempts = d.attempts + 1;
        const error = (err instanceof Error ? err.message : String(err)).slice(0, 1000);
        const gaveUp = attempts >= this.config.alerts.maxAttempts || err instanceof Undeliverable;
        const waitMs = Math.min(MAX_BACKOFF_MS, this.config.alerts.retryBaseMs * 2 ** (attempts - 1));
        await this.store.markDelivery(d, {
          state: gaveUp ? 'failed' : 'pending',
          attempts,
          lastError: error,
          nextAttemptAt: toInstant(this.clock.now() + waitMs),
        });
        this.log.warn(`alert delivery ${d.id} attempt ${attempts} failed: ${error}${gaveUp ? '; given up' : ''}`);
      }
    }
    return sent;
  }

  private async deliver(d: AlertDelivery): Promise<void> {
    const sub = await this.store.subscription(d.subscriptionId);
    if (!sub) throw new Undeliverable('the subscription was deleted');
    const alert = await this.store.alertView(d.alertId);
    if (!alert) throw new Undeliverable('the alert no longer exists');
    switch (sub.channel) {
      case 'webhook': {
        const payload: WebhookPayload = { id: d.id, event: `alert.${d.event}`, sentAt: toInstant(this.clock.now()), alert };
        const body = JSON.stringify(payload);
        await this.webhooks.post(sub.target, body, {
          'x-loa-signature': signature(sub.secret ?? '', body),
          'x-loa-event': payload.event,
          'x-loa-delivery': d.id,
        });
        return;
      }
      case 'email': {
        const mail = alertMail(alert, d.event);
        await this.mail.send(sub.target, mail.subject, mail.text);
        return;
      }
    }
  }
}

/** A delivery no retry can help. */
class Undeliverable extends Error {}
