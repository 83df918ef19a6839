import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { asRepository, partial, unused } from '../../../../test/support/fakes/fakes';
import { assetRow, InMemoryMediaRepository } from '../../../../test/support/fakes/media.fake';
import { MediaAccess } from './media-access';
import type { MediaRepository } from './media.repository';
import type { MediaJobsService } from './media-jobs.service';
import type { BroadcastFile, MediaService } from './media.service';

const user = (role: Principal extends infer P ? (P extends { role: infer R } ? R : never) : never, unitId: string | null, userId: string): Principal => ({ kind: 'user', userId, username: userId, role, unitId });

function setup() {
  const repo = new InMemoryMediaRepository();
  repo.assets.push(assetRow({ id: 'by-a1', createdBy: 'op-a1', sha256: 'sha-a1' }), assetRow({ id: 'by-b1', createdBy: 'op-b1', sha256: 'sha-b1' }));
  const { access } = provinceAccess({ users: [{ id: 'op-a1', unitId: 'A1' }, { id: 'op-b1', unitId: 'B1' }, { id: 'ed-b', unitId: 'B' }] });
  const media = partial<MediaService>('media', {
    get: async (id: string) => (await repo.asset(id))!,
    // Station s-a1 airs sha-a1 only.
    stationMayRead: async (stationId: string, sha256: string) => stationId === 's-a1' && sha256 === 'sha-a1',
    fileFor: async (sha256: string) => ({ path: `/media/${sha256}.mp3`, size: 1, sha256 }) as BroadcastFile,
  });
  return { repo, access: new MediaAccess(media, access, asRepository<MediaRepository>(repo), unused<MediaJobsService>('jobs'), new Clock()) };
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

  it('hands a station\'s agent only a file its own station airs, and a sibling commune\'s operator none of A1\'s', async () => {
    const { access } = setup();
    const agent = (stationId: string): Principal => ({ kind: 'agent', stationId, stationName: stationId });
    await expect(access.download('sha-a1', agent('s-a1'))).resolves.toMatchObject({ sha256: 'sha-a1' });
    await expect(access.download('sha-a1', agent('s-b1'))).rejects.toMatchObject({ code: 'not_found', message: 'Trạm không có lịch phát nào dùng tệp này.' });
    await expect(access.download('sha-a1', user('operator', 'B1', 'op-b1'))).rejects.toMatchObject({ code: 'not_found', message: 'Không tìm thấy tệp âm thanh này.' });
    await expect(access.download('sha-a1', user('operator', 'A1', 'op-a1'))).resolves.toMatchObject({ sha256: 'sha-a1' });
  });
});
