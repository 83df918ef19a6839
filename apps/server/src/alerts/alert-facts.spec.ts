import type { AgentGateway } from '../agents/agent.gateway';
import type { LiveAudience } from '../live/live-audience';
import type { DeadAirEvent } from '../playback/dead-air-event.entity';
import { InMemoryAlertFacts } from '../../../../test/support/fakes/alerts.fake';
import { asRepository, partial } from '../../../../test/support/fakes/fakes';
import type { AlertFactsRepository } from './alert-facts.repository';
import { AlertFactsReader } from './alert-facts';
import { DEFAULT_DEBOUNCE_MS, type AlertSettings } from './alert-rules';

const NOW = Date.parse('2026-03-01T06:00:00Z');
const settings: AlertSettings = { debounceMs: DEFAULT_DEBOUNCE_MS, cacheLeadMs: 3600_000, clockDriftMs: 5000, diskMinBytes: 1, missLookbackMs: 6 * 3600_000 };

function setup(departedAt?: number) {
  const facts = new InMemoryAlertFacts();
  facts.stationRows.push({ id: 's-1', name: 'Xã Một', unitId: 'A1', lastSeenAt: '2026-03-01T05:00:00.000Z' }, { id: 's-2', name: 'Xã Hai', unitId: 'B1', lastSeenAt: null });
  facts.deadAir.push({ id: 'd', stationId: 's-1', occurrenceId: 'o-1', live: false, since: '2026-03-01T05:50:00.000Z', clearedAt: null } as DeadAirEvent);
  facts.airingRows.push(
    { stationId: 's-1', occurrenceId: 'o-1', startAt: '2026-03-01T05:30:00.000Z', durationMs: 600_000, title: 'Bản tin' },
    { stationId: 's-1', occurrenceId: 'o-old', startAt: '2026-02-27T05:30:00.000Z', durationMs: 600_000, title: 'Cũ' },
  );
  const line = { stationId: 's-1', occurrenceId: 'o-1', reason: null, detail: null, airVerdict: null, plannedStart: '2026-03-01T05:30:00.000Z' };
  facts.lineRows.push({ ...line, revision: 1, result: 'complete', createdAt: '2026-03-01T05:45:00.000Z' }, { ...line, revision: 0, result: 'missed', reason: 'station_offline', createdAt: '2026-03-01T05:41:00.000Z' });
  const gateway = partial<AgentGateway>('gateway', {
    departures: () => new Map(departedAt ? [['s-1', departedAt]] : []),
    statuses: () => [],
    isConnected: () => false,
    healthOf: () => null,
  });
  const live = partial<LiveAudience>('live', { carriage: () => [] });
  return new AlertFactsReader(asRepository<AlertFactsRepository>(facts), gateway, live);
}

describe('AlertFactsReader over in-memory rows', () => {
  it('reads the airings of the look-back with the latest revision of each line, and stored dead air', async () => {
    const facts = await setup().read(NOW, settings);
    expect(facts.airings).toEqual([expect.objectContaining({ occurrenceId: 'o-1', startAt: Date.parse('2026-03-01T05:30:00Z'), line: expect.objectContaining({ result: 'complete' }) })]);
    expect(facts.stations.find((s) => s.stationId === 's-1')).toMatchObject({ connected: false, deadAir: { occurrenceId: 'o-1', live: false }, lastSeenAt: Date.parse('2026-03-01T05:00:00Z') });
  });

  it('takes the later of the stored last contact and a departure this instance saw, and narrows to the stations asked', async () => {
    const departed = Date.parse('2026-03-01T05:20:00Z');
    const facts = await setup(departed).read(NOW, settings, ['s-1']);
    expect(facts.stations.map((s) => [s.stationId, s.lastSeenAt])).toEqual([['s-1', departed]]);
  });
});
