import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertView, StationHealthView } from '@loa/api-types';
import { createProgramme, createStation, LinkProxy, secondAhead, type Station } from './faults/fault-kit';
import { Api } from './support/api';
import { Mailbox, type Mail } from './support/mailbox';
import { ADMIN_PASSWORD, eventually, Proc, ServerProc, sleep, startAgentProcess, startServerProcess } from './support/processes';

/**
 * Long enough that the blipped box is surely back before it: after a 3 s cut the agent's jittered backoff
 * (full jitter, doubling from 0.5 s) may wait up to 8 s more before its next try.
 */
const DEBOUNCE_S = 15;

interface Hook {
  at: number;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  payload: { id: string; event: string; alert: AlertView };
}

/** A webhook receiver that answers 500 to its first request, as one briefly down would. */
class Receiver {
  readonly hooks: Hook[] = [];
  private readonly server: Server;
  url = '';
  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = this.hooks.length === 0 ? 500 : 200;
        this.hooks.push({ at: Date.now(), status, headers: req.headers, body, payload: JSON.parse(body) as Hook['payload'] });
        res.writeHead(status).end();
      });
    });
  }
  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/loa-hook`;
  }
  /** Deliveries the receiver accepted. */
  accepted(stationId: string, event: string, kind = 'station_offline'): Hook[] {
    return this.hooks.filter((h) => h.status === 200 && h.payload.event === event && h.payload.alert.stationId === stationId && h.payload.alert.kind === kind);
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** The mails about one station whose subject starts with `prefix`. */
function mailsAbout(mailbox: Mailbox, stationName: string, prefix: string): Mail[] {
  return mailbox.mails.filter((m) => m.subject.startsWith(prefix) && m.subject.includes(stationName) && m.subject.includes('mất kết nối'));
}

/**
 * Alerts end to end: a real server evaluating every second with a 6 s offline debounce, a real SMTP server
 * and a real webhook receiver in this process, and two real agents. One agent is killed before its slot;
 * the other's link blips for a few seconds across its slot's start.
 */
describe('alerts reach people by webhook and e-mail, once, after the debounce', () => {
  let dir: string;
  let server: ServerProc | undefined;
  const agents: Proc[] = [];
  const receiver = new Receiver();
  const mailbox = new Mailbox();
  let proxy: LinkProxy | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-e2e-alerts-'));
    await receiver.start();
    await mailbox.start();
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await server?.stop();
    await proxy?.close();
    await receiver.close();
    await mailbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a box killed before its slot raises one webhook and one e-mail and resolves when it returns; a blip raises nothing', async () => {
    server = await startServerProcess(dir, {
      env: {
        ALERT_EVAL_SECONDS: '1',
        ALERT_OFFLINE_DEBOUNCE_SECONDS: String(DEBOUNCE_S),
        ALERT_RETRY_BASE_SECONDS: '1',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(mailbox.port),
        SMTP_FROM: 'canhbao@loa.example.vn',
      },
    });
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);

    const hook = await api.ok('POST', '/api/alerts/subscriptions', { channel: 'webhook', target: receiver.url });
    expect(hook.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    await api.ok('POST', '/api/alerts/subscriptions', { channel: 'email', target: 'truc-ban@loa.example.vn' });
    const listed = await api.ok('GET', '/api/alerts/subscriptions');
    expect(listed).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toContain(hook.secret);
    const refused = await api.request('POST', '/api/alerts/subscriptions', { channel: 'webhook', target: 'ftp://x.example/hook' });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('validation_failed');

    const killed: Station = await createStation(api, 'mat-dien');
    const blipped: Station = await createStation(api, 'chap-chon');
    const programme = await createProgramme(api, dir, 'Tin CCHC', 550, 3);
    proxy = new LinkProxy(server.port, 50_000_000);
    const proxyPort = await proxy.start();
    const agentKilled = startAgentProcess(join(dir, 'agent-killed'), server.url, killed.token);
    const agentBlipped = startAgentProcess(join(dir, 'agent-blipped'), `http://127.0.0.1:${proxyPort}`, blipped.token);
    agents.push(agentKilled, agentBlipped);
    await eventually('both agents connected', async () => {
      const statuses = (await api.ok('GET', '/api/agents/status')) as { stationId: string; status: unknown }[];
      return [killed.id, blipped.id].every((id) => statuses.some((s) => s.stationId === id && s.status));
    });

    // The box reports its health: disk, uptime, what it lacks; the console reads it per station.
    const health = await eventually('the blipped station reports its health', async () => {
      const h = (await api.ok('GET', `/api/stations/${blipped.id}/health`)) as StationHealthView;
      return h.health ? h : null;
    });
    expect(health.connected).toBe(true);
    expect(health.health!.diskFreeBytes).toBeGreaterThan(0);
    expect(health.health!.lookaheadHours).toBe(48);
    expect(health.clockDriftLimitMs).toBe(500);

    const startAt = secondAhead(25_000);
    const slotStart = Date.parse(startAt);
    await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt, stationIds: [killed.id, blipped.id] });
    await eventually('both agents hold the programme', async () => {
      const statuses = (await api.ok('GET', '/api/agents/status')) as { stationId: string; status: { cacheReady: boolean; scheduleVersion: number | null } | null }[];
      return [killed.id, blipped.id].every((id) => statuses.some((s) => s.stationId === id && s.status?.cacheReady && s.status.scheduleVersion));
    });

    await sleep(Math.max(0, slotStart - 8000 - Date.now()));
    await agentKilled.kill();
    await sleep(Math.max(0, slotStart - 2000 - Date.now()));
    proxy.cut();
    await sleep(Math.max(0, slotStart + 1000 - Date.now()));
    proxy.restore();
    await eventually('the blipped agent reconnected', async () => {
      const statuses = (await api.ok('GET', '/api/agents/status')) as { stationId: string }[];
      return statuses.some((s) => s.stationId === blipped.id);
    });
    const backAt = Date.now();
    expect(backAt - slotStart).toBeLessThan(DEBOUNCE_S * 1000);

    const fired = await eventually('the offline alert reached the webhook', () => receiver.accepted(killed.id, 'alert.fired')[0], 60_000);
    const mailed = await eventually('the offline alert reached the mailbox', () => mailsAbout(mailbox, 'mat-dien', '[Loa] Cảnh báo')[0], 60_000);
    // Never before the debounce, counted from the slot's start.
    expect(fired.at - slotStart).toBeGreaterThanOrEqual(DEBOUNCE_S * 1000);
    expect(mailed.at - slotStart).toBeGreaterThanOrEqual(DEBOUNCE_S * 1000);

    // The receiver refused the first attempt; the same delivery came again after the backoff.
    const first = receiver.hooks[0];
    expect(first.status).toBe(500);
    expect(first.payload.id).toBe(fired.payload.id);
    expect(fired.at - first.at).toBeGreaterThanOrEqual(900);

    // Every request is signed with the subscription's secret over the exact bytes sent.
    for (const h of receiver.hooks) {
      const expected = Buffer.from(`sha256=${createHmac('sha256', hook.secret as string).update(h.body).digest('hex')}`);
      const given = Buffer.from(String(h.headers['x-loa-signature']));
      expect(given.length === expected.length && timingSafeEqual(given, expected)).toBe(true);
      expect(h.headers['x-loa-delivery']).toBe(h.payload.id);
    }
    expect(fired.payload.alert).toMatchObject({ kind: 'station_offline', state: 'open', stationId: killed.id, severity: 'critical' });
    expect(mailed.to).toContain('truc-ban@loa.example.vn');
    expect(mailed.text).toContain('Trạm: Đài truyền thanh xã mat-dien');
    expect(mailed.text).toContain('Hệ thống Loa phát hiện sự cố');

    // The bell: the open alert, listed for the signed-in admin.
    const open = (await api.ok('GET', '/api/alerts')) as AlertView[];
    expect(open.filter((a) => a.kind === 'station_offline').map((a) => a.stationId)).toEqual([killed.id]);

    // Some evaluations later, still exactly one of each, and nothing about the station whose link blipped.
    await sleep(4000);
    expect(receiver.accepted(killed.id, 'alert.fired')).toHaveLength(1);
    expect(mailsAbout(mailbox, 'mat-dien', '[Loa] Cảnh báo')).toHaveLength(1);
    expect(receiver.hooks.filter((h) => h.payload.alert.stationId === blipped.id)).toEqual([]);
    expect(mailbox.mails.filter((m) => m.subject.includes('chap-chon'))).toEqual([]);

    // The box comes back: one "resolved" by each way.
    const returned = startAgentProcess(join(dir, 'agent-killed'), server.url, killed.token);
    agents.push(returned);
    const resolved = await eventually('the resolved alert reached the webhook', () => receiver.accepted(killed.id, 'alert.resolved')[0], 60_000);
    await eventually('the resolved alert reached the mailbox', () => mailsAbout(mailbox, 'mat-dien', '[Loa] Đã khắc phục')[0], 60_000);
    expect(resolved.payload.alert).toMatchObject({ state: 'resolved', id: fired.payload.alert.id });
    await sleep(3000);
    expect(receiver.accepted(killed.id, 'alert.resolved')).toHaveLength(1);
    expect(mailsAbout(mailbox, 'mat-dien', '[Loa] Đã khắc phục')).toHaveLength(1);
    expect(((await api.ok('GET', '/api/alerts')) as AlertView[]).filter((a) => a.kind === 'station_offline')).toEqual([]);
    console.log(
      JSON.stringify({
        spec: 'alerts',
        debounce_s: DEBOUNCE_S,
        fired_after_slot_ms: fired.at - slotStart,
        mailed_after_slot_ms: mailed.at - slotStart,
        webhook_retry_after_ms: fired.at - first.at,
        blip_reconnected_after_slot_ms: backAt - slotStart,
      }),
    );
  }, 240_000);
});
