import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from './support/api';
import { ADMIN_PASSWORD, eventually, Proc, ServerProc, sleep, startAgentProcess, startServerProcess } from './support/processes';
import { pulseUnavailable, startPulse, SYSTEM_FFMPEG, SYSTEM_FFPROBE, type PulseStack, type Recording } from './support/pulse';
import { createProgramme, createStation, logbookOf } from './faults/fault-kit';

const RATE = 44100;

/** Power of one frequency in a stretch of samples (Goertzel), normalised per sample. */
function powerAt(samples: Int16Array, frequency: number, from = 0, to = samples.length): number {
  const k = 2 * Math.cos((2 * Math.PI * frequency) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = Math.max(0, from); i < Math.min(to, samples.length); i++) {
    const s0 = samples[i] + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / Math.max(1, to - from) ** 2;
}

/** When a tone first sounds in a recording: the first 50 ms window where it holds most of the power. */
function onsetOf(rec: Recording, frequency: number): number | null {
  const step = RATE / 20;
  for (let i = 0; i + step <= rec.samples.length; i += step) {
    let energy = 0;
    for (let j = i; j < i + step; j++) energy += rec.samples[j] * rec.samples[j];
    if (energy / step < 1e5) continue;
    if (powerAt(rec.samples, frequency, i, i + step) * 4 > energy / step) return rec.timeOf(i);
  }
  return null;
}

/**
 * Speaker clusters through a real audio stack: one station, two clusters, each on its own ALSA PCM (a
 * PulseAudio null sink each), two programmes aimed at one cluster each at the same instant, then a
 * station-wide one. Each sink's monitor must carry its own programme and not the other's, and both the
 * station-wide one.
 */
describe('speaker clusters: two programmes at once on two outputs (PulseAudio null sinks)', () => {
  let dir: string;
  let pulse: PulseStack | undefined;
  let server: ServerProc | undefined;
  let agent: Proc | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-alsa-clusters-'));
  });

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    await pulse?.stop();
    await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('plays each cluster its own programme at the same time, a station-wide one on both, and writes one logbook line each naming the cluster', async () => {
    const missing = pulseUnavailable();
    if (missing) {
      console.warn(missing);
      return;
    }
    pulse = await startPulse(dir, ['cum_cho', 'cum_dong']);
    server = await startServerProcess(dir);
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const station = await createStation(api, 'hai-cum');
    const market = await api.ok('POST', `/api/stations/${station.id}/clusters`, { name: 'Cụm chợ' });
    const fields = await api.ok('POST', `/api/stations/${station.id}/clusters`, { name: 'Cụm cánh đồng' });
    // One after another: a user may upload two files at once.
    const forMarket = await createProgramme(api, dir, 'Thông báo chợ', 523, 3);
    const forFields = await createProgramme(api, dir, 'Thông báo đồng', 784, 3);
    const forAll = await createProgramme(api, dir, 'Bản tin toàn xã', 659, 2);

    agent = startAgentProcess(join(dir, 'agent'), server.url, station.token, {
      ...pulse.env,
      LOA_PLAYER: 'alsa',
      LOA_CLUSTERS: JSON.stringify({ [market.id]: 'cum_cho', [fields.id]: 'cum_dong' }),
      FFMPEG_PATH: SYSTEM_FFMPEG,
      FFPROBE_PATH: SYSTEM_FFPROBE,
    });
    const [recMarket, recFields] = await Promise.all([pulse.record('cum_cho'), pulse.record('cum_dong')]);
    const t0 = Math.ceil((Date.now() + 12_000) / 1000) * 1000;
    const at = (ms: number) => new Date(ms).toISOString();
    await api.ok('POST', '/api/slots', { programmeId: forMarket.id, startAt: at(t0), clusterIds: [market.id] });
    await api.ok('POST', '/api/slots', { programmeId: forFields.id, startAt: at(t0), clusterIds: [fields.id] });
    await api.ok('POST', '/api/slots', { programmeId: forAll.id, startAt: at(t0 + 4500), stationIds: [station.id] });

    const lines = await eventually(
      'three logbook lines',
      async () => {
        const got = await logbookOf(api, station.id);
        return got.length >= 3 && got;
      },
      t0 + 4500 + forAll.durationMs + 30_000 - Date.now(),
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nagent:\n${agent!.text.slice(-3000)}`);
    });
    await sleep(Math.max(500, t0 + 4500 + forAll.durationMs + 1500 - Date.now()));
    const [market_, fields_] = await Promise.all([recMarket.stop(), recFields.stop()]);

    // One line per airing, not per cluster; each names the clusters it was aimed at.
    expect(lines).toHaveLength(3);
    const byTitle = new Map(lines.map((l) => [(l as unknown as { programmeTitle: string }).programmeTitle, l as unknown as Record<string, unknown>]));
    expect(byTitle.get('Thông báo chợ')).toMatchObject({ result: 'complete', speakerClusters: 'Cụm chợ', plannedStart: at(t0) });
    expect(byTitle.get('Thông báo đồng')).toMatchObject({ result: 'complete', speakerClusters: 'Cụm cánh đồng', plannedStart: at(t0) });
    expect(byTitle.get('Bản tin toàn xã')).toMatchObject({ result: 'complete', speakerClusters: null });

    const heard = (rec: Recording) => ({ c5: powerAt(rec.samples, 523), g5: powerAt(rec.samples, 784), e5: powerAt(rec.samples, 659) });
    const m = heard(market_);
    const f = heard(fields_);
    const onsets = { market: onsetOf(market_, 523), fields: onsetOf(fields_, 784), allOnMarket: onsetOf(market_, 659), allOnFields: onsetOf(fields_, 659) };
    console.log(
      JSON.stringify({
        spec: 'alsa-clusters',
        onset_after_planned_ms: {
          market: onsets.market && Math.round(onsets.market - t0),
          fields: onsets.fields && Math.round(onsets.fields - t0),
          station_wide_market: onsets.allOnMarket && Math.round(onsets.allOnMarket - t0 - 4500),
          station_wide_fields: onsets.allOnFields && Math.round(onsets.allOnFields - t0 - 4500),
        },
        leak_market: m.g5 / m.c5,
        leak_fields: f.c5 / f.g5,
      }),
    );
    // Each output carries its own programme; the other's is no more than the noise floor of a null sink.
    expect(m.c5).toBeGreaterThan(1e4);
    expect(f.g5).toBeGreaterThan(1e4);
    expect(m.g5).toBeLessThan(m.c5 / 1000);
    expect(f.c5).toBeLessThan(f.g5 / 1000);
    // Both at their instant, so at the same time.
    for (const onset of [onsets.market, onsets.fields]) {
      expect(onset).not.toBeNull();
      expect(onset! - t0).toBeGreaterThan(-30);
      expect(onset! - t0).toBeLessThan(300);
    }
    // The station-wide programme on both.
    expect(m.e5).toBeGreaterThan(1e4);
    expect(f.e5).toBeGreaterThan(1e4);
    for (const onset of [onsets.allOnMarket, onsets.allOnFields]) {
      expect(onset).not.toBeNull();
      expect(onset! - (t0 + 4500)).toBeLessThan(300);
    }
  }, 120_000);
});
