import { join } from 'node:path';
import { Client } from 'pg';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { startClusterEngines, type ClusterEngines } from './support/cluster';
import { NATS_MISSING, natsAvailable } from './support/nats';
import { PG_MISSING, postgresAvailable } from './support/postgres';
import { ADMIN_PASSWORD, eventually, Proc, ServerProc, sleep, startAgentProcess } from './support/processes';

const haveNats = natsAvailable();
const havePg = postgresAvailable();
if (!haveNats) console.warn(NATS_MISSING);
if (!havePg) console.warn(PG_MISSING);
const describeCluster = haveNats && havePg ? describe : describe.skip;

const TITLE = 'Cảnh báo lũ quét';
const AIRED = /THÔNG BÁO KHẨN CẤP: "Cảnh báo lũ quét"/g;
/** An agent that reaches an instance during an emergency it has not aired hears it within this, once an instance encodes it. */
const CATCH_UP_BOUND_MS = 1000;

const aired = (agent: Proc) => [...agent.text.matchAll(AIRED)].length;

/** Like `eventually`, polled every 20 ms, so the moments it gives are close to the truth. */
async function soon<T>(what: string, check: () => Promise<T | false> | T | false, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Two instances on one PostgreSQL and one NATS. An emergency of a stored programme is started on A, which
 * holds the first station's agent; after its airing it stays in force for stations that come late. Late
 * stations reach B: while A lives, and after A is SIGKILLed (one just before B has taken the emergency
 * over). Each hears it once, and the station that aired it on A, moving to B, does not hear it again.
 */
describeCluster('an emergency reaches a station that connects late to another instance, also after its instance died', () => {
  let cluster: ClusterEngines;
  let dir: string;
  let servers: ServerProc[] = [];
  let db: Client;
  const agents: Proc[] = [];
  let api: Api;
  const stations: { id: string; token: string }[] = [];

  beforeAll(async () => {
    cluster = await startClusterEngines('cluster-catchup', ['a', 'b']);
    ({ dir, servers } = cluster);
    db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    api = new Api(servers[0].url);
    await api.login('admin', ADMIN_PASSWORD);
    const province = await api.ok('POST', '/api/units', { name: 'Tỉnh Lào Cai', kind: 'Tỉnh' });
    for (let i = 1; i <= 3; i++) {
      const commune = await api.ok('POST', '/api/units', { name: `Xã vùng cao ${i}`, kind: 'Xã', parentId: province.id });
      const { station, token } = await api.ok('POST', '/api/stations', { unitId: commune.id, name: `Đài xã vùng cao ${i}`, code: `vc-${i}` });
      stations.push({ id: station.id, token });
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await db?.end().catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  /** The agent of station `i`, given these instances; resolves once it is connected, with when. */
  async function connect(i: number, urls: string[]): Promise<{ agent: Proc; connectedAt: number }> {
    const agent = startAgentProcess(join(dir, `agent-${i + 1}`), urls.join(','), stations[i].token);
    agents.push(agent);
    const connectedAt = await soon(`agent ${i + 1} connected`, () => agent.text.includes('Đã kết nối máy chủ') && Date.now(), 30_000);
    return { agent, connectedAt };
  }

  it('plays it within 1 s to a station that reaches B while A encodes it, and after A dies to one that reached B before B took it over, never twice to one that aired it', async () => {
    const [a, b] = servers;
    const first = (await connect(0, [a.url, b.url])).agent;
    const upload = await api.upload(await makeTone(join(dir, 'canh-bao.wav'), { frequency: 660, seconds: 3 }));
    const asset = await api.waitReady(upload.body.id, 60_000);
    const programme = await api.ok('POST', '/api/programmes', { title: TITLE, chuyenMuc: 'Phòng chống thiên tai', mediaAssetId: asset.id });
    const started = await api.ok('POST', '/api/live/emergencies', {
      title: TITLE,
      sourceKind: 'programme',
      programmeId: programme.id,
      stationIds: stations.map((s) => s.id),
      expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
    });
    const relayId: string = started.relay.id;
    await eventually('the first station airs it from A', () => aired(first) === 1, 20_000);
    // Its airing is over; the emergency stays in force for latecomers.
    await eventually('the round over', async () => (await db.query('SELECT 1 FROM live_relay_lease WHERE "relayId" = $1 AND NOT "onAir" AND "roundEndedAt" IS NOT NULL', [relayId])).rowCount === 1, 20_000);

    // A station reaches B while A encodes the emergency.
    const second = await connect(1, [b.url]);
    const secondHeard = await soon('the second station airs it, through B', () => aired(second.agent) === 1 && Date.now(), 10_000);
    await eventually('its catch-up over', async () => (await db.query('SELECT 1 FROM live_relay_lease WHERE "relayId" = $1 AND NOT "onAir" AND "round" = 2 AND "roundEndedAt" IS NOT NULL', [relayId])).rowCount === 1, 20_000);

    // A dies. A third station reaches B at once, before B can take the emergency over (its lease still runs).
    await a.kill();
    const third = await connect(2, [b.url]);
    const takenOverAt = await soon('B holds the emergency', () => b.text.includes(`relay ${relayId}: its instance stopped renewing the lease; taken over here`) && Date.now(), 15_000);
    const thirdHeard = await soon('the third station airs it, from B', () => aired(third.agent) === 1 && Date.now(), 15_000);

    // The first station moves to B: it aired the emergency on A, and does not air it again.
    const bHost = new URL(b.url).host;
    await eventually('the first station back, on B', () => first.text.split('\n').some((l) => l.includes('Đã kết nối máy chủ') && l.includes(bHost)), 20_000);
    await sleep(3000);
    console.log(
      JSON.stringify({ emergency_catch_up: { via_b_ms: secondHeard - second.connectedAt, after_takeover_ms: thirdHeard - Math.max(takenOverAt, third.connectedAt), bound_ms: CATCH_UP_BOUND_MS } }),
    );
    expect(secondHeard - second.connectedAt).toBeLessThanOrEqual(CATCH_UP_BOUND_MS);
    // Polled every 20 ms on both sides: the third station hears it within the bound of B taking it over.
    expect(thirdHeard - Math.max(takenOverAt, third.connectedAt)).toBeLessThanOrEqual(CATCH_UP_BOUND_MS);
    expect([aired(first), aired(second.agent), aired(third.agent)]).toEqual([1, 1, 1]);
  }, 180_000);
});
