import type { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import type { Tx, UnitOfWork } from '../database/unit-of-work';
import type { Leadership } from '../leadership/leadership';
import type { StationAgentState } from '../stations/station-agent-state.entity';
import { asRepository, partial, unused } from '../../../../test/support/fakes/fakes';
import { InMemoryMisses } from '../../../../test/support/fakes/logbook.fake';
import { CountingUnitOfWork } from '../../../../test/support/fakes/playback.fake';
import type { LineDraft, LogbookWriter } from './logbook-writer';
import { MissSweeper } from './miss-sweeper';
import type { DueAiring, MissesRepository } from './misses.repository';

const GRACE = 5 * 60_000;
const NOW = Date.parse('2026-03-01T06:00:00Z');

const airing = (fields: Partial<DueAiring>): DueAiring => ({
  stationId: 's-1',
  occurrenceId: 'slot-1@a',
  slotId: 'slot-1',
  startAt: '2026-03-01T05:00:00.000Z',
  durationMs: 600_000,
  priority: 'normal',
  source: 'local',
  programmeId: 'p-1',
  programmeTitle: 'Bản tin',
  chuyenMuc: 'Thời sự',
  topic: null,
  ...fields,
});

function setup() {
  const repo = new InMemoryMisses();
  repo.stationRows.push({ id: 's-1', name: 'Xã Một', unitId: 'A1', lastSeenAt: '2026-03-01T05:59:50.000Z', scheduleVersion: 7 });
  repo.states.push({ stationId: 's-1', scheduleVersion: 7, missingFiles: 2 } as StationAgentState);
  const written: LineDraft[] = [];
  const writer = partial<LogbookWriter>('writer', {
    append: async (_m: unknown, drafts: readonly LineDraft[]) => {
      written.push(...drafts);
      return [];
    },
  });
  const config = { missGraceMs: GRACE, timezone: 'Asia/Ho_Chi_Minh' } as AppConfig;
  const sweeper = new MissSweeper(asRepository<MissesRepository>(repo), new CountingUnitOfWork() as unknown as UnitOfWork, writer, new Clock(), config, unused<Leadership>('leadership'));
  return { sweeper, repo, written };
}

describe('MissSweeper on in-memory airings', () => {
  it('writes "không phát" with the reason the server knows for an airing past its end and grace, and nothing for one within it', async () => {
    const { sweeper, repo, written } = setup();
    repo.due.push(airing({}), airing({ occurrenceId: 'slot-1@late', startAt: '2026-03-01T05:50:00.000Z' }));
    expect(await sweeper.sweepMisses(NOW)).toBe(1);
    expect(written).toEqual([expect.objectContaining({ occurrenceId: 'slot-1@a', result: 'missed', reason: 'media_not_cached', plannedStart: '2026-03-01T05:00:00.000Z', plannedDurationMs: 600_000 })]);
  });

  it('leaves alone an airing the agent said it started that may still be playing, and one whose line arrived meanwhile', async () => {
    const { sweeper, repo, written } = setup();
    repo.due.push(airing({}), airing({ occurrenceId: 'slot-1@b' }));
    repo.started.push({ stationId: 's-1', occurrenceId: 'slot-1@a', startedAt: '2026-03-01T05:50:00.000Z' });
    const hasLine = repo.hasLine.bind(repo);
    // The agent's own report lands between the read and the write.
    repo.hasLine = async (stationId: string, occurrenceId: string, tx?: Tx) => (tx !== undefined && occurrenceId === 'slot-1@b') || hasLine(stationId, occurrenceId);
    expect(await sweeper.sweepMisses(NOW)).toBe(0);
    expect(written).toEqual([]);
  });

  it('writes an operator\'s decline as declined, naming who and when, and why', async () => {
    const { sweeper, repo, written } = setup();
    const { occurrenceId: _o, startAt: _s, ...rest } = airing({});
    repo.declines.push({ ...rest, occurrenceAt: '2026-03-01T05:00:00.000Z', at: '2026-03-01T04:00:00.000Z', by: 'op.xa1', reason: 'Trùng giờ họp dân' });
    expect(await sweeper.sweepMisses(NOW)).toBe(1);
    expect(written[0]).toMatchObject({ reason: 'declined', detail: expect.stringContaining('op.xa1') });
    expect(written[0].detail).toContain('Trùng giờ họp dân');
  });
});
