import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { PlaybackEvent } from '@loa/protocol';
import { Api } from '../../../../test/support/api';
import { makeTone } from '../../../../test/support/audio';
import { startInProcessServer } from '../../../../test/support/in-process';
import { Clock } from '../common/clock';
import { PlaybackService } from '../playback/playback.service';
import { occurrenceIdOf } from '../schedule/snapshot';
import { Station } from '../stations/station.entity';
import { StationsService } from '../stations/stations.service';
import { MissSweeper } from './miss-sweeper';

const MIN = 60_000;

/**
 * The server writes "không phát" for a silent station by the airing's end plus the grace (10 minutes by
 * default), with the reason it knows; a station that was only cut off turns it into the truth later by a
 * correction, and the periodic report counts each airing once.
 */
describe('misses written by the server for silent stations', () => {
  let dir: string;
  let app: INestApplication;
  let api: Api;
  let unitId: string;
  let programmeId: string;
  const station: Record<string, string> = {};
  let sweeper: MissSweeper;

  beforeAll(async () => {
    ({ dir, app, api } = await startInProcessServer('loa-misses-'));
    sweeper = app.get(MissSweeper);
    unitId = (await api.ok('POST', '/api/units', { name: 'Xã Cẩm Bình', kind: 'Xã' })).id;
    for (const code of ['dead', 'offline', 'race-agent-first', 'race-server-first', 'declines', 'no-file']) {
      station[code] = (await api.ok('POST', '/api/stations', { unitId, name: `Trạm ${code}`, code })).station.id;
    }
    const upload = await api.upload(await makeTone(join(dir, 'tone.wav'), { frequency: 440, seconds: 2 }));
    await api.waitReady(upload.body.id);
    programmeId = (await api.ok('POST', '/api/programmes', { title: 'CCHC tháng 12', chuyenMuc: 'Cải cách hành chính', mediaAssetId: upload.body.id })).id;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const lines = async (stationId: string) => (await api.ok('GET', `/api/logbook?stationId=${stationId}`)).items;

  /** One approved airing on the stations, `ahead` ms from now, at a whole second. */
  async function slotAhead(stationIds: string[], ahead: number, extra: Record<string, unknown> = {}) {
    const startAt = new Date(Math.ceil((Date.now() + ahead) / 1000) * 1000).toISOString();
    const slot = await api.ok('POST', '/api/slots', { programmeId, startAt, stationIds, ...extra });
    const t = Date.parse(slot.startAt);
    return { slot, t, end: t + slot.durationMs, occurrenceId: occurrenceIdOf(slot.id, slot.startAt) };
  }

  function event(s: { slot: { id: string; startAt: string; durationMs: number } }, kind: 'finished' | 'failed', extra: Partial<PlaybackEvent> = {}): PlaybackEvent {
    return { id: randomUUID(), kind, occurrenceId: occurrenceIdOf(s.slot.id, s.slot.startAt), slotId: s.slot.id, plannedAt: s.slot.startAt, ...extra };
  }

  it('writes "không phát — mất kết nối" for a station killed before its slot, on time and once', async () => {
    const a = await slotAhead([station.dead, station.offline], 3600_000);
    // Both boxes were last heard from well before the slot.
    const lastSeen = new Date(a.t - 45 * MIN).toISOString();
    await app.get(DataSource).getRepository(Station).update({ id: station.dead }, { lastSeenAt: lastSeen });
    await app.get(DataSource).getRepository(Station).update({ id: station.offline }, { lastSeenAt: lastSeen });

    // Not before the planned end plus the grace: a late agent may still report.
    expect(await sweeper.sweepMisses(a.end + 10 * MIN - 1000)).toBe(0);
    expect(await lines(station.dead)).toHaveLength(0);
    expect(await sweeper.sweepMisses(a.end + 10 * MIN)).toBe(2);
    const [miss] = await lines(station.dead);
    expect(miss).toMatchObject({ occurrenceId: a.occurrenceId, result: 'missed', reason: 'station_offline', revision: 0, recordedBy: 'tự động (máy chủ)', plannedStart: a.slot.startAt });
    expect(miss.detail).toMatch(/^Trạm mất kết nối: lần cuối liên lạc lúc \d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d$/);
    expect(miss.createdAt).toBe(new Date(a.end + 10 * MIN).toISOString());
    // Swept again, or by another instance: nothing more.
    expect(await sweeper.sweepMisses(a.end + 11 * MIN)).toBe(0);
    expect(await lines(station.dead)).toHaveLength(1);
    expect((await api.ok('GET', `/api/logbook/verify?stationId=${station.dead}`)).ok).toBe(true);

    // The station that was only cut off played it and reports two hours later: the truth amends the miss.
    const clock = jest.spyOn(app.get(Clock), 'now').mockReturnValue(a.end + 2 * 3600_000);
    try {
      const played = event(a, 'finished', { startedAt: a.slot.startAt, endedAt: new Date(a.end).toISOString(), playedMs: a.slot.durationMs, startErrorMs: 1 });
      await app.get(PlaybackService).ingest(station.offline, [played]);
      // A resend changes nothing.
      await app.get(PlaybackService).ingest(station.offline, [played]);
    } finally {
      clock.mockRestore();
    }
    const [first, correction, ...rest] = await lines(station.offline);
    expect(rest).toHaveLength(0);
    expect(first).toMatchObject({ result: 'missed', reason: 'station_offline', revision: 0 });
    expect(correction).toMatchObject({ result: 'complete', revision: 1, amendsLineId: first.id, occurrenceId: a.occurrenceId, recordedBy: 'tự động' });
    expect(correction.correctionReason).toContain('Trạm báo muộn');
    expect((await api.ok('GET', `/api/logbook/verify?stationId=${station.offline}`)).ok).toBe(true);

    // The periodic report counts each airing once: the dead station's as not played, the other's as played in full.
    const q = Math.floor(new Date(a.t + 7 * 3600_000).getUTCMonth() / 3) + 1;
    const report = await api.ok('GET', `/api/reports/periodic?period=Q${q}&year=${new Date(a.t + 7 * 3600_000).getUTCFullYear()}&convention=calendar&unitId=${unitId}`);
    const of = (id: string) => report.stations.find((s: { stationId: string }) => s.stationId === id);
    expect(of(station.dead)).toMatchObject({ broadcastsScheduled: 1, broadcasts: 0, complete: 0, missed: 1 });
    expect(of(station.offline)).toMatchObject({ broadcastsScheduled: 1, broadcasts: 1, complete: 1, missed: 0 });
  });

  it('keeps exactly one line when the agent’s own miss report and the sweep race, either way round', async () => {
    const a = await slotAhead([station['race-agent-first'], station['race-server-first']], 2 * 3600_000);
    const playback = app.get(PlaybackService);
    // The agent's report is in first: the sweep finds the line and writes nothing for that station.
    await playback.ingest(station['race-agent-first'], [event(a, 'failed', { reason: 'missed' })]);
    expect(await sweeper.sweepMisses(a.end + 10 * MIN)).toBe(1);
    // The sweep was first: the agent's own miss, arriving after, adds nothing either.
    await playback.ingest(station['race-server-first'], [event(a, 'failed', { reason: 'media_missing' })]);
    for (const code of ['race-agent-first', 'race-server-first']) {
      const all = await lines(station[code]);
      expect({ code, lines: all.length, result: all[0].result }).toEqual({ code, lines: 1, result: 'missed' });
    }
    expect((await lines(station['race-agent-first']))[0].reason).toBe('missed');
    expect((await lines(station['race-server-first']))[0].reason).toBe('station_offline');
  });

  it('writes "bị từ chối" for a normal item the commune declined, and a priority item cannot be declined', async () => {
    await api.ok('POST', '/api/users', { username: 'canbo-xa', displayName: 'Cán bộ xã', password: 'operator-pw-12', role: 'operator', unitId });
    const operator = new Api(api.baseUrl);
    await operator.login('canbo-xa', 'operator-pw-12');
    const normal = await slotAhead([station.declines], 3 * 3600_000);
    const priority = await slotAhead([station.declines], 4 * 3600_000, { priority: 'priority' });
    const refused = await operator.request('POST', `/api/slots/${priority.slot.id}/airings`, { action: 'cancel', occurrenceAt: priority.slot.startAt, stationId: station.declines });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('not_declinable');
    await operator.ok('POST', `/api/slots/${normal.slot.id}/airings`, { action: 'cancel', occurrenceAt: normal.slot.startAt, stationId: station.declines, reason: 'Mất điện cả thôn' });
    await app.get(DataSource).getRepository(Station).update({ id: station.declines }, { lastSeenAt: new Date(normal.t - 90 * MIN).toISOString() });

    expect(await sweeper.sweepMisses(priority.end + 10 * MIN)).toBe(2);
    const all = (await lines(station.declines)).sort((x: { plannedStart: string }, y: { plannedStart: string }) => x.plannedStart.localeCompare(y.plannedStart));
    expect(all.map((l: { occurrenceId: string; reason: string }) => [l.occurrenceId, l.reason])).toEqual([
      [normal.occurrenceId, 'declined'],
      [priority.occurrenceId, 'station_offline'],
    ]);
    expect(all[0].detail).toContain('Trạm xã từ chối phát (canbo-xa');
    expect(all[0].detail).toContain('Mất điện cả thôn');
    expect(await sweeper.sweepMisses(priority.end + 20 * MIN)).toBe(0);
  });

  it('names the missing file from the status the agent reported, kept in the database', async () => {
    const a = await slotAhead([station['no-file']], 5 * 3600_000);
    const stations = app.get(StationsService);
    const version = (await app.get(DataSource).getRepository(Station).findOneByOrFail({ id: station['no-file'] })).scheduleVersion;
    stations.markSeen(station['no-file'], '1.0.0', { scheduleVersion: version, cacheReady: false, missingFiles: 1 });
    await stations.flushSeen();
    // Heard from just before the slot, as a box that is up but could not fetch the file.
    await app.get(DataSource).getRepository(Station).update({ id: station['no-file'] }, { lastSeenAt: new Date(a.t - 10_000).toISOString() });
    expect(await sweeper.sweepMisses(a.end + 10 * MIN)).toBe(1);
    expect(await lines(station['no-file'])).toEqual([expect.objectContaining({ reason: 'media_not_cached', detail: 'Trạm chưa tải tệp: trạm báo còn thiếu 1 tệp âm thanh' })]);
  });
});
