import { INestApplication } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { Api } from '../../../../test/support/api';
import { startInProcessServer } from '../../../../test/support/in-process';
import { engineOf } from '../database/sql';
import { CapFeedPoller } from './cap-feed';

interface Doc {
  identifier: string;
  sent?: string;
  status?: string;
  msgType?: string;
  references?: string;
  severity?: string;
  urgency?: string;
  event?: string;
  areaDesc?: string;
  geocode?: string;
  headline?: string;
  description?: string;
  expires?: string;
  namespace?: string;
}

const SENDER = 'canhbao@kttv.gov.vn';

/** A CAP 1.2 alert with an English and a Vietnamese info block, the way a national agency sends it. */
function cap(d: Doc): string {
  const geocode = d.geocode ? `<geocode><valueName>MA_DVHC</valueName><value>${d.geocode}</value></geocode>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="${d.namespace ?? 'urn:oasis:names:tc:emergency:cap:1.2'}">
  <identifier>${d.identifier}</identifier>
  <sender>${SENDER}</sender>
  <sent>${d.sent ?? '2026-12-04T20:00:00+07:00'}</sent>
  <status>${d.status ?? 'Actual'}</status>
  <msgType>${d.msgType ?? 'Alert'}</msgType>
  <scope>Public</scope>
  ${d.references ? `<references>${d.references}</references>` : ''}
  <info>
    <language>en-US</language>
    <category>Met</category>
    <event>Typhoon</event>
    <urgency>${d.urgency ?? 'Immediate'}</urgency>
    <severity>${d.severity ?? 'Severe'}</severity>
    <certainty>Observed</certainty>
    <headline>Typhoon No. 5 approaching</headline>
    <area><areaDesc>${d.areaDesc ?? 'Xã Cẩm Bình'}</areaDesc></area>
  </info>
  <info>
    <language>vi-VN</language>
    <category>Met</category>
    <event>${d.event ?? 'Bão'}</event>
    <urgency>${d.urgency ?? 'Immediate'}</urgency>
    <severity>${d.severity ?? 'Severe'}</severity>
    <certainty>Observed</certainty>
    ${d.expires ? `<expires>${d.expires}</expires>` : ''}
    <headline>${d.headline ?? 'Bão số 5 sắp đổ bộ'}</headline>
    <description>${d.description ?? 'Bão số 5 cách bờ 200 ki lô mét, gió giật cấp 12'}</description>
    <instruction>Bà con chằng chống nhà cửa, tàu thuyền không ra khơi</instruction>
    <area><areaDesc>${d.areaDesc ?? 'Xã Cẩm Bình'}</areaDesc>${geocode}</area>
  </info>
</alert>`;
}

const ref = (identifier: string, sent = '2026-12-04T20:00:00+07:00') => `${SENDER},${identifier},${sent}`;
const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString().replace(/\.\d+Z$/, '+00:00');

/** CAP alerts in, on a fresh SQLite file with the real migrations and the real speech engine. */
describe('CAP 1.2 alerts in', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let feed: Server;
  let feedBody = '';
  const feedPages: Record<string, string> = {};
  let token: string;
  const stations: Record<string, string> = {};
  const units: Record<string, string> = {};

  const post = (xml: string, bearer: string | null = token) =>
    fetch(`${api.baseUrl}/api/cap`, {
      method: 'POST',
      headers: { 'content-type': 'application/cap+xml', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: xml,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  const relays = async () => (await api.ok('GET', '/api/live/relays')) as { id: string; status: string }[];
  const alertsBy = async (identifier: string) => ((await api.ok('GET', '/api/cap/alerts')) as { identifier: string; decision: string }[]).filter((a) => a.identifier === identifier);

  beforeAll(async () => {
    feed = createServer((req, res) => {
      const body = req.url === '/cap.xml' ? feedBody : feedPages[req.url ?? ''];
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/xml' });
      res.end(body ?? '');
    });
    await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
    const feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/cap.xml`;
    ({ dir, app, api } = await startInProcessServer('loa-cap-int-', { CAP_FEED_URLS: feedUrl, CAP_POLL_SECONDS: '3600' }));

    const province = await api.ok('POST', '/api/units', { name: 'Tỉnh Hà Tĩnh', kind: 'Tỉnh' });
    units.province = province.id;
    for (const [key, name, code] of [
      ['binh', 'Xã Cẩm Bình', '18652'],
      ['vinh', 'Xã Cẩm Vĩnh', '18655'],
    ]) {
      const unit = await api.ok('POST', '/api/units', { name, kind: 'Xã', parentId: province.id, code });
      units[key] = unit.id;
      stations[key] = (await api.ok('POST', '/api/stations', { unitId: unit.id, name: `Trạm ${name}`, code: `tram-${key}` })).station.id;
    }
    await api.ok('POST', '/api/cap/rules', { name: 'Bão nguy hiểm: phát ngay', severities: ['Extreme', 'Severe'], urgencies: ['Immediate'], unitId: province.id, mode: 'air', repeatHours: 6 });
    await api.ok('POST', '/api/cap/rules', { name: 'Lũ: chờ duyệt', events: ['lũ'], unitId: province.id, mode: 'draft' });
    ({ token } = await api.ok('POST', '/api/cap/sources', { name: 'Đài KTTV Bắc Trung Bộ' }));
  }, 60_000);

  afterAll(async () => {
    for (const r of (await relays()).filter((r) => r.status === 'live')) await api.request('POST', `/api/live/relays/${r.id}/stop`);
    await app?.close();
    await new Promise((r) => feed?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('a source token is shown once and stored hashed; a wrong or missing token is refused', async () => {
    expect(token).toMatch(/^cap_/);
    const listed = await api.ok('GET', '/api/cap/sources');
    expect(listed[0]).not.toHaveProperty('tokenHash');
    for (const bearer of [null, 'cap_wrong']) {
      const res = await post(cap({ identifier: 'TOKEN-1' }), bearer);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthorized');
    }
    expect(await alertsBy('TOKEN-1')).toEqual([]);

    // A source deleted is a token revoked.
    const other = await api.ok('POST', '/api/cap/sources', { name: 'Nguồn thử' });
    expect((await post(cap({ identifier: 'TOKEN-2', status: 'Test' }), other.token)).status).toBe(200);
    expect((await api.request('DELETE', `/api/cap/sources/${other.source.id}`)).status).toBe(204);
    expect((await post(cap({ identifier: 'TOKEN-3', status: 'Test' }), other.token)).status).toBe(401);

    // A JSON body is not read as an alert.
    const json = await fetch(`${api.baseUrl}/api/cap`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"identifier":"J-1"}' });
    expect(json.status).toBe(422);
    expect(((await json.json()) as { code: string }).code).toBe('cap_invalid');
  });

  it('a severe, immediate alert for a commune airs at once on that commune only, spoken from the Vietnamese block, repeating every 6 h until it expires', async () => {
    const expires = inHours(20);
    const res = await post(cap({ identifier: 'BAO5-001', expires }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ duplicate: false, alert: { decision: 'aired', msgType: 'Alert', status: 'Actual', unitIds: [units.binh] } });
    const relayId = res.body.alert.relayId as string;
    const status = await api.ok('GET', `/api/live/relays/${relayId}`);
    expect(status.relay).toMatchObject({ kind: 'emergency', sourceKind: 'text', status: 'live', rounds: 4, intervalMs: 6 * 3600_000 });
    expect(Date.parse(status.relay.expiresAt)).toBe(Date.parse(expires));
    expect(status.stations.map((s: { stationId: string }) => s.stationId)).toEqual([stations.binh]);
    const programme = await api.ok('GET', `/api/programmes/${status.relay.programmeId}`);
    expect(programme.description).toBe('Bão số 5 sắp đổ bộ. Bão số 5 cách bờ 200 ki lô mét, gió giật cấp 12. Bà con chằng chống nhà cửa, tàu thuyền không ra khơi.');

    // The same alert again (a feed re-served, a sender retrying) changes nothing.
    const before = (await relays()).length;
    const again = await post(cap({ identifier: 'BAO5-001', expires }));
    expect(again.body).toMatchObject({ duplicate: true, alert: { id: res.body.alert.id, relayId } });
    expect((await relays()).length).toBe(before);
    expect(await alertsBy('BAO5-001')).toHaveLength(1);
  }, 90_000);

  it('an Update replaces the airing text, and a Cancel stops the repeats', async () => {
    const first = await post(cap({ identifier: 'BAO5-010', areaDesc: 'Xã Cẩm Vĩnh' }));
    expect(first.body.alert.decision).toBe('aired');
    const update = await post(
      cap({ identifier: 'BAO5-011', sent: '2026-12-04T23:00:00+07:00', msgType: 'Update', references: ref('BAO5-010'), areaDesc: 'Xã Cẩm Vĩnh', headline: 'Bão số 5 đã vào bờ', description: 'Mưa rất to' }),
    );
    expect(update.body.alert.decision).toBe('aired');
    expect((await api.ok('GET', `/api/live/relays/${first.body.alert.relayId}`)).relay.status).toBe('stopped');
    expect((await alertsBy('BAO5-010'))[0].decision).toBe('superseded');
    const replaced = await api.ok('GET', `/api/live/relays/${update.body.alert.relayId}`);
    expect(replaced.relay.status).toBe('live');
    expect((await api.ok('GET', `/api/programmes/${replaced.relay.programmeId}`)).description).toMatch(/^Bão số 5 đã vào bờ\. Mưa rất to\./);

    const cancel = await post(cap({ identifier: 'BAO5-012', sent: '2026-12-05T02:00:00+07:00', msgType: 'Cancel', references: ref('BAO5-011', '2026-12-04T23:00:00+07:00') }));
    expect(cancel.body.alert.decision).toBe('cancelled');
    expect(cancel.body.alert.relayId).toBeNull();
    expect((await api.ok('GET', `/api/live/relays/${update.body.alert.relayId}`)).relay).toMatchObject({ status: 'stopped' });
    expect((await alertsBy('BAO5-011'))[0].decision).toBe('cancelled');
  }, 120_000);

  it('Test, Exercise and Draft alerts are stored and never aired; an alert for a place under no rule airs nothing', async () => {
    const before = (await relays()).length;
    for (const status of ['Test', 'Exercise', 'Draft']) {
      const res = await post(cap({ identifier: `DIENTAP-${status}`, status }));
      expect(res.status).toBe(200);
      expect(res.body.alert).toMatchObject({ decision: 'not_actual', relayId: null });
    }
    const elsewhere = await post(cap({ identifier: 'BAO5-QB', areaDesc: 'Tỉnh Quảng Bình' }));
    expect(elsewhere.body.alert).toMatchObject({ decision: 'unmatched', relayId: null, unitIds: [] });
    // A commune with no station yet: the alert is kept as failed, with the reason.
    const loc = await api.ok('POST', '/api/units', { name: 'Xã Cẩm Lộc', kind: 'Xã', parentId: units.province });
    const none = await post(cap({ identifier: 'BAO5-LOC', areaDesc: 'Xã Cẩm Lộc' }));
    expect(none.body.alert).toMatchObject({ decision: 'failed', relayId: null, unitIds: [loc.id] });
    expect(none.body.alert.reason).toMatch(/trạm/);
    expect((await relays()).length).toBe(before);
  });

  it('an emergency may repeat every N hours until stopped or expired, a week at most without an expiry', async () => {
    const text = 'Bản tin bão số 5, phát lại mỗi sáu giờ.';
    const open = await api.ok('POST', '/api/live/emergencies', { title: 'Bão số 5', sourceKind: 'text', text, stationIds: [stations.vinh], repeatEveryHours: 6 });
    expect(open.relay).toMatchObject({ rounds: 28, intervalMs: 6 * 3600_000 });
    expect(Date.parse(open.relay.expiresAt) - Date.parse(open.relay.startedAt)).toBeGreaterThan(7 * 24 * 3600_000 - 5 * 60_000);
    await api.ok('POST', `/api/live/relays/${open.relay.id}/stop`);
    const expiresAt = new Date(Date.now() + 13 * 3600_000).toISOString();
    const bounded = await api.ok('POST', '/api/live/emergencies', { title: 'Bão số 5', sourceKind: 'text', text, stationIds: [stations.vinh], repeatEveryHours: 6, expiresAt });
    expect(bounded.relay).toMatchObject({ rounds: 3, intervalMs: 6 * 3600_000 });
    await api.ok('POST', `/api/live/relays/${bounded.relay.id}/stop`);
    const both = await api.request('POST', '/api/live/emergencies', { title: 'Bão', sourceKind: 'text', text, stationIds: [stations.vinh], repeatEveryHours: 6, repeats: 2 });
    expect(both.status).toBe(400);
    expect(both.body.code).toBe('validation_failed');
    for (const repeatEveryHours of [0, 25, 1.5]) {
      expect((await api.request('POST', '/api/live/emergencies', { title: 'Bão', sourceKind: 'text', text, stationIds: [stations.vinh], repeatEveryHours })).status).toBe(400);
    }
  }, 90_000);

  it('a geocode naming a unit code matches that unit', async () => {
    const res = await post(cap({ identifier: 'BAO5-GEO', areaDesc: 'Vùng ven biển', geocode: '18655' }));
    expect(res.body.alert).toMatchObject({ decision: 'aired', unitIds: [units.vinh] });
    await api.ok('POST', `/api/live/relays/${res.body.alert.relayId}/stop`);
  }, 90_000);

  it('a draft rule keeps the alert waiting until an approver approves it', async () => {
    const res = await post(cap({ identifier: 'LU-001', event: 'Lũ quét', severity: 'Moderate', urgency: 'Expected', areaDesc: 'Xã Cẩm Bình' }));
    expect(res.body.alert).toMatchObject({ decision: 'awaiting_approval', relayId: null, unitIds: [units.binh] });
    // An approver of another commune neither sees it nor may air it.
    await api.ok('POST', '/api/users', { username: 'duyet-cam-vinh', displayName: 'Người duyệt xã Cẩm Vĩnh', password: 'approver-password', role: 'approver', unitId: units.vinh });
    const neighbour = new Api(api.baseUrl);
    await neighbour.login('duyet-cam-vinh', 'approver-password');
    expect(((await neighbour.ok('GET', '/api/cap/alerts')) as { id: string }[]).map((a) => a.id)).not.toContain(res.body.alert.id);
    const outside = await neighbour.request('POST', `/api/cap/alerts/${res.body.alert.id}/approve`);
    expect(outside.status).toBe(403);
    expect(outside.body.code).toBe('forbidden');
    expect((await alertsBy('LU-001'))[0].decision).toBe('awaiting_approval');
    const approved = await api.ok('POST', `/api/cap/alerts/${res.body.alert.id}/approve`);
    expect(approved).toMatchObject({ decision: 'approved', relayId: expect.any(String) });
    const status = await api.ok('GET', `/api/live/relays/${approved.relayId}`);
    expect(status.stations.map((s: { stationId: string }) => s.stationId)).toEqual([stations.binh]);
    const twice = await api.request('POST', `/api/cap/alerts/${res.body.alert.id}/approve`);
    expect(twice.status).toBe(409);
    await api.ok('POST', `/api/live/relays/${approved.relayId}/stop`);
  }, 90_000);

  it('what is not CAP 1.2 is refused with a stable code and a Vietnamese message, and nothing is stored', async () => {
    const count = async () => ((await api.ok('GET', '/api/cap/alerts')) as unknown[]).length;
    const before = await count();
    const bomb = `<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${cap({ identifier: '&b;' }).replace(/^<\?xml[^>]*>/, '')}`;
    const cases: [string, string, number, RegExp][] = [
      ['not XML', '{"alert": true}', 422, /XML/],
      ['RSS', '<rss version="2.0"><channel><title>Tin</title></channel></rss>', 422, /<alert>/],
      ['CAP 1.1', cap({ identifier: 'OLD-1', namespace: 'urn:oasis:names:tc:emergency:cap:1.1' }), 422, /CAP 1\.2/],
      ['no sender', cap({ identifier: 'NOSENDER' }).replace(/<sender>.*<\/sender>/, ''), 422, /sender/],
      ['bad msgType', cap({ identifier: 'BADTYPE', msgType: 'Warning' }), 422, /msgType/],
      ['update without references', cap({ identifier: 'NOREF', msgType: 'Update' }), 422, /references/],
      ['entity expansion', bomb, 422, /DOCTYPE/],
      ['oversized', cap({ identifier: 'BIG', description: 'x'.repeat(300 * 1024) }), 413, /quá lớn/],
    ];
    for (const [name, xml, status, message] of cases) {
      const res = await post(xml);
      expect({ name, status: res.status }).toEqual({ name, status });
      expect(res.body.code).toBe(status === 413 ? 'payload_too_large' : 'cap_invalid');
      expect(res.body.message).toMatch(message);
    }
    expect(await count()).toBe(before);
  });

  it("the alert's expires ends the emergency and its repeats", async () => {
    const expires = new Date(Date.now() + 15_000).toISOString().replace(/\.\d+Z$/, '+00:00');
    const res = await post(cap({ identifier: 'BAO5-HETHAN', sent: '2026-12-04T21:00:00+07:00', expires }));
    expect(res.body.alert.decision).toBe('aired');
    const relayId = res.body.alert.relayId as string;
    const relay = (await api.ok('GET', `/api/live/relays/${relayId}`)).relay;
    expect(relay.status).toBe('live');
    expect(relay.rounds).toBe(1); // no 6-hour repeat fits before it expires
    let status = relay.status as string;
    for (let waited = 0; status === 'live' && waited < 45_000; waited += 500) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await api.ok('GET', `/api/live/relays/${relayId}`)).relay.status;
    }
    expect(status).toMatch(/^(ended|stopped)$/);
    expect((await api.ok('GET', `/api/live/relays/${relayId}`)).relay.endReason).toMatch(/Hết hạn|^null$/);
  }, 90_000);

  it('a polled feed on loopback is read, and the same alert served again is ignored', async () => {
    const poller = app.get(CapFeedPoller);
    feedBody = cap({ identifier: 'FEED-001', status: 'Test' });
    await poller.pollOnce();
    await poller.pollOnce();
    const stored = (await api.ok('GET', '/api/cap/alerts')) as { identifier: string; origin: string; decision: string }[];
    const fromFeed = stored.filter((a) => a.identifier === 'FEED-001');
    expect(fromFeed).toHaveLength(1);
    expect(fromFeed[0]).toMatchObject({ decision: 'not_actual', origin: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/cap\.xml$/) });

    // An answer past the size limit is dropped unread.
    feedBody = cap({ identifier: 'FEED-BIG', status: 'Test', description: 'x'.repeat(300 * 1024) });
    await poller.pollOnce();
    expect(((await api.ok('GET', '/api/cap/alerts')) as { identifier: string }[]).some((a) => a.identifier === 'FEED-BIG')).toBe(false);
  });

  it("an Atom index on the feed is followed to its alerts, on the feed's own host only", async () => {
    let outsideHits = 0;
    const outside = createServer((_, res) => {
      outsideHits++;
      res.end(cap({ identifier: 'FEED-OUTSIDE', status: 'Test' }));
    });
    await new Promise<void>((r) => outside.listen(0, '127.0.0.1', r));
    try {
      const elsewhere = `http://127.0.0.1:${(outside.address() as AddressInfo).port}/x.xml`;
      feedPages['/a/1.xml'] = cap({ identifier: 'FEED-ATOM-1', status: 'Exercise' });
      feedPages['/a/2.xml'] = cap({ identifier: 'FEED-ATOM-2', status: 'Test' });
      feedBody = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Cảnh báo</title>
  <entry><title>1</title><link href="a/1.xml"/></entry>
  <entry><title>2</title><link rel="alternate" type="application/cap+xml" href="/a/2.xml"/></entry>
  <entry><title>3</title><link href="${elsewhere}"/></entry>
</feed>`;
      await app.get(CapFeedPoller).pollOnce();
      const stored = (await api.ok('GET', '/api/cap/alerts')) as { identifier: string; origin: string }[];
      expect(stored.filter((a) => a.identifier.startsWith('FEED-ATOM')).map((a) => a.identifier).sort()).toEqual(['FEED-ATOM-1', 'FEED-ATOM-2']);
      expect(stored.find((a) => a.identifier === 'FEED-ATOM-1')?.origin).toMatch(/\/a\/1\.xml$/);
      expect(outsideHits).toBe(0);
    } finally {
      await new Promise((r) => outside.close(r));
    }
  });

  it('the CapAlerts migration goes down and up again', async () => {
    const db = app.get(DataSource);
    const tablesSql =
      engineOf(db) === 'postgres'
        ? `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'cap\\_%' ORDER BY table_name`
        : `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'cap_%' ORDER BY name`;
    const capTables = async () => ((await db.query(tablesSql)) as { name: string }[]).map((t) => t.name);
    expect(await capTables()).toEqual(['cap_alert', 'cap_rule', 'cap_source']);
    // Every migration after CapAlerts goes down first, so the bound is the whole list, not a guess.
    for (let i = 0; i < db.migrations.length && (await capTables()).length; i++) await db.undoLastMigration();
    expect(await capTables()).toEqual([]);
    await db.runMigrations();
    expect(await capTables()).toEqual(['cap_alert', 'cap_rule', 'cap_source']);
  });
});
