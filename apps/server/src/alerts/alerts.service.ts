import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { AlertSubscriptionView, AlertView, CreatedAlertSubscription, StationHealthView } from '@loa/api-types';
import { isAgentOutdated } from '@loa/protocol';
import { AccessPolicy, reaches } from '../access/access-policy';
import { AgentGateway } from '../agents/agent.gateway';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { StationsService } from '../stations/stations.service';
import { MailChannel } from './alert-sender';
import { AlertsRepository } from './alerts.repository';
import { AlertSubscription } from './alert.entity';
import type { CreateAlertSubscriptionDto } from './alerts.dto';

const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

/** A webhook address: http(s), with no user or password in it (the signature is the credential). */
function webhookProblem(target: string): string | null {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'Địa chỉ webhook không hợp lệ.';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Webhook chỉ nhận địa chỉ http hoặc https.';
  if (url.username || url.password) return 'Địa chỉ webhook không được chứa tên đăng nhập hay mật khẩu; máy nhận kiểm tra chữ ký X-Loa-Signature.';
  return null;
}

function toView(s: AlertSubscription): AlertSubscriptionView {
  return { id: s.id, channel: s.channel, target: s.target, unitId: s.unitId, kinds: s.kinds, createdAt: s.createdAt };
}

/** The console's side of alerts: the open ones, scoped by unit; who is told of them; a station's health. */
@Injectable()
export class AlertsService {
  constructor(
    private readonly access: AccessPolicy,
    private readonly store: AlertsRepository,
    private readonly mail: MailChannel,
    private readonly gateway: AgentGateway,
    private readonly stations: StationsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Alerts of the stations `who` reaches: the open ones, or the latest resolved. */
  async listFor(who: Principal, state: 'open' | 'resolved', limit: number): Promise<AlertView[]> {
    const reach = await this.access.reach(who);
    // Read generously and narrowed here: the unit filter is the access policy's, not a query's.
    const rows = await this.store.list(state, reach.all ? limit : 5000);
    return rows.filter((a) => reaches(reach, a.unitId)).slice(0, limit);
  }

  async subscriptionsFor(who: Principal): Promise<AlertSubscriptionView[]> {
    const reach = await this.access.reach(who);
    const rows = await this.store.subscriptions();
    return rows.filter((s) => reach.all || (s.unitId !== null && reaches(reach, s.unitId))).map(toView);
  }

  async subscribe(who: Principal, input: CreateAlertSubscriptionDto): Promise<CreatedAlertSubscription> {
    const reach = await this.access.reach(who);
    if (input.unitId) await this.access.requireUnit(who, input.unitId, 'write');
    else if (!reach.all) throw new LoaError('forbidden', 'Hãy chọn đơn vị: bạn chỉ nhận được cảnh báo của các trạm thuộc đơn vị mình.');
    const target = input.target.trim();
    if (input.channel === 'webhook') {
      const problem = webhookProblem(target);
      if (problem) throw new LoaError('validation_failed', problem, { field: 'target' });
    } else {
      if (!EMAIL.test(target)) throw new LoaError('validation_failed', 'Địa chỉ e-mail không hợp lệ.', { field: 'target' });
      if (!this.mail.configured) throw new LoaError('email_not_configured', 'Máy chủ chưa được cấu hình gửi thư (SMTP_HOST, SMTP_FROM), nên chưa gửi cảnh báo qua e-mail được.');
    }
    const secret = input.channel === 'webhook' ? randomBytes(32).toString('base64url') : null;
    const row = await this.store.addSubscription({
      channel: input.channel,
      target,
      secret,
      unitId: input.unitId ?? null,
      kinds: input.kinds ? [...new Set(input.kinds)] : null,
      createdBy: who.kind === 'user' ? who.userId : null,
      createdAt: this.clock.nowInstant(),
    });
    return { subscription: toView(row), secret };
  }

  async unsubscribe(who: Principal, id: string): Promise<void> {
    const row = await this.store.subscription(id);
    if (!row) throw new LoaError('not_found', 'Không tìm thấy đăng ký nhận cảnh báo này.');
    const reach = await this.access.reach(who);
    if (!reach.all && (row.unitId === null || !reaches(reach, row.unitId))) throw new LoaError('not_found', 'Không tìm thấy đăng ký nhận cảnh báo này.');
    if (row.unitId) await this.access.requireUnit(who, row.unitId, 'write');
    await this.store.removeSubscription(id);
  }

  /** The station's health as the server knows it; the route checks the caller reaches the station. */
  async health(stationId: string): Promise<StationHealthView> {
    const station = await this.stations.get(stationId);
    const state = await this.store.agentState(stationId);
    const live = this.gateway.statuses().find((s) => s.stationId === stationId) ?? null;
    const health = this.gateway.healthOf(stationId) ?? state?.health ?? null;
    const limit = this.config.alerts.settings.clockDriftMs;
    const agentVersion = live?.agentVersion ?? station.agentVersion;
    const offset = health?.clockOffsetMs ?? null;
    return {
      stationId,
      stationName: station.name,
      connected: live !== null,
      lastSeenAt: live ? live.lastFrameAt : station.lastSeenAt,
      agentVersion,
      agentOutdated: isAgentOutdated(agentVersion),
      output: live?.status ? (live.status.output ?? null) : (state?.output ?? null),
      health,
      clockDriftLimitMs: limit,
      clockDrift: offset !== null && Math.abs(offset) > limit,
      cacheReady: health ? health.missing.length === 0 : live?.status ? live.status.cacheReady : (state?.missingFiles ?? 1) === 0,
      alerts: await this.store.list('open', 50, stationId),
    };
  }
}
