import { INestApplication } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { Api } from '../../../../test/support/api';
import { startInProcessServer } from '../../../../test/support/in-process';
import { StationsService } from './stations.service';

/** When each agent was last heard from, written in batches on the real migrations. */
describe('last-seen batches', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-seen-'));
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records every station of a large batch, keeps a known agent version when none is reported, and touches no other station', async () => {
    const unit = await api.ok('POST', '/api/units', { name: 'Huyện Cẩm Xuyên', kind: 'Huyện' });
    const ids: string[] = [];
    for (let i = 0; i < 650; i++) ids.push((await api.ok('POST', '/api/stations', { unitId: unit.id, name: `Trạm ${i}`, code: `tram-${i}` })).station.id);
    const silent = ids.pop()!;
    const stations = app.get(StationsService);

    ids.forEach((id, i) => stations.markSeen(id, i % 2 ? `1.${i}.0` : null));
    await stations.flushSeen();
    ids.forEach((id) => stations.markSeen(id, null));
    await stations.flushSeen();

    const listed = new Map<string, { lastSeenAt: string | null; agentVersion: string | null }>(
      ((await api.ok('GET', '/api/stations')) as { id: string; lastSeenAt: string | null; agentVersion: string | null }[]).map((s) => [s.id, s]),
    );
    ids.forEach((id, i) => {
      expect(listed.get(id)?.lastSeenAt).toEqual(expect.any(String));
      expect(listed.get(id)?.agentVersion).toBe(i % 2 ? `1.${i}.0` : null);
    });
    expect(listed.get(silent)).toMatchObject({ lastSeenAt: null, agentVersion: null });
  }, 60_000);
});
