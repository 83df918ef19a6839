import { INestApplication } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { AgentHealth } from '@loa/protocol';
import type { AlertView, StationHealthView } from '@loa/api-types';
import { Api } from '../../../../test/support/api';
import { makeTone } from '../../../../test/support/audio';
import { startInProcessServer } from '../../../../test/support/in-process';
import { startServer } from '../bootstrap';
import type { AppConfig } from '../config/app-config';
import { StationsService } from '../stations/stations.service';
import { AlertEvaluator } from './alert-evaluator';
import { AlertDelivery } from './alert.entity';

const PASSWORD = 'mat-khau-du-dai-1';

/** A webhook receiver on loopback whose answer the spec sets. */
class Receiver {
  status = 200;
  readonly got: { body: string; signature: string; status: number }[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.got.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['x-loa-signature']), status: this.status });
      res.writeHead(this.status).end();
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

function health(over: Partial<AgentHealth> = {}): AgentHealth {
  return {
    clockOffsetMs: 820,
    clockRoundTripMs: 14,
    diskFreeBytes: 2e9,
    diskTotalBytes: 8e9,
    lookaheadHours: 48,
    missing: [],
    agentUptimeS: 3600,
    systemUptimeS: 86_400,
    temperatureC: 55.5,
    measuredAt: new Date().toISOString(),
    ...over,
  };
}

/**
 * Alerts on the real migrations: evaluated at chosen instants, scoped by unit in the list and in the
 * subscriptions, queued in the outbox with the change that raised them, and sent after a restart.
 */
describe('alerts stored, scoped by unit and delivered from a durable outbox', () => {
  let dir: string;
  let config: AppConfig;
  let app: INestApplication;
  let api: Api;
  const receiverA = new Receiver();
  const receiverAll = new Receiver();
  const unit: Record<'a' | 'b', string> = { a: '', b: '' };
  const station: Record<'a' | 'b', string> = { a: '', b: '' };
  let boundAdmin: Api;
  let operatorB: Api;
  let slotAt = 0;
  let secretAll = '';
  let programmeId = '';

  beforeAll(async () => {
    await receiverA.start();
    await receiverAll.start();
    // Evaluated by hand (the loop's period is long); a 2 s offline debounce; the sender retries every half second.
    ({ dir, app, api, config } = await startInProcessServer('loa-alerts-', { ALERT_EVAL_SECONDS: '600', ALERT_OFFLINE_DEBOUNCE_SECONDS: '2', ALERT_RETRY_BASE_SECONDS: '0.5' }));
    const province = (await api.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' })).id;
    for (const side of ['a', 'b'] as const) {
      unit[side] = (await api.ok('POST', '/api/units', { name: `Xã ${side}`, kind: 'Xã', parentId: province })).id;
      station[side] = (await api.ok('POST', '/api/stations', { unitId: unit[side], name: `Trạm ${side}`, code: `tram-${side}` })).station.id;
    }
    await api.ok('POST', '/api/users', { username: 'admin-a', displayName: 'Quản trị xã a', password: PASSWORD, role: 'admin', unitId: unit.a });
    await api.ok('POST', '/api/users', { username: 'operator-b', displayName: 'Cán bộ xã b', password: PASSWORD, role: 'operator', unitId: unit.b });
    boundAdmin = new Api(api.baseUrl);
    await boundAdmin.login('admin-a', PASSWORD);
    operatorB = new Api(api.baseUrl);
    await operatorB.login('operator-b', PASSWORD);
    const upload = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    await api.waitReady(upload.body.id);
    programmeId = (await api.ok('POST', '/api/programmes', { title: 'CCHC tháng 12', chuyenMuc: 'Cải cách hành chính', mediaAssetId: upload.body.id })).id;
  }, 90_000);

  const until = async (at: number) => {
    while (Date.now() < at) await new Promise((r) => setTimeout(r, Math.min(200, at - Date.now())));
  };

  afterAll(async () => {
    await app?.close();
    await receiverA.close();
    await receiverAll.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('manages subscriptions within the caller\'s unit, shows a webhook secret once and masks it in the audit trail', async () => {
    const all = await api.ok('POST', '/api/alerts/subscriptions', { channel: 'webhook', target: receiverAll.url });
    secretAll = all.secret;
    expect(all.subscription).toMatchObject({ channel: 'webhook', unitId: null, kinds: null });
    const mine = await boundAdmin.ok('POST', '/api/alerts/subscriptions', { channel: 'webhook', target: receiverA.url, unitId: unit.a, kinds: ['station_offline'] });
    expect(mine.secret).toEqual(expect.any(String));

    // A bound admin names its unit, never another's; addresses and kinds are checked; e-mail needs SMTP.
    const noUnit = await boundAdmin.request('POST', '/api/alerts/subscriptions', { channel: 'webhook', target: receiverA.url });
    expect(noUnit.status).toBe(403);
    const sibling = await boundAdmin.request('POST', '/api/alerts/subscriptions', { channel: 'webhook', target: receiverA.url, unitId: unit.b });
    expect([sibling.status, sibling.body.code]).toEqual([403, 'forbidden']);
    const withPassword = await api.request('POST', '/api/alerts/subscriptions', { channel: 'webhook', target: 'https://u:p@hook.example.vn/x' });
    expect([withPassword.status, withPassword.body.code]).toEqual([400, 'validation_failed']);
    const badKind = await api.request('POST', '/api/alerts/subscriptions', { channel: 'webhook', target: receiverA.url, kinds: ['tsunami'] });
    expect(badKind.status).toBe(400);
    const mail = await api.request('POST', '/api/alerts/subscriptions', { channel: 'email', target: 'truc-ban@example.vn' });
    expect([mail.status, mail.body.code]).toEqual([422, 'email_not_configured']);
    expect(mail.body.message).toMatch(/SMTP/);

    expect((await api.ok('GET', '/api/alerts/subscriptions')).map((s: { id: string }) => s.id)).toEqual([all.subscription.id, mine.subscription.id]);
    expect((await boundAdmin.ok('GET', '/api/alerts/subscriptions')).map((s: { id: string }) => s.id)).toEqual([mine.subscription.id]);
    expect(JSON.stringify(await api.ok('GET', '/api/alerts/subscriptions'))).not.toContain(all.secret);
    expect((await boundAdmin.request('DELETE', `/api/alerts/subscriptions/${all.subscription.id}`)).status).toBe(404);

    const audit = await api.ok('GET', `/api/audit?entity=alert_subscription&entityId=${all.subscription.id}`);
    expect(audit.items?.[0]?.after?.secret ?? audit[0]?.after?.secret).toBe('[ẩn]');
  });

  it('raises an offline station once after the debounce, queues one delivery per matching subscription, and lists it only within the unit', async () => {
    const evaluator = app.get(AlertEvaluator);
    const startAt = new Date(Math.ceil((Date.now() + 4000) / 1000) * 1000).toISOString();
    slotAt = Date.parse((await api.ok('POST', '/api/slots', { programmeId, startAt, stationIds: [station.a, station.b] })).startAt);
    // Neither box ever connected; nothing holds before the slot begins.
    expect(await evaluator.evaluateOnce(Date.now())).toEqual([]);
    await until(slotAt + 300);
    const waiting = await evaluator.evaluateOnce(Date.now());
    expect(waiting.map((s) => s.do)).toEqual(['wait', 'wait']);
    expect(await api.ok('GET', '/api/alerts')).toEqual([]);
    await until(slotAt + 2100);
    const fired = await evaluator.evaluateOnce(Date.now());
    expect(fired.map((s) => s.do)).toEqual(['fire', 'fire']);
    expect(await evaluator.evaluateOnce(Date.now())).toEqual([]);

    const everything = (await api.ok('GET', '/api/alerts')) as AlertView[];
    expect(everything.map((a) => a.stationId).sort()).toEqual([station.a, station.b].sort());
    expect(everything[0]).toMatchObject({ kind: 'station_offline', state: 'open', severity: 'critical', since: new Date(slotAt).toISOString() });
    expect(everything[0].title).toMatch(/^Trạm Trạm [ab] mất kết nối khi đến giờ phát$/);
    expect(((await boundAdmin.ok('GET', '/api/alerts')) as AlertView[]).map((a) => a.stationId)).toEqual([station.a]);
    expect(((await operatorB.ok('GET', '/api/alerts')) as AlertView[]).map((a) => a.stationId)).toEqual([station.b]);

    // The unit's subscription hears of its own station only; the global one of both; each signed.
    const deliveries = await app.get(DataSource).getRepository(AlertDelivery).find();
    expect(deliveries).toHaveLength(3);
    const sent = async (r: Receiver, n: number) => {
      const until = Date.now() + 15_000;
      while (r.got.filter((g) => g.status === 200).length < n && Date.now() < until) await new Promise((res) => setTimeout(res, 100));
      return r.got.filter((g) => g.status === 200);
    };
    const toA = await sent(receiverA, 1);
    expect(toA.map((g) => JSON.parse(g.body).alert.stationId)).toEqual([station.a]);
    const toAll = await sent(receiverAll, 2);
    expect(toAll.map((g) => JSON.parse(g.body).alert.stationId).sort()).toEqual([station.a, station.b].sort());
    for (const g of toAll) expect(g.signature).toBe(`sha256=${createHmac('sha256', secretAll).update(g.body).digest('hex')}`);
  }, 40_000);

  it('keeps the box\'s health report, answers it per station within the unit, and flags clock drift past 500 ms', async () => {
    const stations = app.get(StationsService);
    stations.markHealthy(station.a, health());
    await stations.flushSeen();
    const h = (await boundAdmin.ok('GET', `/api/stations/${station.a}/health`)) as StationHealthView;
    expect(h).toMatchObject({ stationId: station.a, connected: false, clockDrift: true, clockDriftLimitMs: 500, cacheReady: true });
    expect(h.health).toMatchObject({ clockOffsetMs: 820, temperatureC: 55.5, diskFreeBytes: 2e9 });
    expect(h.alerts.map((a) => a.kind)).toEqual(['station_offline']);
    const refused = await boundAdmin.request('GET', `/api/stations/${station.b}/health`);
    expect([refused.status, refused.body.code]).toEqual([403, 'forbidden']);
    const bad = await api.request('GET', '/api/stations/khong-phai-uuid/health');
    expect(bad.status).toBe(400);
  }, 20_000);

  it('sends what the outbox owed after a restart, once the receiver is back', async () => {
    const evaluator = app.get(AlertEvaluator);
    // A receiver down: the resolved message for station a waits in the outbox.
    receiverA.status = 503;
    receiverAll.status = 503;
    await app.get(DataSource).getRepository('station').update({ id: station.a }, { lastSeenAt: new Date().toISOString() });
    const steps = await evaluator.evaluateOnce(Date.now());
    expect(steps.map((s) => s.do)).toEqual(['resolve']);
    const giveUp = Date.now() + 10_000;
    while (!receiverA.got.some((g) => g.status === 503) && Date.now() < giveUp) await new Promise((res) => setTimeout(res, 100));
    expect(receiverA.got.some((g) => g.status === 503)).toBe(true);
    await app.close();

    receiverA.status = 200;
    receiverAll.status = 200;
    const before = receiverA.got.filter((g) => g.status === 200).length;
    app = await startServer(config);
    const deadline = Date.now() + 20_000;
    while (receiverA.got.filter((g) => g.status === 200).length === before && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    const resolved = receiverA.got.filter((g) => g.status === 200).slice(before);
    expect(resolved.map((g) => JSON.parse(g.body).event)).toEqual(['alert.resolved']);
    const rows = await app.get(DataSource).getRepository(AlertDelivery).find({ where: { event: 'resolved' } });
    expect(rows.find((r) => r.state === 'sent')!.attempts).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
