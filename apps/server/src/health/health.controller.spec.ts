import { LOA_VERSION } from '@loa/protocol';
import { asRepository } from '../../../../test/support/fakes/fakes';
import { HealthController } from './health.controller';
import { HealthRepository } from './health.repository';

describe('GET /api/health', () => {
  it('says ok with the version once the database answers', async () => {
    let pinged = 0;
    const controller = new HealthController(asRepository<HealthRepository>({ ping: async () => void pinged++ }));
    await expect(controller.health()).resolves.toMatchObject({ status: 'ok', version: LOA_VERSION });
    expect(pinged).toBe(1);
  });

  it('fails when the database does not answer', async () => {
    const controller = new HealthController(
      asRepository<HealthRepository>({
        ping: () => Promise.reject(new Error('SQLITE_CANTOPEN')),
      }),
    );
    await expect(controller.health()).rejects.toThrow('SQLITE_CANTOPEN');
  });
});
