import { INestApplication } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { Api } from '../../../../test/support/api';
import { startInProcessServer } from '../../../../test/support/in-process';
import { LOA_VERSION } from '@loa/protocol';
import { Clock } from '../common/clock';
import { ENROLMENT_ALPHABET, normaliseEnrolmentCode } from './enrolment-code';
import { ENROLMENT_MAX_FAILURES, ENROLMENT_TTL_MS } from './enrolment.service';
import { StationsService } from './stations.service';

/** A station's one-time enrolment code, from creation to the token in the agent's hands. */
describe('station enrolment by code', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let anonymous: Api;
  let unitId: string;
  let n = 0;

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-enrol-'));
    anonymous = new Api(api.baseUrl);
    unitId = (await api.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã' })).id;
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const newStation = async () => {
    n++;
    return (await api.ok('POST', '/api/stations', { unitId, name: `Trạm ${n}`, code: `tram-enrol-${n}` })) as {
      station: { id: string; enrolledAt: string | null };
      token: string;
      enrolment: { code: string; expiresAt: string };
    };
  };
  const enrol = (code: string) => anonymous.request('POST', '/api/agent/enrol', { code });

  it('gives a new station an 8-character code from an unambiguous alphabet, valid 24 hours', async () => {
    const before = Date.now();
    const { station, enrolment } = await newStation();
    expect(enrolment.code).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(ENROLMENT_ALPHABET).not.toMatch(/[01OIL]/);
    expect(normaliseEnrolmentCode(enrolment.code)).toHaveLength(8);
    const ttl = Date.parse(enrolment.expiresAt) - before;
    expect(ttl).toBeGreaterThanOrEqual(ENROLMENT_TTL_MS - 5000);
    expect(ttl).toBeLessThanOrEqual(ENROLMENT_TTL_MS + 5000);
    expect(station.enrolledAt).toBeNull();
  });

  it('exchanges a good code once for a fresh token that the agent endpoint accepts, and marks the station enrolled', async () => {
    const { station, token: first, enrolment } = await newStation();
    const typed = enrolment.code.toLowerCase().replace('-', ' ');
    const res = await enrol(typed);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ station: { id: station.id }, agentWsPath: '/api/agent/ws', token: expect.stringMatching(/^loa_st_/) });
    const token = res.body.token as string;
    expect(token).not.toBe(first);
    const stations = app.get(StationsService);
    expect((await stations.findByToken(token))?.id).toBe(station.id);
    expect(await stations.findByToken(first)).toBeNull();
    const listed = ((await api.ok('GET', '/api/stations')) as { id: string; enrolledAt: string | null; tokenHint: string }[]).find((s) => s.id === station.id)!;
    expect(listed.enrolledAt).toEqual(expect.any(String));
    expect(listed.tokenHint).toBe(token.slice(0, 12));

    const again = await enrol(enrolment.code);
    expect(again.status).toBe(410);
    expect(again.body).toMatchObject({ code: 'enrolment_code_used', message: expect.stringContaining('đã được dùng') });
    expect((await stations.findByToken(token))?.id).toBe(station.id);
  });

  it('refuses a code after 24 hours, on the server clock', async () => {
    const { station, enrolment } = await newStation();
    const clock = app.get(Clock);
    const later = Date.parse(enrolment.expiresAt) + 1;
    jest.spyOn(clock, 'now').mockReturnValue(later);
    const res = await enrol(enrolment.code);
    expect(res.status).toBe(410);
    expect(res.body).toMatchObject({ code: 'enrolment_code_expired', message: expect.stringContaining('hết hạn') });
    const listed = ((await api.ok('GET', '/api/stations')) as { id: string; enrolledAt: string | null }[]).find((s) => s.id === station.id)!;
    expect(listed.enrolledAt).toBeNull();

    // A minute before expiry the same kind of code still works.
    const fresh = await newStation();
    jest.spyOn(clock, 'now').mockReturnValue(Date.parse(fresh.enrolment.expiresAt) - 60_000);
    expect((await enrol(fresh.enrolment.code)).status).toBe(200);
  });

  it('refuses a wrong code and a malformed one with the same clear answer, changing nothing', async () => {
    const { station, token } = await newStation();
    for (const code of ['2345-6789', 'not a code', '']) {
      const res = await enrol(code);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'enrolment_code_invalid', message: expect.stringContaining('không đúng') });
    }
    const bad = await anonymous.request('POST', '/api/agent/enrol', { code: 12345678 });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect((await app.get(StationsService).findByToken(token))?.id).toBe(station.id);
  });

  it('lets only one of two racing exchanges of the same code win', async () => {
    const { station, enrolment } = await newStation();
    const results = await Promise.all([enrol(enrolment.code), enrol(enrolment.code), enrol(enrolment.code)]);
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 410 && r.body.code === 'enrolment_code_used')).toHaveLength(2);
    expect((await app.get(StationsService).findByToken(won[0].body.token as string))?.id).toBe(station.id);
  });

  it('issues a new code on request, which voids the earlier unused one; admins only', async () => {
    const { station, enrolment } = await newStation();
    const renewed = await api.ok('POST', `/api/stations/${station.id}/enrolment`);
    expect(renewed.enrolment.code).not.toBe(enrolment.code);
    expect(renewed.station.id).toBe(station.id);
    expect((await enrol(enrolment.code)).body.code).toBe('enrolment_code_invalid');
    expect((await enrol(renewed.enrolment.code)).status).toBe(200);
    expect((await anonymous.request('POST', `/api/stations/${station.id}/enrolment`)).status).toBe(401);
    const missing = await api.request('POST', '/api/stations/00000000-0000-4000-8000-000000000000/enrolment');
    expect(missing.status).toBe(404);
  });

  it('records codes in the audit trail without the code itself', async () => {
    const { station } = await newStation();
    const trail = await api.ok('GET', `/api/audit?entity=station_enrolment`);
    const rows = trail.items as { entity: string; after: Record<string, unknown> | null }[];
    const mine = rows.find((r) => r.entity === 'station_enrolment' && r.after?.stationId === station.id);
    expect(mine?.after?.codeHash).toBe('[ẩn]');
  });

  it('lists a station whose agent reports a version older than the server as outdated, and says which version the server is', async () => {
    const [old, current, silent] = [await newStation(), await newStation(), await newStation()];
    const stations = app.get(StationsService);
    stations.markSeen(old.station.id, '0.0.1');
    stations.markSeen(current.station.id, LOA_VERSION);
    await stations.flushSeen();
    const listed = new Map(((await api.ok('GET', '/api/stations')) as { id: string; agentOutdated: boolean | null }[]).map((s) => [s.id, s.agentOutdated]));
    expect(listed.get(old.station.id)).toBe(true);
    expect(listed.get(current.station.id)).toBe(false);
    expect(listed.get(silent.station.id)).toBeNull();
    expect((await anonymous.ok('GET', '/api/health')).version).toBe(LOA_VERSION);
  });

  // Last: it uses up this address's allowance of wrong codes.
  it('stops answering an address after too many wrong codes, even with a right one', async () => {
    const { enrolment } = await newStation();
    for (let i = 0; i < ENROLMENT_MAX_FAILURES; i++) await enrol('ZZZZ-ZZZZ');
    const res = await enrol(enrolment.code);
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('too_many_requests');
    jest.spyOn(app.get(Clock), 'now').mockReturnValue(Date.now() + 16 * 60_000);
    expect((await enrol(enrolment.code)).status).toBe(200);
  });
});
