import { INestApplication } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { AGENT_WS_PATH, PROTOCOL_VERSION, type ScheduleSnapshot } from '@loa/protocol';
import { Api } from '../../../../test/support/api';
import { makeTone } from '../../../../test/support/audio';
import { startInProcessServer } from '../../../../test/support/in-process';
import { countQueries } from '../../../../test/support/query-count';
import { takeOverlaps } from '../../../../test/support/pg-query-guard';
import { TEST_ENGINE } from '../../../../test/support/test-db';
import { createStations } from '../../../../test/bench/bench-stations';
import { ScheduleRepository } from '../schedule/schedule.repository';

/** Agents that connect together: each cost a token lookup, then a station and its airings per greeting. */
const AGENTS = 60;
/** Greetings sent together are answered from a batch or two: a station read and an airings read each. */
const MAX_QUERIES_PER_HELLO = 0.25;

interface TestAgent {
  ws: WebSocket;
  welcomed: Promise<void>;
  snapshot: Promise<ScheduleSnapshot>;
}

/** An agent's connection: welcomed once its token is checked; its schedule comes after its greeting. */
function connect(url: string, token: string): TestAgent {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const frames = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      ws.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as Record<string, unknown>;
        if (frame.type === type) resolve(frame);
      });
      ws.on('close', (code) => reject(new Error(`closed ${code} before ${type}`)));
      ws.on('error', reject);
    });
  return { ws, welcomed: frames('welcome').then(() => undefined), snapshot: frames('schedule').then((f) => f.snapshot as ScheduleSnapshot) };
}

function greet(agent: TestAgent): void {
  agent.ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'spec', scheduleVersion: null, cached: [] }));
}

describe('agents connecting together (a reconnect storm)', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let url: string;
  let tokens: string[];
  let stationIds: string[];
  let slotId: string;

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-hello-'));
    url = (await app.getUrl()).replace('http', 'ws').replace('[::1]', '127.0.0.1') + AGENT_WS_PATH;
    const unit = await api.ok('POST', '/api/units', { name: 'Tỉnh Quảng Trị', kind: 'Tỉnh' });
    ({ tokens, stationIds } = await createStations(api, unit.id, AGENTS));
    const upload = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 1 }));
    await api.waitReady(upload.body.id);
    const programme = await api.ok('POST', '/api/programmes', { title: 'Bản tin', chuyenMuc: 'Thời sự', mediaAssetId: upload.body.id });
    // Half the stations get a slot, so each snapshot must hold its own station's airings and no other's.
    const slot = await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(Date.now() + 3600_000).toISOString(), stationIds: stationIds.filter((_, i) => i % 2 === 0) });
    slotId = slot.id;
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`answers ${AGENTS} agents connecting at once with a few statements in all, each agent its own schedule`, async () => {
    const db = app.get(DataSource);
    let agents: TestAgent[] = [];
    try {
      const tokensRead = countQueries(db);
      agents = tokens.map((t) => connect(url, t));
      await Promise.all(agents.map((a) => a.welcomed));
      tokensRead.stop();
      // Tokens presented within a few milliseconds of each other are looked up together (it was one statement each).
      expect(tokensRead.errors).toEqual([]);
      expect(tokensRead.queries).toBeLessThanOrEqual(AGENTS / 4);

      const greetings = countQueries(db);
      for (const a of agents) greet(a);
      const snapshots = await Promise.all(agents.map((a) => a.snapshot));
      greetings.stop();
      expect(greetings.errors).toEqual([]);
      expect(greetings.queries / AGENTS).toBeLessThanOrEqual(MAX_QUERIES_PER_HELLO);
      snapshots.forEach((s, i) => {
        expect(s.stationId).toBe(stationIds[i]);
        expect(s.items.map((it) => it.slotId)).toEqual(i % 2 === 0 ? [slotId] : []);
      });
    } finally {
      for (const a of agents) a.ws.terminate();
    }
  }, 60_000);

  it('a transaction reads one query at a time (two at once on its connection fail the spec on PostgreSQL)', async () => {
    const db = app.get(DataSource);
    // The guard itself: a Promise.all of reads in one transaction overlaps on its one connection.
    await db.transaction((m) => Promise.all([m.query('SELECT 1'), m.query('SELECT 2'), m.query('SELECT 3')]));
    expect(takeOverlaps().length > 0).toBe(TEST_ENGINE === 'postgres');
    // The schedule's reads inside a transaction (the look-ahead, an edit) go one after another.
    const world = await app.get(ScheduleRepository).transaction((tx) => tx.reads(() => tx.world(), () => tx.targetsOf([slotId])));
    expect(world[0].stations.length).toBeGreaterThanOrEqual(AGENTS);
    expect(world[1].length).toBe(AGENTS / 2);
    expect(takeOverlaps()).toEqual([]);
  });
});
