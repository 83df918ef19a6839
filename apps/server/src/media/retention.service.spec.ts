import { Clock } from '../common/clock';
import type { Leadership } from '../leadership/leadership';
import { asRepository, partial, unused } from '../../../../test/support/fakes/fakes';
import { assetRow, InMemoryMediaRepository } from '../../../../test/support/fakes/media.fake';
import type { MediaStorage } from './media-store';
import type { MediaRepository } from './media.repository';
import { RetentionService } from './retention.service';

const NOW = new Date('2026-03-01T00:00:00Z');
const LONG_AGO = '2025-01-01T00:00:00.000Z';

function setup() {
  const repo = new InMemoryMediaRepository();
  const removed: string[] = [];
  const store = partial<MediaStorage>('store', { remove: async (sha256: string, ext: string) => void removed.push(`${sha256}.${ext}`) });
  const retention = new RetentionService(asRepository<MediaRepository>(repo), store, { retentionMonths: 6, retentionCron: '0 3 * * *', timezone: 'Asia/Ho_Chi_Minh' }, unused<Leadership>('leadership'), new Clock());
  return { repo, removed, retention };
}

describe('RetentionService on in-memory assets', () => {
  it('expires an old asset nobody uses, keeps its row, and deletes its files', async () => {
    const { repo, removed, retention } = setup();
    repo.assets.push(assetRow({ id: 'old', createdAt: LONG_AGO }));
    expect(await retention.runOnce(NOW)).toEqual(['old']);
    expect(repo.assets[0]).toMatchObject({ status: 'expired' });
    expect(removed.sort()).toEqual(['orig-old.wav', 'sha-old.mp3']);
  });

  it('keeps what a slot still needs, what aired within the period, what is converting and what an open dossier holds', async () => {
    const { repo, removed, retention } = setup();
    repo.assets.push(
      assetRow({ id: 'scheduled', createdAt: LONG_AGO }),
      assetRow({ id: 'aired', createdAt: LONG_AGO }),
      assetRow({ id: 'slot-ended-lately', createdAt: LONG_AGO }),
      assetRow({ id: 'converting', createdAt: LONG_AGO, status: 'processing' }),
      assetRow({ id: 'evidence', createdAt: LONG_AGO }),
      assetRow({ id: 'new', createdAt: '2026-02-01T00:00:00.000Z' }),
    );
    const unused = { lastSlotEnd: null, stillScheduled: false, lastAired: null, inOpenDossier: false };
    repo.usages.set('scheduled', { ...unused, stillScheduled: true, lastSlotEnd: '2026-04-01T00:00:00.000Z' });
    repo.usages.set('aired', { ...unused, lastAired: '2026-01-15T00:00:00.000Z' });
    repo.usages.set('slot-ended-lately', { ...unused, lastSlotEnd: '2026-01-15T00:00:00.000Z', lastAired: '2025-02-01T00:00:00.000Z' });
    repo.usages.set('evidence', { ...unused, lastAired: '2025-02-01T00:00:00.000Z', inOpenDossier: true });
    expect(await retention.runOnce(NOW)).toEqual([]);
    expect(removed).toEqual([]);
  });

  it('deletes a file another live asset shares only with the last of them', async () => {
    const { repo, removed, retention } = setup();
    repo.assets.push(assetRow({ id: 'old', createdAt: LONG_AGO, sha256: 'same', originalSha256: 'same-orig' }));
    repo.assets.push(assetRow({ id: 'twin', createdAt: '2026-02-01T00:00:00.000Z', sha256: 'same', originalSha256: 'same-orig' }));
    expect(await retention.runOnce(NOW)).toEqual(['old']);
    expect(removed).toEqual([]);
  });
});
