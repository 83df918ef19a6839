import { LOA_VERSION } from '@loa/protocol';
import { asRepository } from '../../../../test/support/fakes/fakes';
import { FakeClock } from '../../../../test/support/fakes/schedule-fixture';
import { HealthController } from './health.controller';
import { HealthRepository } from './health.repository';

describe('GET /api/health', () => {
  it('says ok with the version and the server clock\'s time once the database answers', async () => {
    let pinged = 0;
    const controller = new HealthController(asRepository<HealthRepository>({ ping: async () => void pinged++ }), new FakeClock(Date.parse('2026-03-01T08:00:00.000Z')));
    await expect(controller.health()).resolves.toMatchObject({ status: 'ok', version: LOA_VERSION, time: '2026-03-01T08:00:00.000Z' });
    expect(pinged).toBe(1);
  });

  it('fails when the database does not answer', async () => {
    const controller = new HealthController(
      asRepository<HealthRepository>({
        ping: () => Promise.reject(new Error('SQLITE_CANTOPEN')),
      }),
      new FakeClock(0),
    );
    await expect(controller.health()).rejects.toThrow('SQLITE_CANTOPEN');
  });
});
