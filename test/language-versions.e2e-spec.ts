import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from './support/api';
import { decodePcm, makeTone, toneFrequency } from './support/audio';
import { eventually, Proc, readSink, ServerProc, startAgentProcess, startServerProcess } from './support/processes';

const VI_HZ = 880;
const KM_HZ = 660;

/**
 * Language versions on real parts: a server process and two agent processes with `file` players. One
 * station prefers Khmer: its agent downloads and plays the Khmer file; the other plays the Vietnamese one.
 */
describe('a programme with a Khmer version, on a Khmer-speaking commune and another', () => {
  let dir: string;
  let server: ServerProc;
  const agents: Proc[] = [];
  let admin: Api;
  const stations: { id: string; token: string; dir: string }[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-e2e-lang-'));
    server = await startServerProcess(dir);
    admin = new Api(server.url);
    await admin.login('admin', 'e2e-admin-password');
    const province = await admin.ok('POST', '/api/units', { name: 'Tỉnh Sóc Trăng', kind: 'Tỉnh' });
    for (const code of ['vinh-chau', 'my-xuyen']) {
      const { station, token } = await admin.ok('POST', '/api/stations', { unitId: province.id, name: `Đài xã ${code}`, code });
      stations.push({ id: station.id, token, dir: join(dir, code) });
    }
    await admin.ok('PATCH', `/api/stations/${stations[0].id}`, { languages: ['km'] });
    for (const s of stations) agents.push(startAgentProcess(s.dir, server.url, s.token));
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('each agent plays the version its station prefers, and the logbook names it', async () => {
    const converted = async (name: string, frequency: number, seconds: number) => {
      const upload = await admin.upload(await makeTone(join(dir, name), { frequency, seconds, channels: 2 }));
      expect(upload.status).toBe(201);
      return admin.waitReady(upload.body.id);
    };
    const vi = await converted('vi.wav', VI_HZ, 3);
    const km = await converted('km.wav', KM_HZ, 2.5);
    const programme = await admin.ok('POST', '/api/programmes', { title: 'CCHC: dịch vụ công', chuyenMuc: 'Cải cách hành chính', mediaAssetId: vi.id });
    await admin.ok('POST', `/api/programmes/${programme.id}/versions`, { language: 'km', mediaAssetId: km.id });
    await eventually('both agents connected', async () => (await admin.ok('GET', '/api/agents/status')).length === 2, 30_000);

    const startAt = new Date(Math.ceil((Date.now() + 12_000) / 1000) * 1000).toISOString();
    const slot = await admin.ok('POST', '/api/slots', { programmeId: programme.id, startAt, stationIds: stations.map((s) => s.id) });
    if (slot.status !== 'approved') await admin.ok('POST', `/api/slots/${slot.id}/approve`);

    const records = await eventually(
      'both sinks to hold the programme',
      () => {
        const all = stations.map((s) => readSink(join(s.dir, 'sink')));
        return all.every((r) => r.length === 1) && all.map((r) => r[0]);
      },
      45_000,
    );
    // The pitch tells the files apart: Khmer on the station that prefers it, Vietnamese on the other.
    const heard = await Promise.all(records.map(async (r, i) => toneFrequency(await decodePcm(join(stations[i].dir, 'sink', r.file)))));
    expect(Math.abs(heard[0] - KM_HZ)).toBeLessThan(5);
    expect(Math.abs(heard[1] - VI_HZ)).toBeLessThan(5);

    const lines = await eventually(
      'two logbook lines',
      async () => {
        const items = (await admin.ok('GET', `/api/logbook?from=${encodeURIComponent(startAt)}`)).items as { stationId: string; language: string; result: string }[];
        return items.length === 2 && items;
      },
      20_000,
    );
    expect(Object.fromEntries(lines.map((l) => [l.stationId, [l.language, l.result]]))).toEqual({
      [stations[0].id]: ['km', 'complete'],
      [stations[1].id]: ['vi', 'complete'],
    });
  }, 150_000);
});
