import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { Leadership } from '../leadership/leadership';
import { AlertFactsReader } from './alert-facts';
import { planAlerts, RULES, type AlertStep } from './alert-rules';
import { AlertSender } from './alert-sender';
import { AlertsRepository } from './alerts.repository';

/**
 * Runs the alert rules every ALERT_EVAL_SECONDS: reads the facts, plans what changed and stores it with
 * the messages it owes, then wakes the sender. In a cluster only the elected instance evaluates, so an
 * alert is raised once.
 */
@Injectable()
export class AlertEvaluator implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Alerts');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly facts: AlertFactsReader,
    private readonly store: AlertsRepository,
    private readonly sender: AlertSender,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly leadership: Leadership,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.alerts.evaluateEveryMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private tick(): void {
    // A slow database must not pile evaluations up: one at a time, the next tick tries again.
    if (this.running || !this.leadership.isLeader()) return;
    this.running = this.evaluateOnce(this.clock.now())
      .catch((err: Error) => this.log.error(`alert evaluation failed: ${err.stack ?? err.message}`))
      .finally(() => (this.running = null));
  }

  /** One evaluation at `now` (epoch ms); returns what it did. */
  async evaluateOnce(now: number): Promise<AlertStep[]> {
    const settings = this.config.alerts.settings;
    const facts = await this.facts.read(now, settings);
    const conditions = RULES.flatMap((rule) => rule.evaluate(facts, settings));
    const steps = planAlerts(await this.store.known(), conditions, facts, settings);
    const queued = await this.store.apply(steps, now);
    for (const s of steps) {
      if (s.do === 'fire') this.log.warn(`alert raised: ${s.condition.title}`);
      if (s.do === 'resolve') this.log.log(`alert resolved: ${s.id}`);
    }
    if (queued) this.sender.wake();
    return steps;
  }
}
