import type { AccessPolicy } from '../access/access-policy';
import { Clock } from '../common/clock';
import type { DomainEvents } from '../common/events';
import type { UnitsService } from '../units/units.service';
import type { LanguagesService } from '../languages/languages.service';
import type { SeenReport, StationsRepository } from './stations.repository';
import { StationsService } from './stations.service';

/** A repository fake that keeps what it was asked to write, and fails loudly on anything else. */
class FakeStationsRepository implements Pick<StationsRepository, 'recordSeen'> {
  readonly written: [string, SeenReport][][] = [];
  async recordSeen(batch: readonly [string, SeenReport][]): Promise<void> {
    this.written.push([...batch]);
  }
}

const unused = <T>(name: string): T =>
  new Proxy({}, { get: (_, key) => { throw new Error(`${name}.${String(key)} was not expected here`); } }) as T;

describe('StationsService: when agents were last seen', () => {
  function service() {
    const repository = new FakeStationsRepository();
    const stations = new StationsService(unused<UnitsService>('units'), unused<DomainEvents>('events'), unused<AccessPolicy>('access'), repository as unknown as StationsRepository, unused<LanguagesService>('languages'), new Clock());
    return { stations, repository };
  }

  it('writes each station once per flush, with its latest contact, keeping a version an agent stopped reporting', async () => {
    const { stations, repository } = service();
    stations.markSeen('a', '1.2.0');
    stations.markSeen('b', null);
    stations.markSeen('a', null);
    await stations.flushSeen();
    expect(repository.written).toHaveLength(1);
    const batch = new Map(repository.written[0]);
    expect([...batch.keys()].sort()).toEqual(['a', 'b']);
    expect(batch.get('a')!.agentVersion).toBe('1.2.0');
    expect(batch.get('b')!.agentVersion).toBeNull();
    expect(Date.parse(batch.get('a')!.at)).not.toBeNaN();
    await stations.beforeApplicationShutdown();
  });

  it('writes nothing when no agent was heard from, and nothing twice', async () => {
    const { stations, repository } = service();
    await stations.flushSeen();
    stations.markSeen('a', '1.0.0');
    await stations.flushSeen();
    await stations.flushSeen();
    expect(repository.written).toHaveLength(1);
    await stations.beforeApplicationShutdown();
  });
});
