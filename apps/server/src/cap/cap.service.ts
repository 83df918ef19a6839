import { createHash, randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { LiveService } from '../live/live.service';
import { UnitsService } from '../units/units.service';
import { normaliseName, parseCap, spokenText, type CapAlertDoc, type CapInfo } from './cap-parse';
import { CapAlert, CapRule, CapSource, type CapDecision, type CapRuleMode } from './cap.entity';
import { CapRepository, type NewCapAlert } from './cap.repository';
import { fromInstant, toInstant } from '@loa/protocol';

export function hashCapToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The live service refuses an expiry more than 7 days ahead; a longer CAP expiry is cut a minute short of it. */
const MAX_AIR_MS = 7 * 24 * 3600_000 - 60_000;
/** The speech engine's limit on one text. */
const MAX_SPOKEN = 5000;

export interface NewCapRule {
  name: string;
  severities?: string[];
  urgencies?: string[];
  events?: string[];
  unitId: string;
  mode: CapRuleMode;
  repeatHours?: number | null;
}

export interface Received {
  duplicate: boolean;
  alert: CapAlert;
}

/**
 * CAP 1.2 alerts in: each received alert is stored with the decision taken, and, when a rule says so,
 * read out by the speech engine as an emergency on the stations of the units its areas name.
 */
@Injectable()
export class CapService {
  private readonly log = new Logger('Cap');
  /** One alert at a time, so a duplicate arriving while the first is spoken is still seen as one. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: CapRepository,
    private readonly clock: Clock,
    private readonly live: LiveService,
    private readonly units: UnitsService,
  ) {}

  // ---- sources and rules ----

  async createSource(name: string, who: Principal): Promise<{ source: ReturnType<typeof publicSource>; token: string }> {
    const token = `cap_${randomBytes(24).toString('base64url')}`;
    const source = await this.db.addSource({ name, tokenHash: hashCapToken(token), createdBy: who.kind === 'user' ? who.userId : null, createdAt: this.clock.nowInstant() });
    return { source: publicSource(source), token };
  }

  async listSources() {
    return (await this.db.sources()).map(publicSource);
  }

  async deleteSource(id: string): Promise<void> {
    if (!(await this.db.deleteSource(id))) throw new LoaError('not_found', 'Không tìm thấy nguồn CAP này.', { id });
  }

  async sourceForToken(token: string | null): Promise<CapSource> {
    const source = token ? await this.db.sourceByTokenHash(hashCapToken(token)) : null;
    if (!source) throw new LoaError('unauthorized', 'Mã nguồn CAP không đúng hoặc đã bị thu hồi.');
    return source;
  }

  async createRule(input: NewCapRule, who: Principal): Promise<CapRule> {
    if (who.kind !== 'user') throw new LoaError('forbidden', 'Chỉ quản trị viên được đặt quy tắc CAP.');
    await this.units.get(input.unitId);
    return this.db.addRule({
      name: input.name,
      severities: input.severities ?? [],
      urgencies: input.urgencies ?? [],
      events: input.events ?? [],
      unitId: input.unitId,
      mode: input.mode,
      repeatHours: input.repeatHours ?? null,
      createdBy: who.userId,
      createdAt: this.clock.nowInstant(),
    });
  }

  listRules() {
    return this.db.rules();
  }

  /** Someone confined to a unit sees the rules set inside it and the alerts that named a place in it. */
  async rulesFor(who: Principal): Promise<CapRule[]> {
    const own = await this.ownUnits(who);
    return (await this.listRules()).filter((r) => !own || own.has(r.unitId));
  }

  async alertsFor(who: Principal, limit = 100): Promise<CapAlert[]> {
    const own = await this.ownUnits(who);
    if (!own) return this.listAlerts(limit);
    return (await this.listAlerts(1000)).filter((a) => a.unitIds.some((u) => own.has(u))).slice(0, limit);
  }

  private async ownUnits(who: Principal): Promise<Set<string> | null> {
    if (who.kind !== 'user' || who.role === 'admin' || !who.unitId) return null;
    return new Set(await this.units.subtreeIds(who.unitId));
  }

  async deleteRule(id: string): Promise<void> {
    if (!(await this.db.deleteRule(id))) throw new LoaError('not_found', 'Không tìm thấy quy tắc CAP này.', { id });
  }

  listAlerts(limit = 100) {
    return this.db.alerts(limit);
  }

  // ---- receiving ----

  /** Parses, stores and acts on one CAP document; a repeat of a stored alert changes nothing. */
  receive(xml: string, origin: string): Promise<Received> {
    const doc = parseCap(xml); // refused before anything is queued
    const run = this.queue.then(() => this.handle(doc, origin));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async handle(doc: CapAlertDoc, origin: string): Promise<Received> {
    const known = await this.db.alertByKey(doc.sender, doc.identifier, doc.sent);
    if (known) {
      this.log.log(`CAP ${doc.sender}/${doc.identifier} already received: ignored`);
      return { duplicate: true, alert: known };
    }
    const info = doc.infos.find((i) => i.language.toLowerCase() === 'vi-vn') ?? null;
    const expiresAt = info?.expires ?? null;
    const row: NewCapAlert = {
      identifier: doc.identifier,
      sender: doc.sender,
      sent: doc.sent,
      msgType: doc.msgType,
      status: doc.status,
      decision: 'ignored',
      reason: null,
      event: (info?.event ?? doc.infos[0]?.event ?? '').slice(0, 300),
      severity: (info?.severity ?? '').slice(0, 20),
      urgency: (info?.urgency ?? '').slice(0, 20),
      spokenText: info ? spokenText(info).slice(0, MAX_SPOKEN) : '',
      unitIds: [],
      ruleId: null,
      relayId: null,
      references: doc.references.map((r) => `${r.sender},${r.identifier},${r.sent}`).join(' ').slice(0, 2000) || null,
      expiresAt,
      origin: origin.slice(0, 2000),
      approvedBy: null,
      receivedAt: this.clock.nowInstant(),
    };
    const decide = (decision: CapDecision, reason: string | null) => Object.assign(row, { decision, reason });

    if (doc.status !== 'Actual') {
      decide('not_actual', `Bản tin có trạng thái ${doc.status}: không phát.`);
    } else if (doc.msgType === 'Ack' || doc.msgType === 'Error') {
      decide('ignored', `Bản tin loại ${doc.msgType}: không cần phát.`);
    } else if (doc.msgType === 'Cancel') {
      const ended = await this.endReferenced(doc, 'cancelled');
      decide('cancelled', `Đã huỷ ${ended} bản tin trước.`);
    } else {
      if (doc.msgType === 'Update') await this.endReferenced(doc, 'superseded');
      await this.decideAlert(row, info, decide);
    }
    const saved = await this.db.addAlert(row);
    this.log.log(`CAP ${doc.msgType} ${doc.sender}/${doc.identifier} (${doc.status}): ${row.decision}${row.reason ? ` — ${row.reason}` : ''}`);
    return { duplicate: false, alert: saved };
  }

  private async decideAlert(row: NewCapAlert, info: CapInfo | null, decide: (d: CapDecision, reason: string | null) => void): Promise<void> {
    if (!info || !row.spokenText) return decide('no_vietnamese', 'Bản tin không có phần nội dung tiếng Việt (vi-VN) để đọc.');
    if (row.expiresAt && fromInstant(row.expiresAt) <= this.clock.now()) return decide('ignored', 'Bản tin đã hết hạn khi đến.');
    const match = await this.match(info);
    if (!match) return decide('unmatched', 'Không có quy tắc nào khớp với bản tin và khu vực của nó.');
    row.ruleId = match.rule.id;
    row.unitIds = match.unitIds;
    if (match.rule.mode === 'draft') return decide('awaiting_approval', 'Chờ người duyệt cho phát.');
    const creator = await this.db.user(match.rule.createdBy);
    if (!creator || creator.disabled) return decide('failed', 'Người đặt quy tắc không còn hoạt động: không phát.');
    await this.air(row, match.rule, { kind: 'user', userId: creator.id, username: creator.username, role: creator.role, unitId: creator.unitId });
    decide(row.relayId ? 'aired' : 'failed', row.relayId ? null : row.reason);
  }

  /** The first rule whose conditions hold and under whose unit the alert's areas name at least one unit. */
  private async match(info: CapInfo): Promise<{ rule: CapRule; unitIds: string[] } | null> {
    const rules = await this.listRules();
    const descs = info.areas.map((a) => normaliseName(a.areaDesc)).filter(Boolean);
    const codes = new Set(info.areas.flatMap((a) => a.geocodes.map((g) => g.toLowerCase())));
    const event = normaliseName(info.event);
    for (const rule of rules) {
      if (rule.severities.length && !rule.severities.includes(info.severity)) continue;
      if (rule.urgencies.length && !rule.urgencies.includes(info.urgency)) continue;
      if (rule.events.length && !rule.events.some((e) => event.includes(normaliseName(e)))) continue;
      const under = await this.units.subtreeIds(rule.unitId).catch(() => [] as string[]);
      if (!under.length) continue;
      const units = await this.db.units(under);
      const named = units.filter((u) => (u.code && codes.has(u.code.toLowerCase())) || descs.some((d) => namesPlace(d, normaliseName(u.name))));
      if (named.length) return { rule, unitIds: named.map((u) => u.id) };
    }
    return null;
  }

  /** Starts the emergency; on failure the reason is kept on the row and the error returned. */
  private async air(row: NewCapAlert, rule: CapRule, who: Principal): Promise<Error | null> {
    const now = this.clock.now();
    const until = row.expiresAt ? Math.min(fromInstant(row.expiresAt), now + MAX_AIR_MS) : null;
    try {
      const { relay } = await this.live.start(
        {
          kind: 'emergency',
          title: `Cảnh báo: ${row.event || row.identifier}`.slice(0, 300),
          sourceKind: 'text',
          text: row.spokenText,
          unitIds: row.unitIds,
          repeatEveryHours: rule.repeatHours ?? undefined,
          expiresAt: until ? toInstant(until) : undefined,
        },
        who,
      );
      row.relayId = relay.id;
      return null;
    } catch (e) {
      row.reason = `Không phát được: ${(e as Error).message}`.slice(0, 1000);
      this.log.error(`CAP ${row.identifier}: ${row.reason}`);
      return e as Error;
    }
  }

  /** Stops the emergencies of the alerts referenced, and takes drafts off the approval list. */
  private async endReferenced(doc: CapAlertDoc, as: 'cancelled' | 'superseded'): Promise<number> {
    let ended = 0;
    for (const ref of doc.references) {
      const earlier = await this.db.alertByKey(ref.sender, ref.identifier, ref.sent);
      if (!earlier) continue;
      if (earlier.relayId) await this.stopQuietly(earlier.relayId, earlier.ruleId);
      if (earlier.decision === 'aired' || earlier.decision === 'approved' || earlier.decision === 'awaiting_approval') {
        await this.db.updateAlert(earlier.id, { decision: as });
        ended++;
      }
    }
    return ended;
  }

  /** Stops an alert's emergency in the name of its rule's maker, who started it. */
  private async stopQuietly(relayId: string, ruleId: string | null): Promise<void> {
    const rule = ruleId ? await this.db.rule(ruleId) : null;
    const maker = rule ? await this.db.user(rule.createdBy) : null;
    if (!maker) {
      this.log.warn(`CAP: the emergency ${relayId} has no rule maker left to stop it in the name of`);
      return;
    }
    try {
      await this.live.stop(relayId, { kind: 'user', userId: maker.id, username: maker.username, role: maker.role, unitId: maker.unitId });
    } catch (e) {
      if (!(e instanceof LoaError && (e.code === 'conflict' || e.code === 'not_found'))) throw e;
    }
  }

  // ---- approval ----

  async approve(id: string, who: Principal): Promise<CapAlert> {
    const row = await this.db.alert(id);
    if (!row) throw new LoaError('not_found', 'Không tìm thấy bản tin CAP này.', { id });
    if (row.decision !== 'awaiting_approval') throw new LoaError('invalid_state', 'Bản tin này không chờ duyệt.', { decision: row.decision });
    if (row.expiresAt && fromInstant(row.expiresAt) <= this.clock.now()) throw new LoaError('invalid_state', 'Bản tin đã hết hạn.');
    if (who.kind !== 'user') throw new LoaError('forbidden', 'Chỉ người duyệt được cho phát.');
    if (who.unitId) {
      const own = new Set(await this.units.subtreeIds(who.unitId));
      if (!row.unitIds.every((u) => own.has(u))) throw new LoaError('forbidden', 'Bản tin này có khu vực ngoài đơn vị của bạn, nên chỉ cấp trên mới duyệt được.');
    }
    const rule = row.ruleId ? await this.db.rule(row.ruleId) : null;
    if (!rule) throw new LoaError('invalid_state', 'Quy tắc của bản tin này đã bị xoá.');
    const failed = await this.air(row, rule, who);
    // The draft stays waiting: the approver sees why (no station in the area, speech failed) and may retry.
    if (failed) throw failed instanceof LoaError ? failed : new LoaError('internal', row.reason ?? 'Không phát được bản tin.');
    row.decision = 'approved';
    row.approvedBy = who.userId;
    await this.db.updateAlert(row.id, { decision: row.decision, approvedBy: row.approvedBy, relayId: row.relayId, reason: null });
    return row;
  }
}

/** The unit's name appears in the area description as whole words ("xã cẩm bình" in "xã cẩm bình, xã cẩm vĩnh"). */
function namesPlace(desc: string, name: string): boolean {
  if (!name) return false;
  let at = desc.indexOf(name);
  while (at >= 0) {
    const before = at === 0 ? '' : desc[at - 1];
    const after = desc[at + name.length] ?? '';
    if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) return true;
    at = desc.indexOf(name, at + 1);
  }
  return false;
}

function publicSource(s: CapSource) {
  const { tokenHash: _hidden, ...rest } = s;
  return rest;
}
