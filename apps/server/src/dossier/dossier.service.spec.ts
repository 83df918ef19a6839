import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import type { LogbookService } from '../logbook/logbook.service';
import type { SealKeys } from '../logbook/seal-keys';
import type { MediaStorage } from '../media/media-store';
import type { PlanTargetsService } from '../plan-targets/plan-targets.service';
import type { ReportsService } from '../reports/reports.service';
import type { UnitsService } from '../units/units.service';
import { provinceAccess } from '../../../../test/support/fakes/access.fake';
import { InMemoryDossier } from '../../../../test/support/fakes/dossier.fake';
import { asRepository, partial, unused } from '../../../../test/support/fakes/fakes';
import type { DossierRepository } from './dossier.repository';
import { DossierService } from './dossier.service';

class FixedClock extends Clock {
  override now(): number {
    return Date.parse('2026-04-10T03:00:00Z');
  }
}

const TREE: Record<string, string[]> = { P: ['P', 'A', 'B', 'A1', 'B1'], A: ['A', 'A1'], B: ['B', 'B1'], A1: ['A1'], B1: ['B1'] };
const admin: Principal = { kind: 'user', userId: 'u-admin', username: 'admin', role: 'admin', unitId: null };
const communeA1: Principal = { kind: 'user', userId: 'u-a1', username: 'xa-a1', role: 'operator', unitId: 'A1' };

function setup() {
  const store = new InMemoryDossier(
    [
      { id: 's-a1', code: 'a1', name: 'Xã A1', unitId: 'A1' },
      { id: 's-b1', code: 'b1', name: 'Xã B1', unitId: 'B1' },
    ],
    Object.keys(TREE),
  );
  const { access } = provinceAccess();
  const units = partial<UnitsService>('units', { subtreeIds: async (id: string) => TREE[id] ?? [] });
  const service = new DossierService(
    asRepository<DossierRepository>(store),
    unused<LogbookService>('logbook'),
    unused<ReportsService>('reports'),
    unused<PlanTargetsService>('planTargets'),
    access,
    units,
    unused<SealKeys>('keys'),
    unused<MediaStorage>('media'),
    new FixedClock(),
    AppConfig.fromEnv({ DATA_DIR: '/nonexistent', MEDIA_DIR: '/nonexistent' }),
  );
  return { store, service };
}

describe('DossierService on in-memory stores', () => {
  it('closes a unit\'s period for each station of its subtree, and lists the closings a caller may see', async () => {
    const { store, service } = setup();
    const done = await service.close(admin, { unitId: 'A', from: '2026-01-01T00:00:00+07:00', to: '2026-04-01T00:00:00+07:00', note: '  Đoàn kiểm tra quý I  ' });
    expect(done.closed).toBe(1);
    expect(store.closings).toEqual([
      expect.objectContaining({ stationId: 's-a1', unitId: 'A', periodStart: '2025-12-31T17:00:00.000Z', periodEnd: '2026-03-31T17:00:00.000Z', note: 'Đoàn kiểm tra quý I', closedBy: 'u-admin', closedAt: '2026-04-10T03:00:00.000Z' }),
    ]);
    await service.close(admin, { stationId: 's-b1', from: '2026-01-01T00:00:00+07:00', to: '2026-04-01T00:00:00+07:00' });
    expect((await service.closures(admin)).map((c) => c.stationId).sort()).toEqual(['s-a1', 's-b1']);
    expect((await service.closures(communeA1)).map((c) => c.stationId)).toEqual(['s-a1']);
  });

  it('closes nothing for a station that is not there, a period not yet over, or a unit without stations', async () => {
    const { store, service } = setup();
    await expect(service.close(admin, { stationId: 'nope', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.close(admin, { stationId: 's-a1', from: '2026-04-01T00:00:00Z', to: '2026-05-01T00:00:00Z' })).rejects.toMatchObject({ code: 'validation_failed' });
    store.stationRows.length = 0;
    await expect(service.close(admin, { unitId: 'A', from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(store.closings).toEqual([]);
  });
});
