import { randomUUID } from 'node:crypto';
import type { PlaybackEvent } from '@loa/protocol';
import { Clock } from '../common/clock';
import type { UnitOfWork } from '../database/unit-of-work';
import type { LineDraft, LogbookWriter } from '../logbook/logbook-writer';
import type { ScheduleQueries } from '../schedule/schedule-queries.service';
import type { Station } from '../stations/station.entity';
import { asRepository, partial } from '../../../../test/support/fakes/fakes';
import { CountingUnitOfWork, InMemoryPlaybackRepository } from '../../../../test/support/fakes/playback.fake';
import type { PlaybackRepository } from './playback.repository';
import { occurrenceIdOf } from '../schedule/snapshot';
import { PlaybackService } from './playback.service';

class FixedClock extends Clock {
  override now(): number {
    return Date.parse('2026-03-01T06:00:00Z');
  }
}

const STATION = { id: 's-1', name: 'Xã Một', unitId: 'A1' } as Station;
const PLANNED = '2026-03-01T05:00:00.000Z';
/** The slot's airing `n` hours after PLANNED, named as the schedule names it. */
const occ = (slotId: string, n: number) => occurrenceIdOf(slotId, new Date(Date.parse(PLANNED) + n * 3600_000).toISOString());

function setup() {
  const repo = new InMemoryPlaybackRepository([STATION]);
  repo.topics.set('t-1', 'Nông nghiệp');
  const tx = new CountingUnitOfWork();
  const appended: LineDraft[] = [];
  const writer = partial<LogbookWriter>('logbook', {
    append: async (_m: unknown, lines: readonly LineDraft[]) => {
      appended.push(...lines);
      return [];
    },
    // No other writer here: every line is new.
    appendUnwritten: async (_m: unknown, lines: readonly LineDraft[]) => {
      appended.push(...lines);
      return [];
    },
  });
  const schedule = partial<ScheduleQueries>('schedule', {
    occurrence: (async (stationId: string, slotId: string) =>
      stationId === 's-1' && (slotId === 'slot-1' || slotId === 'slot-urgent')
        ? {
            slot: { id: slotId, durationMs: 600_000, source: 'relay', priority: slotId === 'slot-1' ? 'normal' : 'priority' },
            programme: { id: 'p-1', title: 'Bản tin sáng', chuyenMuc: 'Thời sự', topicId: 't-1' },
            startAt: PLANNED,
          }
        : null) as unknown as ScheduleQueries['occurrence'],
  });
  const playback = new PlaybackService(tx as unknown as UnitOfWork, asRepository<PlaybackRepository>(repo), new FixedClock(), schedule, writer);
  return { playback, repo, tx, appended };
}

const event = (fields: Partial<PlaybackEvent>): PlaybackEvent => ({
  id: randomUUID(),
  kind: 'finished',
  occurrenceId: occ('slot-1', 0),
  slotId: 'slot-1',
  plannedAt: PLANNED,
  startedAt: PLANNED,
  endedAt: '2026-03-01T05:10:00.000Z',
  playedMs: 600_000,
  ...fields,
});

describe('PlaybackService on in-memory events', () => {
  it('stores a final event once and writes its airing\'s line, with the programme\'s topic', async () => {
    const { playback, repo, appended } = setup();
    const final = event({});
    expect(await playback.ingest('s-1', [final, final])).toEqual({ acked: [final.id, final.id], rejected: [] });
    expect(repo.events).toHaveLength(1);
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({ stationId: 's-1', result: 'complete', programmeTitle: 'Bản tin sáng', topic: 'Nông nghiệp', plannedStart: PLANNED });
    expect(await playback.ingest('s-1', [final])).toEqual({ acked: [final.id], rejected: [] });
    expect(appended).toHaveLength(1);
  });

  it('acknowledges but refuses an event for a slot not scheduled on the station, writing nothing', async () => {
    const { playback, repo, appended } = setup();
    const stray = event({ slotId: 'slot-elsewhere', occurrenceId: occ('slot-elsewhere', 0) });
    expect(await playback.ingest('s-1', [stray])).toEqual({ acked: [stray.id], rejected: [{ id: stray.id, why: 'occurrence is not scheduled on this station' }] });
    expect(repo.events).toEqual([]);
    expect(appended).toEqual([]);
  });

  it('corrects the server\'s "không phát" once when the station reports late that it aired, and never a line it wrote itself', async () => {
    const { playback, repo, appended } = setup();
    repo.lines.set(`s-1 ${occ('slot-1', 0)}`, { id: 41, revision: 0, result: 'missed', reason: 'station_offline', detail: null });
    await playback.ingest('s-1', [event({})]);
    expect(appended[0]).toMatchObject({ revision: 1, amendsLineId: 41, result: 'complete' });
    repo.lines.set(`s-1 ${occ('slot-1', 2)}`, { id: 42, revision: 0, result: 'complete', reason: null, detail: null });
    await playback.ingest('s-1', [event({ occurrenceId: occ('slot-1', 2) })]);
    expect(appended).toHaveLength(1);
  });

  it('writes "không phát" with the commune\'s reason for a normal item declined at the station', async () => {
    const { playback, appended } = setup();
    const declined = event({ kind: 'failed', reason: 'declined', startedAt: undefined, playedMs: undefined, detail: 'Từ chối tại trạm: trùng họp dân' });
    expect(await playback.ingest('s-1', [declined, declined])).toEqual({ acked: [declined.id, declined.id], rejected: [] });
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({ result: 'missed', reason: 'declined', detail: 'Từ chối tại trạm: trùng họp dân', actualStart: null });
  });

  it('refuses a decline of a priority item, or of one that had started, writing nothing', async () => {
    const { playback, repo, appended } = setup();
    const urgent = event({ kind: 'failed', reason: 'declined', slotId: 'slot-urgent', occurrenceId: occ('slot-urgent', 1), startedAt: undefined, playedMs: undefined });
    const started = event({ kind: 'failed', reason: 'declined', occurrenceId: occ('slot-1', 3), playedMs: undefined });
    const result = await playback.ingest('s-1', [urgent, started]);
    expect(result.rejected).toEqual([
      { id: urgent.id, why: 'a priority item cannot be declined at the station' },
      { id: started.id, why: 'a declined airing is a failed event that never started' },
    ]);
    expect(repo.events).toEqual([]);
    expect(appended).toEqual([]);
  });

  it('corrects the server\'s "không phát" once when a station cut off reports late that the commune declined the item', async () => {
    const { playback, repo, appended } = setup();
    repo.lines.set(`s-1 ${occ('slot-1', 0)}`, { id: 41, revision: 0, result: 'missed', reason: 'station_offline', detail: null });
    await playback.ingest('s-1', [event({ kind: 'failed', reason: 'declined', startedAt: undefined, playedMs: undefined })]);
    expect(appended).toHaveLength(1);
    expect(appended[0]).toMatchObject({ revision: 1, amendsLineId: 41, result: 'missed', reason: 'declined' });
  });

  it('commits events that arrive together from many agents in one transaction', async () => {
    const { playback, tx, appended } = setup();
    await Promise.all(Array.from({ length: 5 }, (_, i) => playback.ingest('s-1', [event({ occurrenceId: occ('slot-1', i) })])));
    expect(tx.opened).toBe(1);
    expect(appended).toHaveLength(5);
  });

  it('takes what a frame\'s events need from the materialised airings in a few batched statements, not per event, naming the speaker clusters', async () => {
    const { playback, repo, appended } = setup();
    for (let i = 0; i < 10; i++) {
      repo.airings.push({
        stationId: 's-1',
        occurrenceId: occ('slot-m', i),
        slotId: 'slot-m',
        station: STATION,
        slot: { id: 'slot-m', status: 'approved', durationMs: 600_000, source: 'relay', priority: 'normal', programmeId: 'p-2' },
        programme: { id: 'p-2', title: 'Bản tin chiều', chuyenMuc: 'Thời sự', topicId: null },
        topic: null,
        clusterIds: i === 0 ? ['c-2', 'c-1'] : null,
      });
    }
    repo.clusterNamesByIdMap.set('c-1', { stationId: 's-1', name: 'Cụm chợ' });
    repo.clusterNamesByIdMap.set('c-2', { stationId: 's-1', name: 'Cụm đồng' });
    const events = Array.from({ length: 10 }, (_, i) => event({ slotId: 'slot-m', occurrenceId: occ('slot-m', i) }));
    expect(await playback.ingest('s-1', [...events, events[0]])).toEqual({ acked: [...events, events[0]].map((e) => e.id), rejected: [] });
    // One read of the airings, one insert of the events, one read of the cluster names.
    expect(repo.statements).toBe(3);
    expect(repo.events).toHaveLength(10);
    expect(appended).toHaveLength(10);
    expect(appended[0]).toMatchObject({ programmeTitle: 'Bản tin chiều', speakerClusters: 'Cụm đồng, Cụm chợ', plannedStart: PLANNED, stationName: 'Xã Một' });
  });

  it('refuses an event whose materialised airing is of a slot sent back as draft, storing nothing', async () => {
    const { playback, repo, appended } = setup();
    repo.airings.push({
      stationId: 's-1',
      occurrenceId: occ('slot-d', 0),
      slotId: 'slot-d',
      station: STATION,
      slot: { id: 'slot-d', status: 'draft', durationMs: 600_000, source: 'relay', priority: 'normal', programmeId: 'p-2' },
      programme: { id: 'p-2', title: 'Bản tin chiều', chuyenMuc: 'Thời sự', topicId: null },
      topic: null,
      clusterIds: null,
    });
    const e = event({ slotId: 'slot-d', occurrenceId: occ('slot-d', 0) });
    expect((await playback.ingest('s-1', [e])).rejected).toEqual([{ id: e.id, why: 'occurrence is not scheduled on this station' }]);
    expect(repo.events).toEqual([]);
    expect(appended).toEqual([]);
  });

  it('opens a dead-air stretch once and closes it when the status no longer carries it', async () => {
    const { playback, repo } = setup();
    const stretch = { since: '2026-03-01T05:01:00.000Z', occurrenceId: 'slot-1@1', live: false };
    await playback.deadAirChanged('s-1', undefined, stretch);
    await playback.deadAirChanged('s-1', stretch, { ...stretch });
    expect(await playback.deadAirOf('s-1')).toEqual([expect.objectContaining({ since: stretch.since, clearedAt: null })]);
    await playback.deadAirChanged('s-1', stretch, undefined);
    expect(repo.deadAir).toEqual([expect.objectContaining({ clearedAt: '2026-03-01T06:00:00.000Z' })]);
  });
});
