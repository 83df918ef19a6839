import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, LessThanOrEqual } from 'typeorm';
import type { AlertView } from '@loa/api-types';
import { AccessPolicy, subtreeOf } from '../access/access-policy';
import { StationAgentState } from '../stations/station-agent-state.entity';
import { Station } from '../stations/station.entity';
import { AlertDelivery, AlertRow, AlertSubscription } from './alert.entity';
import type { AlertStep, KnownAlert } from './alert-rules';
import { fromInstant, toInstant } from '@loa/protocol';

/** The alerts, subscriptions and outbox in the database, and the station state a health view reads. */
@Injectable()
export class AlertsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: AccessPolicy,
  ) {}

  /** Alerts not closed: waiting out their debounce, or raised. */
  async known(): Promise<KnownAlert[]> {
    const rows = await this.db.getRepository(AlertRow).find({ where: { state: In(['pending', 'open']) }, select: { id: true, key: true, kind: true, state: true, since: true } });
    return rows.map((r) => ({ id: r.id, key: r.key, kind: r.kind, state: r.state as 'pending' | 'open', since: fromInstant(r.since) }));
  }

  /**
   * Applies the planned steps in one transaction; each alert raised or resolved gets one delivery per
   * matching subscription, in the same transaction, so a message is owed exactly when its alert changed.
   * Returns how many deliveries were queued.
   */
  async apply(steps: readonly AlertStep[], now: number): Promise<number> {
    if (!steps.length) return 0;
    const at = toInstant(now);
    const units = await this.access.units();
    return this.db.transaction(async (m) => {
      const subs = await m.getRepository(AlertSubscription).find();
      const reach = new Map(subs.map((s) => [s.id, s.unitId ? new Set(subtreeOf(units, s.unitId)) : null]));
      const owed: AlertDelivery[] = [];
      const notify = (alert: AlertRow, event: 'fired' | 'resolved') => {
        for (const s of subs) {
          const units = reach.get(s.id);
          if (units && (!alert.unitId || !units.has(alert.unitId))) continue;
          if (s.kinds && !s.kinds.includes(alert.kind)) continue;
          owed.push(m.getRepository(AlertDelivery).create({ alertId: alert.id, subscriptionId: s.id, event, attempts: 0, nextAttemptAt: at, state: 'pending', lastError: null, createdAt: at, sentAt: null }));
        }
      };
      for (const step of steps) {
        switch (step.do) {
          case 'wait':
          case 'fire': {
            const c = step.condition;
            const existing = step.do === 'fire' && step.existingId ? await m.getRepository(AlertRow).findOneBy({ id: step.existingId }) : null;
            const row = existing ?? m.getRepository(AlertRow).create({ key: c.key, kind: c.kind, resolvedAt: null, firedAt: null });
            Object.assign(row, {
              severity: c.severity,
              stationId: c.stationId,
              unitId: c.unitId,
              title: c.title.slice(0, 300),
              detail: c.detail.slice(0, 1000),
              since: toInstant(step.since),
              state: step.do === 'fire' ? 'open' : 'pending',
              firedAt: step.do === 'fire' ? at : null,
            });
            const saved = await m.getRepository(AlertRow).save(row);
            if (step.do === 'fire') notify(saved, 'fired');
            break;
          }
          case 'drop':
            await m.getRepository(AlertRow).delete({ id: step.id, state: 'pending' });
            break;
          case 'resolve':
          case 'close': {
            const row = await m.getRepository(AlertRow).findOneBy({ id: step.id, state: 'open' });
            if (!row) break;
            row.state = 'resolved';
            row.resolvedAt = at;
            await m.getRepository(AlertRow).save(row);
            if (step.do === 'resolve') notify(row, 'resolved');
            break;
          }
        }
      }
      if (owed.length) await m.getRepository(AlertDelivery).save(owed, { chunk: 100 });
      return owed.length;
    });
  }

  /** Deliveries whose turn has come, oldest first. */
  due(now: number, limit: number): Promise<AlertDelivery[]> {
    return this.db.getRepository(AlertDelivery).find({
      where: { state: 'pending', nextAttemptAt: LessThanOrEqual(toInstant(now)) },
      order: { nextAttemptAt: 'ASC', createdAt: 'ASC' },
      take: limit,
    });
  }

  /** The "raised" message of the same alert to the same subscriber is still owed. */
  firedPending(d: AlertDelivery): Promise<boolean> {
    return this.db.getRepository(AlertDelivery).existsBy({ alertId: d.alertId, subscriptionId: d.subscriptionId, event: 'fired', state: 'pending' });
  }

  subscription(id: string): Promise<AlertSubscription | null> {
    return this.db.getRepository(AlertSubscription).findOneBy({ id });
  }

  /** Every subscription, oldest first. */
  subscriptions(): Promise<AlertSubscription[]> {
    return this.db.getRepository(AlertSubscription).find({ order: { createdAt: 'ASC' } });
  }

  addSubscription(row: Omit<AlertSubscription, 'id'>): Promise<AlertSubscription> {
    const repo = this.db.getRepository(AlertSubscription);
    return repo.save(repo.create(row));
  }

  async removeSubscription(id: string): Promise<void> {
    await this.db.getRepository(AlertSubscription).delete({ id });
  }

  /** What the station's agent last reported, as stored (by whichever instance held it). */
  agentState(stationId: string): Promise<StationAgentState | null> {
    return this.db.getRepository(StationAgentState).findOneBy({ stationId });
  }

  async alertView(id: string): Promise<AlertView | null> {
    const row = await this.db.getRepository(AlertRow).findOneBy({ id });
    if (!row) return null;
    return (await this.views([row]))[0];
  }

  async markDelivery(d: AlertDelivery, change: Partial<Pick<AlertDelivery, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt'>>): Promise<void> {
    await this.db.getRepository(AlertDelivery).update({ id: d.id }, change);
  }

  /** Raised alerts (open, or resolved most recently first), at most `limit`. */
  async list(state: 'open' | 'resolved', limit: number, stationId?: string, m: EntityManager = this.db.manager): Promise<AlertView[]> {
    const rows = await m.getRepository(AlertRow).find({
      where: { state, ...(stationId ? { stationId } : {}) },
      order: state === 'open' ? { firedAt: 'DESC' } : { resolvedAt: 'DESC' },
      take: limit,
    });
    return this.views(rows);
  }

  private async views(rows: readonly AlertRow[]): Promise<AlertView[]> {
    const ids = [...new Set(rows.map((r) => r.stationId).filter((id): id is string => id !== null))];
    const names = new Map(ids.length ? (await this.db.getRepository(Station).find({ where: { id: In(ids) }, select: { id: true, name: true } })).map((s) => [s.id, s.name]) : []);
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      severity: r.severity,
      state: r.state === 'resolved' ? 'resolved' : 'open',
      stationId: r.stationId,
      stationName: r.stationId ? (names.get(r.stationId) ?? null) : null,
      unitId: r.unitId,
      title: r.title,
      detail: r.detail,
      since: r.since,
      firedAt: r.firedAt ?? r.since,
      resolvedAt: r.resolvedAt,
    }));
  }
}
