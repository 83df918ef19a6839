import type { Principal } from '../auth/principal';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { asRepository, partial, unused } from '../../../../test/support/fakes/fakes';
import { assetRow, InMemoryMediaRepository } from '../../../../test/support/fakes/media.fake';
import { MediaAccess } from './media-access';
import type { MediaRepository } from './media.repository';
import type { MediaJobsService } from './media-jobs.service';
import type { MediaService } from './media.service';

const user = (role: Principal extends infer P ? (P extends { role: infer R } ? R : never) : never, unitId: string | null, userId: string): Principal => ({ kind: 'user', userId, username: userId, role, unitId });

function setup() {
  const repo = new InMemoryMediaRepository();
  repo.assets.push(assetRow({ id: 'by-a1', createdBy: 'op-a1', sha256: 'sha-a1' }), assetRow({ id: 'by-b1', createdBy: 'op-b1', sha256: 'sha-b1' }));
  const { access } = provinceAccess({ users: [{ id: 'op-a1', unitId: 'A1' }, { id: 'op-b1', unitId: 'B1' }, { id: 'ed-b', unitId: 'B' }] });
  const media = partial<MediaService>('media', { get: async (id: string) => (await repo.asset(id))! });
  return { repo, access: new MediaAccess(media, access, asRepository<MediaRepository>(repo), unused<MediaJobsService>('jobs')) };
}

describe('MediaAccess on in-memory assets', () => {
  it('serves a broadcast file to someone who reaches its upload, and answers 404 to a sibling commune', async () => {
    const { access } = setup();
    await expect(access.requireFile('sha-a1', user('operator', 'A1', 'op-a1'))).resolves.toBeUndefined();
    await expect(access.requireFile('sha-a1', user('operator', 'B1', 'op-b1'))).rejects.toMatchObject({ code: 'not_found' });
    await expect(access.requireFile('sha-a1', user('admin', null, 'root'))).resolves.toBeUndefined();
    await expect(access.get('by-a1', user('operator', 'B1', 'op-b1'))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('serves it too to someone who reaches a programme made of it', async () => {
    const { access, repo } = setup();
    repo.programmes.set('by-a1', [{ id: 'prog', createdBy: 'ed-b' }]);
    await expect(access.requireFile('sha-a1', user('operator', 'B1', 'op-b1'))).resolves.toBeUndefined();
    await expect(access.requireFile('no-such-file', user('operator', 'B1', 'op-b1'))).rejects.toMatchObject({ code: 'not_found' });
  });
});
