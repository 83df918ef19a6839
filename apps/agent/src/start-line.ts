import { readFileSync, writeSync } from 'node:fs';
import { availableParallelism, setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ProcessRunner } from '@loa/process';
import type { Clock } from './clock';
import { SPIN_TAIL_MS, waitUntil, type WaitReport } from './precise-wait';

/**
 * The instant itself: the last stretch of the wait and the first bytes to the output. Done on the event
 * loop's own thread, a start is as late as anything that stops that thread in its last milliseconds: a
 * garbage collection (which may wait for V8's helper threads, ordinary-priority threads that a busy box
 * keeps off the CPU), a page fault. Done on threads of their own, which run no JavaScript but their loop and
 * allocate next to nothing, the go and the first lead of audio leave on time whatever the loop is doing.
 */

/** One write at the instant: `data` to an open file descriptor (a pipe or socket to the output process). */
export interface InstantWrite {
  fd: number;
  data: Uint8Array;
}

/** What went out at the instant. */
export interface Went {
  /** Server time, sub-millisecond, just before the first write. */
  startedAt: number;
  /** Bytes of each write that reached its descriptor (fewer when it would have blocked or failed). */
  written: number[];
  wait: WaitReport;
}

export interface StartLine {
  /**
   * Waits until `instant` (server time), then makes `writes` in order. Returns once they are made:
   * synchronous, so nothing else of the agent runs between the instant and the player's start.
   */
  go(instant: number, writes: readonly InstantWrite[]): Went;
  /** Called seconds ahead of a start: whatever the line needs to be ready (the threads' priority, their first runs). */
  ready?(): void;
  close(): Promise<void>;
}

/** Writes what it can of `data` without blocking; the caller carries on from the count. */
function writeAll(fd: number, data: Uint8Array): number {
  let done = 0;
  try {
    while (done < data.length) done += writeSync(fd, data, done, data.length - done);
  } catch {
    // EAGAIN (a full pipe) or a dead output: the player writes the rest, or reports the failure.
  }
  return done;
}

/** The wait and the writes on the calling thread (the event loop's): the fallback, and the tests' line. */
export class InlineStartLine implements StartLine {
  constructor(private readonly clock: Clock) {}

  go(instant: number, writes: readonly InstantWrite[]): Went {
    const wait = waitUntil(() => this.clock.serverNow(), instant);
    const startedAt = this.clock.serverNow();
    return { startedAt, written: writes.map((w) => writeAll(w.fd, w.data)), wait };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// Cells of the control block shared with the threads.
const STATE = 0;
const COUNT = 1;
/** Each thread's kernel id, one cell per thread. */
const TID = 2;
const FDS = 8;
const OFFSETS = 24;
const LENGTHS = 40;
const MAX_WRITES = 16;
/** The most threads that race to one start. */
const MAX_RACERS = 4;
/**
 * The state cell holds a job's number and its phase (number × 8 + phase), so a thread that was stopped
 * for a long while can never take a later job for the one it was waiting on.
 * Phases: idle, a job posted, a thread writing, done, the job taken back by the loop, quit.
 */
const IDLE = 0;
const JOB = 1;
const GOING = 2;
const DONE = 3;
const TAKEN_BACK = 4;
const QUIT = 5;
const JOB_NUMBERS = 1 << 27;
// Cells of the float block.
const DEADLINE = 0;
const GO_AT = 1;
const OVER = 2;
const STALL = 3;
const WINNER = 4;
const WRITTEN = 8;
/** Room for the bytes of one start: a second of 48 kHz stereo and more. */
const DATA_BYTES = 1 << 20;
/** How long past the instant the loop waits for the threads before it makes the start itself. */
const TAKE_BACK_MS = 20;
/** Starts taken back before the threads are no longer used. */
const GIVE_UP_AFTER = 3;
/** Dry runs of the threads' loop when they are first made ready: the first starts then run compiled code. */
const WARM_UP_RUNS = 5;

/**
 * Each thread's whole program. Plain JavaScript in a string: it is evaluated as the worker's source both
 * from the build and under the test runner. Times are CLOCK_MONOTONIC ms (process.hrtime), which every
 * thread of the process shares; performance.now() is read in the spin because it does not allocate.
 *
 * Every thread sleeps and spins to the instant; the first to reach it takes the job (a compare-and-swap on
 * the state cell) and makes the writes, and the others stop as soon as they see it taken. A start is then
 * late only when every core is held up at once, not when the one core a lone thread ran on takes an
 * interrupt or its virtual machine's host runs something else on it.
 */
const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { readlinkSync, writeSync } = require('node:fs');
const ctl = new Int32Array(workerData.ctl);
const f = new Float64Array(workerData.f64);
const data = new Uint8Array(workerData.data);
const me = workerData.me;
const TAIL = ${SPIN_TAIL_MS};
try { ctl[${TID} + me] = Number(readlinkSync('/proc/thread-self').split('/').pop()) || -1; } catch { ctl[${TID} + me] = -1; }
let seen = -1;
for (;;) {
  let s = Atomics.load(ctl, ${STATE});
  while (s % 8 !== ${QUIT} && !(s % 8 === ${JOB} && s !== seen)) {
    Atomics.wait(ctl, ${STATE}, s);
    s = Atomics.load(ctl, ${STATE});
  }
  if (s % 8 === ${QUIT}) break;
  const job = s;
  seen = job;
  const hr0 = Number(process.hrtime.bigint()) / 1e6;
  const p0 = performance.now();
  const deadline = p0 + (f[${DEADLINE}] - hr0);
  let stall = 0;
  let last = performance.now();
  let lost = false;
  for (;;) {
    const left = deadline - last;
    if (left <= TAIL) break;
    // Sleeps on the state cell itself: another thread's or the loop's change ends the sleep.
    if (Atomics.wait(ctl, ${STATE}, job, left - TAIL) === 'not-equal') { lost = true; break; }
    const t = performance.now();
    stall = Math.max(stall, t - last - (left - TAIL));
    last = t;
  }
  while (!lost && last < deadline) {
    if (Atomics.load(ctl, ${STATE}) !== job) { lost = true; break; }
    const t = performance.now();
    stall = Math.max(stall, t - last);
    last = t;
  }
  if (lost || Atomics.compareExchange(ctl, ${STATE}, job, job - ${JOB} + ${GOING}) !== job) continue;
  f[${GO_AT}] = hr0 + (last - p0);
  f[${OVER}] = last - deadline;
  f[${STALL}] = stall;
  f[${WINNER}] = me;
  const n = ctl[${COUNT}];
  for (let i = 0; i < n; i++) {
    const at = ctl[${OFFSETS} + i];
    const len = ctl[${LENGTHS} + i];
    let done = 0;
    try {
      while (done < len) done += writeSync(ctl[${FDS} + i], data, at + done, len - done);
    } catch {}
    f[${WRITTEN} + i] = done;
  }
  Atomics.store(ctl, ${STATE}, job - ${JOB} + ${DONE});
  Atomics.notify(ctl, ${STATE});
}
`;

function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A thread's scheduling as the kernel holds it: policy, real-time priority and nice (/proc/<pid>/task/<tid>/stat). */
export function threadScheduling(tid: number): { policy: number; priority: number; nice: number } | null {
  try {
    const stat = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { policy: Number(f[41 - 3]), priority: Number(f[40 - 3]), nice: Number(f[19 - 3]) };
  } catch {
    return null;
  }
}

/** SCHED_FIFO and SCHED_RR, the real-time policies. */
const REAL_TIME: Record<number, string> = { 1: '--fifo', 2: '--rr' };

/** Threads racing to each start: two where the box has two cores or more, so one held-up core does not make a start late. */
function defaultRacers(): number {
  return Math.min(2, Math.max(1, availableParallelism()));
}

/**
 * The start on threads of their own. The event loop posts the job 50 ms ahead through shared memory and
 * sleeps (a futex wait, no JavaScript runs) until a thread has made the writes; the threads sleep and spin
 * to the instant as precise-wait.ts does on the loop, and the first there makes the start. Each thread
 * takes the event loop's thread's scheduling (its real-time priority under the unit; threads start at the
 * ordinary policy there, see CPUSchedulingResetOnFork=): until they all hold it, or when none answers in
 * time, the start is made on the loop as before.
 */
export class ThreadStartLine implements StartLine {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(64 * 4));
  private readonly f64 = new Float64Array(new SharedArrayBuffer(32 * 8));
  private readonly data = new Uint8Array(new SharedArrayBuffer(DATA_BYTES));
  private readonly workers: Worker[];
  private readonly inline: InlineStartLine;
  private job = 0;
  private matched = false;
  private warm = false;
  private broken = false;
  private told = false;
  private takenBack = 0;
  private winner: number | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly onWarning: (message: string) => void,
    /** Real-time policy and cores for the threads: `schedulerWith(the agent's process runner)`, or a spec's fake. */
    private readonly scheduler: ThreadScheduler,
    racers = defaultRacers(),
  ) {
    if (!Number.isInteger(racers) || racers < 1 || racers > MAX_RACERS) throw new Error(`racers must be 1 to ${MAX_RACERS}, got ${racers}`);
    this.inline = new InlineStartLine(clock);
    const shared = { ctl: this.ctl.buffer, f64: this.f64.buffer, data: this.data.buffer };
    this.workers = Array.from({ length: racers }, (_, me) => {
      const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { ...shared, me } });
      worker.unref();
      worker.on('error', (e) => {
        this.broken = true;
        this.onWarning(`luồng phát đúng giờ dừng, phát trên luồng chính: ${e.message}`);
      });
      return worker;
    });
  }

  /** The threads' ids once they all run, else null. */
  tids(): number[] | null {
    const tids = this.workers.map((_, i) => Atomics.load(this.ctl, TID + i));
    return tids.every((t) => t > 0) ? tids : null;
  }

  /** Which thread made the last start through the threads (its index), for the specs. */
  lastWinner(): number | null {
    return this.winner;
  }

  /** Whether starts go through the threads (they run, and at the loop's own scheduling). */
  usable(): boolean {
    return !this.broken && this.matched;
  }

  ready(): void {
    const tids = this.tids();
    if (this.broken || tids === null) return;
    if (!this.matched) {
      const mine = threadScheduling(process.pid);
      this.matched = tids.every((tid) => this.match(tid, mine));
      if (this.matched && tids.length > 1) this.spread(tids);
    }
    if (this.matched && !this.warm) {
      this.warm = true;
      for (let i = 0; i < WARM_UP_RUNS; i++) this.go(this.clock.serverNow() + 2 * SPIN_TAIL_MS, []);
    }
  }

  /**
   * Keeps each thread on a core of its own. Left to themselves, two threads woken together may wake on the
   * same core, where the one that runs first keeps the other waiting until its spin is over; then a single
   * held-up core holds up both again.
   */
  private spread(tids: readonly number[]): void {
    const cpus = allowedCpus();
    if (!cpus || cpus.length < tids.length) return;
    for (let i = 0; i < tids.length; i++) {
      const error = this.scheduler.pin(tids[i], cpus[cpus.length - 1 - i]);
      if (error !== null) {
        this.onWarning(`không giữ được mỗi luồng phát đúng giờ trên một lõi CPU riêng (${error}); các luồng vẫn chạy, không gắn lõi`);
        return;
      }
    }
  }

  /** Gives one thread the loop thread's scheduling (`mine`); whether it now holds it. */
  private match(tid: number, mine: ReturnType<typeof threadScheduling>): boolean {
    const its = threadScheduling(tid);
    // No /proc (not Linux): nothing to match.
    if (!mine || !its) return true;
    if (its.policy === mine.policy && its.priority === mine.priority) return true;
    const flag = REAL_TIME[mine.policy];
    if (!flag) {
      // The loop's thread is ordinary: the new one takes its nice value, where the box allows it.
      if (its.nice > mine.nice) {
        try {
          setPriority(tid, mine.nice);
        } catch {
          // Not allowed (RLIMIT_NICE): the thread stays at its own nice, which the check below sees.
        }
      }
      const after = threadScheduling(tid);
      return after !== null && after.policy === mine.policy && after.nice <= mine.nice;
    }
    const error = this.scheduler.realTime(tid, flag, mine.priority);
    const after = threadScheduling(tid);
    const ok = error === null && after !== null && after.policy === mine.policy && after.priority === mine.priority;
    if (!ok && !this.told) {
      this.told = true;
      this.onWarning(`không đặt được ưu tiên thời gian thực cho luồng phát đúng giờ (${error ?? 'không rõ'}); phát trên luồng chính`);
    }
    return ok;
  }

  go(instant: number, writes: readonly InstantWrite[]): Went {
    if (!this.usable() || writes.length > MAX_WRITES) return this.inline.go(instant, writes);
    let at = 0;
    const lengths: number[] = [];
    for (let i = 0; i < writes.length; i++) {
      // What does not fit is left to the player, which writes from the count returned.
      const len = Math.min(writes[i].data.length, DATA_BYTES - at);
      this.data.set(writes[i].data.subarray(0, len), at);
      this.ctl[FDS + i] = writes[i].fd;
      this.ctl[OFFSETS + i] = at;
      this.ctl[LENGTHS + i] = len;
      lengths.push(len);
      at += len;
    }
    this.ctl[COUNT] = writes.length;
    const hrA = monotonicMs();
    const serverA = this.clock.serverNow();
    this.f64[DEADLINE] = hrA + (instant - serverA);
    this.job = (this.job + 1) % JOB_NUMBERS;
    const base = this.job * 8;
    Atomics.store(this.ctl, STATE, base + JOB);
    Atomics.notify(this.ctl, STATE);

    const giveUpAt = this.f64[DEADLINE] + TAKE_BACK_MS;
    for (;;) {
      const s = Atomics.load(this.ctl, STATE);
      if (s === base + DONE) break;
      const left = giveUpAt - monotonicMs();
      if (left <= 0 && s === base + JOB && Atomics.compareExchange(this.ctl, STATE, base + JOB, base + TAKEN_BACK) === base + JOB) {
        // No thread got the CPU: the loop makes the start, late. A box that stalls its threads this long now
        // and then stalls the loop's too; one that does it again and again has threads that are stuck.
        this.takenBack++;
        if (this.takenBack >= GIVE_UP_AFTER) this.broken = true;
        this.onWarning(
          `luồng phát đúng giờ không trả lời sau ${TAKE_BACK_MS} ms; phát trên luồng chính${this.broken ? ` (lần thứ ${this.takenBack}: từ nay luôn phát trên luồng chính)` : ''}`,
        );
        Atomics.store(this.ctl, STATE, base + IDLE);
        return this.inline.go(instant, writes);
      }
      // Writing (GOING): the writes do not block, so it ends soon; wait for it whatever the time.
      Atomics.wait(this.ctl, STATE, s, Math.max(1, left));
    }
    const went: Went = {
      startedAt: serverA + (this.f64[GO_AT] - hrA),
      written: lengths.map((_, i) => this.f64[WRITTEN + i]),
      wait: { overMs: this.f64[OVER], stallMs: this.f64[STALL] },
    };
    this.winner = this.f64[WINNER];
    Atomics.store(this.ctl, STATE, base + IDLE);
    return went;
  }

  async close(): Promise<void> {
    Atomics.store(this.ctl, STATE, QUIT);
    Atomics.notify(this.ctl, STATE);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** What the line asks of the kernel for its threads; each answer is null when done, else why not. */
export interface ThreadScheduler {
  /** Moves a thread to a real-time policy (`--fifo` or `--rr`) at a priority. */
  realTime(tid: number, policy: string, priority: number): string | null;
  /** Keeps a thread on one core. */
  pin(tid: number, cpu: number): string | null;
}

/** `chrt` and `taskset` (util-linux) through the agent's process runner. */
export function schedulerWith(processes: ProcessRunner): ThreadScheduler {
  const run = (command: string, args: string[]): string | null => {
    try {
      const r = processes.runSync(command, args, { timeoutMs: 5000 });
      return r.code === 0 && !r.timedOut ? null : r.stderr.trim() || `${command} thoát mã ${r.code}`;
    } catch (e) {
      return `${command} (util-linux): ${(e as Error).message}`;
    }
  };
  return {
    realTime: (tid, policy, priority) => run('chrt', [policy, '-p', String(priority), String(tid)]),
    pin: (tid, cpu) => run('taskset', ['-p', '-c', String(cpu), String(tid)]),
  };
}

/** The cores this process may run on (/proc/self/status, Cpus_allowed_list such as "0-3" or "0,2-3"); null where unknown. */
export function allowedCpus(): number[] | null {
  try {
    const line = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!line) return null;
    const cpus: number[] = [];
    for (const part of line[1].split(',')) {
      const [from, to] = part.split('-').map(Number);
      for (let c = from; c <= (to ?? from); c++) cpus.push(c);
    }
    return cpus.length > 0 ? cpus : null;
  } catch {
    return null;
  }
}
