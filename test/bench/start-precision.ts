import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream, readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from '../support/api';
import { makeTone } from '../support/audio';
import { eventually, Proc, readSink, SinkRecord, sleep } from '../support/processes';
import { ADMIN_PASSWORD, startAgentProcess as startAgent, startServerProcess as startServer } from '../support/processes';
import { locate, pulseUnavailable, startPulse, SYSTEM_FFMPEG, SYSTEM_FFPROBE, type PulseStack, type Recorder } from '../support/pulse';
import { decodeArgs } from '../../apps/agent/src/player/decode';
import { unitScheduling, type UnitScheduling } from '../support/agent/unit-scheduling';

/**
 * Start precision of one real agent: many short slots back to back, then |actual start − planned start|.
 * With the `file` player, from the agent's own sink journal; with `alsa`, from the logbook (the agent's own
 * estimate) and from a recording of what came out of a PulseAudio null sink (the true start). One JSON line
 * on stdout; the rest on stderr.
 */

interface Options {
  slots: number;
  spacingMs: number;
  toneMs: number;
  player: 'file' | 'alsa';
  /** Where to copy the agent's full output, for investigating bad runs. */
  agentLog?: string;
  /** Keep one core busy beside the agent for the whole run, as the other work a station box does. */
  hog: boolean;
  /**
   * How the agent is scheduled. `unit` (the default as root): as the installed systemd unit runs it (its
   * Nice=, CPUSchedulingPolicy=, CPUSchedulingPriority=, CPUSchedulingResetOnFork= and LimitRTTIME=, read
   * from apps/agent/loa-agent.service). `plain` (`--plain`, and always without root): at the hog's own
   * priority. `nice` (`--nice N`): only that nice value.
   */
  sched: 'unit' | 'plain' | 'nice';
  nice: number;
}

/** Lead time beyond slot creation: snapshot delivery, download and the agent's 5 s prepare lead. */
const BASE_LEAD_MS = 15_000;
/** Slot creation slows as the station's schedule grows, so the measured rate is only a lower bound. */
const CREATION_SAFETY = 3;
/** The first slot must still be this far ahead once every slot exists, or the run measures start-up, not timing. */
const MIN_HEADROOM_MS = 6_000;
/** How many throwaway slots time one POST. */
const CALIBRATION_SLOTS = 20;

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function parseArgs(argv: string[]): Options {
  // Half a second of tone: EBU R128's integrated loudness needs at least one 400 ms block, and the server
  // refuses to normalise what it cannot measure.
  const opts: Options = { slots: 200, spacingMs: 700, toneMs: 500, player: 'file', hog: false, sched: process.getuid?.() === 0 ? 'unit' : 'plain', nice: 0 };
  const flags: Record<string, 'slots' | 'spacingMs' | 'toneMs'> = { '--slots': 'slots', '--spacing-ms': 'spacingMs', '--tone-ms': 'toneMs' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    if (flag === '--player') {
      const player = inline ?? argv[++i];
      if (player !== 'file' && player !== 'alsa') throw new Error(`--player must be file or alsa, got ${player}`);
      opts.player = player;
      continue;
    }
    if (flag === '--hog') {
      opts.hog = true;
      continue;
    }
    if (flag === '--nice') {
      const raw = inline ?? argv[++i];
      const nice = Number(raw);
      if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw new Error(`--nice needs an integer from -20 to 19, got ${raw}`);
      opts.nice = nice;
      opts.sched = 'nice';
      continue;
    }
    if (flag === '--plain') {
      opts.sched = 'plain';
      continue;
    }
    if (flag === '--agent-log') {
      opts.agentLog = inline ?? argv[++i];
      continue;
    }
    const key = flags[flag];
    if (!key) throw new Error(`unknown option ${argv[i]} (known: ${Object.keys(flags).join(', ')}, --player, --agent-log, --hog, --nice, --plain)`);
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} needs a positive integer, got ${raw}`);
    opts[key] = value;
  }
  return opts;
}

/**
 * A process that spins on one core until killed. It runs at the agent's own priority, so the scheduler
 * shares the cores between them as it would with any other program on the box.
 */
function startHog(): ChildProcess {
  const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  hog.on('error', (e) => log(`hog failed: ${e.message}`));
  return hog;
}

const UNIT_FILE = join(__dirname, '..', '..', '..', 'apps', 'agent', 'loa-agent.service');

/**
 * Gives the running agent the unit's scheduling, as systemd would. Only its main thread: under systemd the
 * policy is set before node starts, and with ResetOnFork every thread node then creates (libuv's pool, V8's
 * helpers) starts at the ordinary policy, as the threads that exist here already are.
 */
function scheduleAsUnit(pid: number, unit: UnitScheduling): void {
  if (unit.nice !== null) setPriority(pid, unit.nice);
  if (unit.policy === 'fifo' || unit.policy === 'rr') {
    const args = [unit.policy === 'fifo' ? '--fifo' : '--rr', ...(unit.resetOnFork ? ['--reset-on-fork'] : []), '-p', String(unit.priority ?? 1), String(pid)];
    const r = spawnSync('chrt', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`chrt ${args.join(' ')} failed (Debian's util-linux): ${r.error?.message ?? r.stderr}`);
  }
  const rt = unit.rtTime ? /^(\d+)(ms|s)?$/.exec(unit.rtTime) : null;
  if (rt) {
    const us = Number(rt[1]) * (rt[2] === 'ms' ? 1000 : rt[2] === 's' ? 1_000_000 : 1);
    const r = spawnSync('prlimit', ['--pid', String(pid), `--rttime=${us}:${us}`], { encoding: 'utf8' });
    if (r.status !== 0) log(`prlimit --rttime failed, the agent runs without LimitRTTIME: ${r.error?.message ?? r.stderr}`);
  }
}

const POLICIES: Record<number, string> = { 0: 'other', 1: 'fifo', 2: 'rr', 3: 'batch', 5: 'idle', 6: 'deadline' };

/** The agent's scheduling as the kernel holds it (/proc/<pid>/stat): policy, real-time priority and nice. */
function scheduling(pid: number): { sched: string; nice: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields from the third (state) on, after the command name, which may hold spaces.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const field = (n: number) => Number(f[n - 3]);
    const policy = POLICIES[field(41)] ?? String(field(41));
    return { sched: policy === 'fifo' || policy === 'rr' ? `${policy} ${field(40)}` : policy, nice: field(19) };
  } catch {
    return null;
  }
}

/** Nearest-rank percentile of a sorted array. */
function percentile(sorted: number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

interface LogbookLine {
  plannedStart: string;
  result: string;
  startErrorMs: number | null;
  [k: string]: unknown;
}

async function logbookLines(api: Api, stationId: string): Promise<LogbookLine[]> {
  const lines: LogbookLine[] = [];
  let after = 0;
  // The logbook is paged (at most 1000 lines a page); follow `next` until it runs out.
  for (;;) {
    const page = await api.ok<{ items: LogbookLine[]; next: number | null }>('GET', `/api/logbook?stationId=${stationId}&limit=1000&after=${after}`);
    lines.push(...page.items);
    if (page.next === null) return lines;
    after = page.next;
  }
}

/**
 * The agent logs, for each start on its instant, how late the timer woke it and how long the kernel kept it
 * off the CPU from the last stretch to the start (Linux schedstat): the share of the error the machine's
 * load caused rather than the agent's scheduling.
 */
interface StartTimingLog {
  errorMs: number;
  timerLateMs: number;
  runQueueMs: number | null;
  /** How far past the instant the precise wait returned, and the longest stop of the thread within it. */
  overMs: number | null;
  stallMs: number | null;
}

const TIMING_LINE = /\(([^()\s]+)\), lệch (-?[\d.]+) ms \(hẹn giờ trễ (-?[\d.]+) ms(?:, chờ CPU ([\d.]+) ms)?(?:, chờ xong trễ (-?[\d.]+) ms, khựng ([\d.]+) ms)?\)/;

function startTimings(agentOutput: string): Map<string, StartTimingLog> {
  const out = new Map<string, StartTimingLog>();
  for (const line of agentOutput.split('\n')) {
    const m = TIMING_LINE.exec(line);
    if (!m) continue;
    const num = (v: string | undefined) => (v === undefined ? null : Number(v));
    out.set(m[1], { errorMs: Number(m[2]), timerLateMs: Number(m[3]), runQueueMs: num(m[4]), overMs: num(m[5]), stallMs: num(m[6]) });
  }
  return out;
}

/** Below this, the kernel's run-queue wait across a start is only the wake-up itself, not other work. */
const UNQUEUED_MS = 0.1;

function loads(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const loadAtStart = loads();
  if (opts.toneMs >= opts.spacingMs) throw new Error(`--tone-ms (${opts.toneMs}) must be shorter than --spacing-ms (${opts.spacingMs})`);

  if (opts.player === 'alsa') {
    const missing = pulseUnavailable();
    if (missing) throw new Error(missing);
  }

  const dir = await mkdtemp(join(tmpdir(), 'loa-bench-'));
  const procs: Proc[] = [];
  let pulse: PulseStack | undefined;
  let recorder: Recorder | undefined;
  let hog: ChildProcess | undefined;
  // A Ctrl-C mid-run still stops our children and removes the temp dir.
  const onSignal = (signal: NodeJS.Signals) => {
    for (const p of procs) p.child.kill('SIGKILL');
    hog?.kill('SIGKILL');
    void pulse?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log(`temp dir ${dir}`);
    const server = await startServer(dir);
    procs.push(server);
    const api = new Api(server.url);
    await api.login('admin', ADMIN_PASSWORD);

    const unit = await api.ok('POST', '/api/units', { name: 'Xã đo độ chính xác', kind: 'Xã' });
    const { station, token } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: 'Trạm đo', code: 'tram-do' });
    // A second station with no agent: its slots time the API without being played by anyone.
    const { station: spare } = await api.ok('POST', '/api/stations', { unitId: unit.id, name: 'Trạm hiệu chỉnh', code: 'tram-hieu-chinh' });

    const agentDir = join(dir, 'agent');
    const sinkDir = join(agentDir, 'sink');
    if (opts.player === 'alsa') {
      pulse = await startPulse(dir);
      log('PulseAudio null sink "loa" up; the agent plays to ALSA device "pulse"');
    }
    const agent = startAgent(
      agentDir,
      server.url,
      token,
      pulse ? { ...pulse.env, LOA_PLAYER: 'alsa', LOA_ALSA_DEVICE: 'pulse', FFMPEG_PATH: SYSTEM_FFMPEG, FFPROBE_PATH: SYSTEM_FFPROBE } : {},
    );
    procs.push(agent);
    if (opts.sched === 'unit') {
      const unit = unitScheduling(readFileSync(UNIT_FILE, 'utf8'));
      scheduleAsUnit(agent.child.pid!, unit);
      log(`agent scheduled as the installed unit: ${JSON.stringify(unit)}${opts.hog ? '; the hog stays an ordinary process at nice 0' : ''}`);
    } else if (opts.sched === 'nice') {
      setPriority(agent.child.pid!, opts.nice);
      log(`agent at nice ${opts.nice}${opts.hog ? '; the hog stays at 0' : ''}`);
    } else if (process.getuid?.() !== 0) {
      log('not root: the agent runs at the hog\'s own priority, not as the installed unit schedules it');
    }
    const agentSched = scheduling(agent.child.pid!);
    if (opts.agentLog) {
      const out = createWriteStream(opts.agentLog);
      agent.child.stdout?.pipe(out);
      agent.child.stderr?.pipe(out);
    }

    const source = await makeTone(join(dir, 'tone.wav'), { frequency: 1000, seconds: opts.toneMs / 1000 });
    const upload = await api.upload(source);
    if (upload.status !== 201) throw new Error(`upload refused: ${upload.status} ${JSON.stringify(upload.body)}`);
    const asset = await api.waitReady(upload.body.id);
    log(`programme audio: ${opts.toneMs} ms tone, ${asset.durationMs} ms after conversion`);
    // The server books a slot for the converted file's length and refuses overlapping ones.
    if (asset.durationMs > opts.spacingMs) throw new Error(`converted programme is ${asset.durationMs} ms, longer than --spacing-ms ${opts.spacingMs}`);
    const programme = await api.ok('POST', '/api/programmes', { title: 'Tín hiệu đo', chuyenMuc: 'Kỹ thuật', mediaAssetId: asset.id });

    if (opts.hog) {
      hog = startHog();
      log(`hog: pid ${hog.pid} keeps one core busy until the end of the run`);
    }

    await eventually('the agent to connect', async () => (await api.ok<unknown[]>('GET', '/api/agents/status')).length === 1, 30_000);

    const calStart = Date.now() + 24 * 3600_000;
    const calT0 = performance.now();
    for (let i = 0; i < CALIBRATION_SLOTS; i++) {
      const startAt = new Date(calStart + i * 60_000).toISOString();
      await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt, stationIds: [spare.id] });
    }
    const perSlotMs = (performance.now() - calT0) / CALIBRATION_SLOTS;
    if (pulse) recorder = await pulse.record();
    const leadMs = BASE_LEAD_MS + Math.ceil(opts.slots * perSlotMs * CREATION_SAFETY);
    log(`one slot POST takes ${perSlotMs.toFixed(1)} ms; lead ${leadMs} ms`);

    // Whole seconds keep plannedAt free of sub-ms parts, so the ISO cross-check below is exact.
    const firstAt = Math.ceil((Date.now() + leadMs) / 1000) * 1000;
    const planned = new Map<string, number>();
    const createT0 = performance.now();
    for (let i = 0; i < opts.slots; i++) {
      const at = firstAt + i * opts.spacingMs;
      const slot = await api.ok('POST', '/api/slots', { programmeId: programme.id, startAt: new Date(at).toISOString(), stationIds: [station.id] });
      planned.set(slot.id, at);
    }
    const headroom = firstAt - Date.now();
    log(`created ${opts.slots} slots in ${Math.round(performance.now() - createT0)} ms; first starts in ${headroom} ms`);
    if (headroom < MIN_HEADROOM_MS) throw new Error(`slot creation was too slow: only ${headroom} ms left before the first slot`);

    const lastAt = firstAt + (opts.slots - 1) * opts.spacingMs;
    const deadline = lastAt + asset.durationMs + 30_000;
    const ours = () => readSink(sinkDir).filter((r) => planned.has(r.slotId));
    let lastReport = 0;
    while (Date.now() < deadline) {
      // The alsa player leaves no journal: the logbook says when it is done.
      const n = opts.player === 'alsa' ? (await logbookLines(api, station.id)).length : new Set(ours().map((r) => r.slotId)).size;
      if (n >= opts.slots) break;
      if (Date.now() - lastReport > 5000) {
        log(`played ${n}/${opts.slots}`);
        lastReport = Date.now();
      }
      await sleep(200);
    }

    const records = ours();
    const bySlot = new Map<string, SinkRecord>();
    for (const r of records) {
      if (bySlot.has(r.slotId)) throw new Error(`slot ${r.slotId} was played twice`);
      bySlot.set(r.slotId, r);
    }

    const errors: number[] = [];
    if (opts.player === 'alsa') {
      for (const l of await logbookLines(api, station.id)) if (l.result === 'complete' && l.startErrorMs !== null) errors.push(Math.abs(l.startErrorMs));
    }
    for (const r of bySlot.values()) {
      const plannedAt = Date.parse(r.plannedAt);
      if (plannedAt !== planned.get(r.slotId)) throw new Error(`slot ${r.slotId}: sink says planned ${r.plannedAt}, we scheduled ${new Date(planned.get(r.slotId)!).toISOString()}`);
      // startedAt is the hi-res start floored to whole ms, startErrorMs is rounded to 0.001 ms.
      const isoError = Date.parse(r.startedAt) - plannedAt;
      const gap = r.startErrorMs - isoError;
      if (gap < -0.0005 || gap >= 1.0005) {
        throw new Error(`slot ${r.slotId}: startErrorMs ${r.startErrorMs} disagrees with startedAt − plannedAt = ${isoError} ms`);
      }
      errors.push(Math.abs(r.startErrorMs));
    }
    errors.sort((a, b) => a - b);

    let trueErrors: number[] | null = null;
    if (recorder) {
      // The last programme's tail is still on its way through the sink's monitor.
      await sleep(1000);
      const recording = await recorder.stop();
      const signed = await trueStartErrors(recording, join(agentDir, 'cache', 'media', `${asset.sha256}.mp3`), [...planned.values()], Math.max(opts.spacingMs, asset.durationMs + 1000));
      log(`found ${signed.length}/${opts.slots} programmes whole in the recording of the sink`);
      // Signed (heard − planned): a steady output latency shows as errors bunched around one value, jitter as a spread.
      log(`true start errors, sorted (ms): ${signed.map((e) => e.toFixed(2)).join(' ')}`);
      trueErrors = signed.map((e) => Math.abs(e)).sort((a, b) => a - b);
    }
    const played = trueErrors ? trueErrors.length : bySlot.size;
    if (played < opts.slots) log(`only ${played}/${opts.slots} slots played`);

    // Bounded: a short count is reported, not waited on for ever.
    let lines: LogbookLine[] = [];
    try {
      await eventually(
        `${opts.slots} logbook lines`,
        async () => {
          lines = await logbookLines(api, station.id);
          return lines.length >= opts.slots;
        },
        played < opts.slots ? 5_000 : 30_000,
      );
    } catch (e) {
      log(String(e));
    }
    const logged = lines.length;

    // Where to look when the figures are bad: the worst starts and every line that is not `complete`.
    const indexOf = (plannedAt: number) => Math.round((plannedAt - firstAt) / opts.spacingMs);
    const worst = [...bySlot.values()].sort((a, b) => Math.abs(b.startErrorMs) - Math.abs(a.startErrorMs)).slice(0, 5);
    const timings = startTimings(agent.text);
    // Each with what it was made of: timer lateness, run-queue wait, the wait's own overshoot and its longest stop.
    const parts = (t: StartTimingLog | undefined) =>
      t ? ` (timer +${t.timerLateMs} ms, run queue ${t.runQueueMs ?? '?'} ms, wait over ${t.overMs ?? '?'} ms, stall ${t.stallMs ?? '?'} ms)` : '';
    log(`worst starts: ${worst.map((r) => `#${indexOf(Date.parse(r.plannedAt))} ${r.startErrorMs} ms${parts(timings.get(r.occurrenceId))}`).join(', ')}`);
    if (bySlot.size === 0) {
      const worstLogged = [...timings.values()].sort((a, b) => Math.abs(b.errorMs) - Math.abs(a.errorMs)).slice(0, 5);
      log(`worst starts by the agent's log: ${worstLogged.map((t) => `${t.errorMs} ms${parts(t)}`).join(', ')}`);
    }
    const results = new Map<string, number>();
    for (const l of lines) results.set(l.result, (results.get(l.result) ?? 0) + 1);
    log(`logbook results: ${JSON.stringify(Object.fromEntries(results))}`);
    for (const l of lines.filter((x) => x.result !== 'complete')) log(`logbook #${indexOf(Date.parse(l.plannedStart))}: ${JSON.stringify(l)}`);
    const agentTrouble = agent.text.split('\n').filter((l) => /\b(WARN|ERROR)\b/.test(l));
    if (agentTrouble.length) log(`agent warnings:\n${agentTrouble.slice(-20).join('\n')}`);

    const stat = (v: number | undefined) => (v === undefined ? null : round3(v));
    const p = (values: number[], q: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      return stat(sorted.length ? percentile(sorted, q) : undefined);
    };
    // The alsa player keeps no journal to name the slots by; the agent plays nothing but the bench's slots.
    const ourTimings =
      bySlot.size > 0 ? [...bySlot.values()].map((r) => timings.get(r.occurrenceId)).filter((t): t is StartTimingLog => t !== undefined) : [...timings.values()];
    const unqueued = ourTimings.filter((t) => t.runQueueMs !== null && t.runQueueMs < UNQUEUED_MS);
    log(`timing of ${ourTimings.length} starts from the agent's log; ${unqueued.length} were never kept off the CPU in their last stretch`);
    const result = {
      slots: opts.slots,
      hog: opts.hog,
      // Read back from the kernel, not assumed from the options.
      agent_sched: agentSched?.sched ?? null,
      agent_nice: agentSched?.nice ?? null,
      played,
      logged,
      p50_ms: stat(errors.length ? percentile(errors, 50) : undefined),
      p99_ms: stat(errors.length ? percentile(errors, 99) : undefined),
      max_ms: stat(errors[errors.length - 1]),
      mean_ms: stat(errors.length ? errors.reduce((a, b) => a + b, 0) / errors.length : undefined),
      // The same errors split by cause: the timer that wakes the last stretch, the kernel's run queue, and
      // the starts the kernel never held back (what the agent's own scheduling achieves, load aside).
      timer_late_p99_ms: p(ourTimings.map((t) => t.timerLateMs), 99),
      run_queue_p99_ms: p(ourTimings.flatMap((t) => (t.runQueueMs === null ? [] : [t.runQueueMs])), 99),
      unqueued_starts: unqueued.length,
      unqueued_p99_ms: p(unqueued.map((t) => Math.abs(t.errorMs)), 99),
      unqueued_max_ms: p(unqueued.map((t) => Math.abs(t.errorMs)), 100),
      loadavg_start: loadAtStart,
      loadavg_end: loads(),
      ...(trueErrors
        ? {
            player: 'alsa',
            true_p50_ms: stat(trueErrors.length ? percentile(trueErrors, 50) : undefined),
            true_p99_ms: stat(trueErrors.length ? percentile(trueErrors, 99) : undefined),
            true_max_ms: stat(trueErrors[trueErrors.length - 1]),
            true_mean_ms: stat(trueErrors.length ? trueErrors.reduce((a, b) => a + b, 0) / trueErrors.length : undefined),
          }
        : {}),
    };
    process.stdout.write(JSON.stringify(result) + '\n');

    if (played < opts.slots) return 1;
    if (logged !== played) {
      log(`logbook holds ${logged} lines for ${played} programmes played`);
      return 1;
    }
    return 0;
  } catch (e) {
    for (const p of procs) log(`${p.name} output (tail):\n${p.text.slice(-4000)}`);
    throw e;
  } finally {
    hog?.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.stop()));
    await pulse?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * true start − planned for each slot (ms, signed, sorted), from the recording of the sink: each programme is looked for from
 * a little before its instant, and counts only when every one of its samples is there.
 */
async function trueStartErrors(
  recording: { samples: Int16Array; timeOf(i: number): number },
  mp3: string,
  plannedAts: number[],
  /** How much of the recording, from 150 ms before each instant, may hold the programme. */
  windowMs: number,
): Promise<number[]> {
  const { stdout } = await promisify(execFile)(SYSTEM_FFMPEG, decodeArgs(mp3, 1), { encoding: 'buffer', maxBuffer: 64 << 20 });
  const reference = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
  const origin = recording.timeOf(0);
  const errors: number[] = [];
  for (const at of plannedAts) {
    const from = Math.max(0, Math.round(((at - origin - 150) * 44100) / 1000));
    const window = recording.samples.subarray(from, from + Math.round((windowMs * 44100) / 1000));
    const found = locate(window, reference);
    if (found.offset < 0 || found.rmsError > 0.05) {
      log(`slot at ${new Date(at).toISOString()}: not found whole in the recording (rms error ${found.rmsError.toFixed(3)})`);
      continue;
    }
    errors.push(recording.timeOf(from + found.offset) - at);
  }
  return errors.sort((a, b) => a - b);
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
