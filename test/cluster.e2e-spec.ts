import { join } from 'node:path';
import { Api } from './support/api';
import { makeTone } from './support/audio';
import { startClusterEngines, type ClusterEngines } from './support/cluster';
import { NATS_MISSING, natsAvailable, type NatsServer } from './support/nats';
import { PG_MISSING, postgresAvailable } from './support/postgres';
import { ADMIN_PASSWORD, eventually, Proc, readSink, ServerProc, sleep, startAgentProcess } from './support/processes';

const haveNats = natsAvailable();
const havePg = postgresAvailable();
if (!haveNats) console.warn(NATS_MISSING);
if (!havePg) console.warn(PG_MISSING);
const describeCluster = haveNats && havePg ? describe : describe.skip;

/** How many schedules an agent has taken, as it logs each one. */
const schedulesTaken = (agent: Proc) => agent.text.split('Nhận lịch phiên bản').length - 1;

/** Waits, polling finely, until the agent has taken more than `before` schedules; returns when (ms). */
async function nextSchedule(agent: Proc, before: number, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (schedulesTaken(agent) <= before) {
    if (Date.now() > until) throw new Error(`no new schedule within ${timeoutMs} ms:\n${agent.text}`);
    await sleep(10);
  }
  return Date.now();
}

/**
 * Three server instances on one PostgreSQL and one NATS, with real agents (file players) spread over
 * them: what is done through one instance reaches the agents the others hold, and survives a NATS restart.
 */
describeCluster('three server instances on PostgreSQL and NATS', () => {
  let cluster: ClusterEngines;
  let dir: string;
  let nats: NatsServer;
  let servers: ServerProc[] = [];
  const apis: Api[] = [];
  const agents: Proc[] = [];
  let provinceId: string;
  /** Station i's agent is held by instance `on`. */
  const stations: { id: string; token: string; dir: string; on: number }[] = [];

  const admin = (i: number) => apis[i];
  const programmeFrom = async (name: string, frequency: number, seconds: number) => {
    const upload = await admin(0).upload(await makeTone(join(dir, name), { frequency, seconds }));
    expect(upload.status).toBe(201);
    const asset = await admin(0).waitReady(upload.body.id);
    return admin(0).ok('POST', '/api/programmes', { title: `Chương trình ${name}`, chuyenMuc: 'Cải cách hành chính', mediaAssetId: asset.id });
  };
  const connectedOn = async (i: number) => ((await admin(i).ok('GET', '/api/agents/status')) as { stationId: string }[]).map((a) => a.stationId).sort();

  beforeAll(async () => {
    // What every instance shares besides the database: the media store, the signing secret, the seal key.
    cluster = await startClusterEngines('cluster', ['a', 'b', 'c']);
    ({ dir, nats, servers } = cluster);
    for (const server of servers) {
      const api = new Api(server.url);
      await api.login('admin', ADMIN_PASSWORD);
      apis.push(api);
    }
    provinceId = (await admin(0).ok('POST', '/api/units', { name: 'Tỉnh Quảng Trị', kind: 'Tỉnh' })).id;
    // One station on A, one on B, two on C (the last one's token is revoked through B).
    for (const [i, on] of [0, 1, 2, 2].entries()) {
      const commune = await admin(0).ok('POST', '/api/units', { name: `Xã số ${i + 1}`, kind: 'Xã', parentId: provinceId });
      const { station, token } = await admin(0).ok('POST', '/api/stations', { unitId: commune.id, name: `Đài xã số ${i + 1}`, code: `xa-${i + 1}` });
      stations.push({ id: station.id, token, dir: join(dir, `agent-${i + 1}`), on });
    }
    for (const s of stations) agents.push(startAgentProcess(s.dir, servers[s.on].url, s.token));
    const all = stations.map((s) => s.id).sort();
    // Every instance lists every agent, wherever it is held.
    for (let i = 0; i < 3; i++) await eventually(`instance ${i} lists all four agents`, async () => JSON.stringify(await connectedOn(i)) === JSON.stringify(all), 30_000);
    await eventually('each agent took its first schedule', () => agents.every((a) => schedulesTaken(a) >= 1), 30_000);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await cluster?.stop();
  }, 60_000);

  it('a schedule change made through A reaches an agent held by C within a second', async () => {
    const programme = await programmeFrom('lich-moi.wav', 500, 2);
    const onC = agents[2];
    const before = schedulesTaken(onC);
    const startAt = new Date(Date.now() + 3600_000).toISOString();
    const sent = Date.now();
    await admin(0).ok('POST', '/api/slots', { programmeId: programme.id, startAt, stationIds: stations.map((s) => s.id) });
    const made = Date.now();
    const arrived = await nextSchedule(onC, before, 10_000);
    console.log(`schedule change through A reached the agent on C ${arrived - made} ms after the answer (${arrived - sent} ms after the request)`);
    expect(arrived - made).toBeLessThanOrEqual(1000);
  }, 90_000);

  it('an emergency started on A preempts the agents held by B and C within a second', async () => {
    const long = await programmeFrom('chuong-trinh-dai.wav', 880, 12);
    const alarm = await programmeFrom('khan-cap.wav', 1200, 3);
    const t0 = Math.ceil((Date.now() + 8000) / 1000) * 1000;
    const ids = stations.slice(0, 3).map((s) => s.id);
    const slot = await admin(1).ok('POST', '/api/slots', { programmeId: long.id, startAt: new Date(t0).toISOString(), stationIds: ids });
    await eventually('the long programme on air everywhere', () => stations.slice(0, 3).every((s) => readSink(join(s.dir, 'sink')).some((r) => r.slotId === slot.id)), 30_000);
    await sleep(1500);
    const emergency = await admin(0).ok('POST', '/api/live/emergencies', {
      title: 'Khẩn cấp: bão số 5 đổ bộ, người dân không ra khơi',
      sourceKind: 'programme',
      programmeId: alarm.id,
      stationIds: ids,
    });
    const relayId: string = emergency.relay.id;
    const startedAt = Date.parse(emergency.relay.startedAt);
    const lines = await eventually(
      'the cut and the emergency in the logbook of every station',
      async () => {
        const items = (await admin(2).ok('GET', `/api/logbook?from=${encodeURIComponent(new Date(t0 - 1000).toISOString())}`)).items as any[];
        const per = ids.map((id) => ({
          cut: items.find((l) => l.stationId === id && l.slotId === slot.id),
          alarm: items.find((l) => l.stationId === id && l.slotId === relayId),
        }));
        return per.every((p) => p.cut && p.alarm) && per;
      },
      40_000,
    );
    const cuts = lines.map(({ cut }) => Date.parse(cut.endedAt) - startedAt);
    const airs = lines.map(({ alarm: line }) => Date.parse(line.actualStart) - startedAt);
    console.log(`emergency started on A: programme cut after ${cuts.join(' / ')} ms, emergency heard after ${airs.join(' / ')} ms (agents on A / B / C)`);
    for (const [i, { cut, alarm: line }] of lines.entries()) {
      expect(cut).toMatchObject({ result: 'interrupted', reason: 'preempted' });
      expect(cuts[i]).toBeLessThanOrEqual(1000);
      expect(line).toMatchObject({ source: 'emergency', priority: 'emergency', result: 'complete' });
      // The emergency's audio follows once the encoder's first groups are in; on B and C it is heard with A's.
      expect(Math.abs(airs[i] - airs[0])).toBeLessThanOrEqual(500);
    }
  }, 120_000);

  it('five failed sign-ins spread over the three instances close sign-in on all of them', async () => {
    await admin(0).ok('POST', '/api/users', { username: 'kiemthu', displayName: 'Người kiểm thử', password: 'kiemthu-password', role: 'editor' });
    for (let i = 0; i < 5; i++) {
      const res = await new Api(servers[i % 3].url).request('POST', '/api/auth/login', { username: 'kiemthu', password: `sai-mat-khau-${i}` });
      expect(res.status).toBe(401);
    }
    for (const server of servers) {
      const res = await new Api(server.url).request('POST', '/api/auth/login', { username: 'kiemthu', password: 'kiemthu-password' });
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('too_many_requests');
    }
  }, 60_000);

  it('a station token revoked through B drops its agent held by C, and no instance lists it any more', async () => {
    const revoked = stations[3];
    expect(revoked.on).toBe(2);
    await admin(1).ok('DELETE', `/api/stations/${revoked.id}/token`);
    await agents[3].waitFor(/Mã trạm đã bị thu hồi/, 5000);
    for (let i = 0; i < 3; i++) await eventually(`instance ${i} no longer lists the revoked station`, async () => !(await connectedOn(i)).includes(revoked.id), 5000);
  }, 60_000);

  it('recovers from a NATS restart without restarting any instance: a later schedule change still crosses', async () => {
    await nats.restart();
    const programme = await programmeFrom('sau-khi-khoi-dong-lai.wav', 700, 2);
    const onB = agents[1];
    const onC = agents[2];
    const before = [schedulesTaken(onB), schedulesTaken(onC)];
    await admin(0).ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(Date.now() + 7200_000).toISOString(), stationIds: stations.slice(0, 3).map((s) => s.id) });
    await nextSchedule(onB, before[0], 20_000);
    await nextSchedule(onC, before[1], 20_000);
    // Presence came back too: every instance lists the three agents still connected.
    const live = stations.slice(0, 3).map((s) => s.id).sort();
    for (let i = 0; i < 3; i++) await eventually(`instance ${i} lists the three agents`, async () => JSON.stringify(await connectedOn(i)) === JSON.stringify(live), 20_000);
    // And once the link is back, a change crosses as fast as before.
    const again = schedulesTaken(onC);
    await admin(0).ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(Date.now() + 9000_000).toISOString(), stationIds: [stations[2].id] });
    const made = Date.now();
    expect((await nextSchedule(onC, again, 10_000)) - made).toBeLessThanOrEqual(1000);
  }, 120_000);
});
