import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeArgs } from '../apps/agent/src/player/decode';
import { Api } from './support/api';
import { ADMIN_PASSWORD, eventually, Proc, ServerProc, sleep, startAgentProcess, startServerProcess } from './support/processes';
import { locate, mismatchedStretches, pulseUnavailable, startPulse, SYSTEM_FFMPEG, SYSTEM_FFPROBE, type PulseStack } from './support/pulse';
import { createProgramme, createStation, logbookOf } from './faults/fault-kit';

const run = promisify(execFile);

interface AgentRow {
  stationId: string;
  status: { lastError: string | null; output?: { device: string; ok: boolean; error: string | null } } | null;
}

/**
 * The `alsa` player for real, without a sound card: the agent plays through ALSA's `pulse` PCM into a
 * PulseAudio null sink, and the sink's monitor is the recording of what went on air. The programme is found
 * in that recording sample by sample, which gives its true start time and shows it played whole, at speed.
 */
describe('alsa player through a real audio stack (PulseAudio null sink)', () => {
  let dir: string;
  let pulse: PulseStack | undefined;
  let server: ServerProc | undefined;
  const agents: Proc[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loa-alsa-pulse-'));
  });

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await server?.stop();
    await pulse?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('plays a programme whole at real-time speed, measures its true start, and reports a bad device at start', async () => {
    const missing = pulseUnavailable();
    if (missing) {
      console.warn(missing);
      return;
    }
    pulse = await startPulse(dir);
    server = await startServerProcess(dir);
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);
    const good = await createStation(api, 'loa-that');
    const bad = await createStation(api, 'card-hong');
    const programme = await createProgramme(api, dir, 'Bản tin qua ALSA', 523, 4);

    const alsaEnv = (device: string) => ({ ...pulse!.env, LOA_PLAYER: 'alsa', LOA_ALSA_DEVICE: device, FFMPEG_PATH: SYSTEM_FFMPEG, FFPROBE_PATH: SYSTEM_FFPROBE });
    const goodDir = join(dir, 'agent-good');
    agents.push(startAgentProcess(goodDir, server.url, good.token, alsaEnv('pulse')));
    agents.push(startAgentProcess(join(dir, 'agent-bad'), server.url, bad.token, alsaEnv('hw:7,0')));

    // The device probe at start: before any programme, each station says whether its output works.
    const rows = await eventually(
      'both agents report their output',
      async () => {
        const list = (await api.ok('GET', '/api/agents/status')) as AgentRow[];
        return list.length === 2 && list.every((r) => r.status?.output) && list;
      },
      30_000,
    );
    const byStation = new Map(rows.map((r) => [r.stationId, r.status!]));
    expect(byStation.get(good.id)!.output).toMatchObject({ device: 'pulse', ok: true, error: null });
    const broken = byStation.get(bad.id)!;
    expect(broken.output).toMatchObject({ device: 'hw:7,0', ok: false });
    expect(broken.output!.error).toMatch(/^Không mở được thiết bị âm thanh "hw:7,0": .*cannot open audio device hw:7,0/);
    expect(broken.lastError).toBe(broken.output!.error);
    await agents[1].waitFor(/Không mở được thiết bị âm thanh "hw:7,0"/, 5000);

    const recorder = await pulse.record();
    const plannedAt = new Date(Math.ceil((Date.now() + 12_000) / 1000) * 1000).toISOString();
    await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: plannedAt, stationIds: [good.id] });
    const cachedFile = join(goodDir, 'cache', 'media', `${programme.sha256}.mp3`);
    await eventually('the programme cached', () => existsSync(cachedFile), 20_000);
    const [line] = await eventually(
      'the logbook line',
      async () => {
        const got = await logbookOf(api, good.id);
        return got.length === 1 && got;
      },
      Date.parse(plannedAt) - Date.now() + programme.durationMs + 30_000,
    );
    // The recording runs on past the programme's planned end by the bounded wait below, whatever the
    // logbook said, so a tail still in a sound server's buffer when the line was written is in it too.
    await sleep(Math.max(500, Date.parse(plannedAt) + programme.durationMs + 2000 - Date.now()));
    const recording = await recorder.stop();
    expect(line).toMatchObject({ plannedStart: plannedAt, result: 'complete' });

    // What the agent decoded and sent, by the same ffmpeg.
    const { stdout } = await run(SYSTEM_FFMPEG, decodeArgs(cachedFile, 1), { encoding: 'buffer', maxBuffer: 64 << 20 });
    const reference = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
    const found = locate(recording.samples, reference);
    expect(found.offset).toBeGreaterThan(0);
    // Where the recording departs from the programme, if it does: named so a failure says what happened.
    expect(mismatchedStretches(recording.samples, reference, found.offset)).toEqual([]);
    // In full and at real-time speed: every sample of the programme is in the recording, in place. A
    // programme played faster, slower, cut or with gaps would not match over its whole length.
    expect(found.rmsError).toBeLessThan(0.02);
    // And nothing of it is left over or repeated after its end.
    const after = recording.samples.subarray(found.offset + reference.length, found.offset + reference.length + 44100);
    expect(after.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThan(64);

    const trueStartErrorMs = recording.timeOf(found.offset) - Date.parse(plannedAt);
    console.log(
      JSON.stringify({
        spec: 'alsa-pulse',
        true_start_error_ms: Math.round(trueStartErrorMs * 10) / 10,
        agent_reported_start_error_ms: line.startErrorMs,
        rms_error: Math.round(found.rmsError * 1e5) / 1e5,
        programme_ms: Math.round((reference.length / 44100) * 1000),
      }),
    );
    // Through ALSA and PulseAudio's buffers the sound leaves some tens of milliseconds after the agent's
    // write; it must still be well within a listener's notice.
    expect(trueStartErrorMs).toBeGreaterThan(-20);
    expect(trueStartErrorMs).toBeLessThan(250);
  }, 150_000);
});
