import { readFileSync, writeSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ProcessRunner } from '@loa/process';
import type { Clock } from './clock';
import { SPIN_TAIL_MS, waitUntil, type WaitReport } from './precise-wait';

/**
 * The instant itself: the last stretch of the wait and the first bytes to the output. Done on the event
 * loop's own thread, a start is as late as anything that stops that thread in its last milliseconds: a
 * garbage collection (which may wait for V8's helper threads, ordinary-priority threads that a busy box
 * keeps off the CPU), a page fault. Done on a thread of its own, which runs no JavaScript but this loop and
 * allocates next to nothing, the go and the first lead of audio leave on time whatever the loop is doing.
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
  /** Called seconds ahead of a start: whatever the line needs to be ready (the thread's priority). */
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

// Cells of the control block shared with the thread.
const STATE = 0;
const COUNT = 1;
const TID = 2;
const FDS = 8;
const OFFSETS = 24;
const LENGTHS = 40;
const MAX_WRITES = 16;
// States: idle, a job posted, the thread writing, done, the job taken back by the loop, quit.
const IDLE = 0;
const JOB = 1;
const GOING = 2;
const DONE = 3;
const TAKEN_BACK = 4;
const QUIT = 5;
// Cells of the float block.
const DEADLINE = 0;
const GO_AT = 1;
const OVER = 2;
const STALL = 3;
const WRITTEN = 8;
/** Room for the bytes of one start: a second of 48 kHz stereo and more. */
const DATA_BYTES = 1 << 20;
/** How long past the instant the loop waits for the thread before it makes the start itself. */
const TAKE_BACK_MS = 20;
/** Starts taken back before the thread is no longer used. */
const GIVE_UP_AFTER = 3;

/**
 * The thread's whole program. Plain JavaScript in a string: it is evaluated as the worker's source both
 * from the build and under the test runner. Times are CLOCK_MONOTONIC ms (process.hrtime), which every
 * thread of the process shares; performance.now() is read in the spin because it does not allocate.
 */
const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
const { readlinkSync, writeSync } = require('node:fs');
const ctl = new Int32Array(workerData.ctl);
const f = new Float64Array(workerData.f64);
const data = new Uint8Array(workerData.data);
const nap = new Int32Array(new SharedArrayBuffer(4));
const TAIL = ${SPIN_TAIL_MS};
try { ctl[${TID}] = Number(readlinkSync('/proc/thread-self').split('/').pop()) || -1; } catch { ctl[${TID}] = -1; }
for (;;) {
  let s;
  while ((s = Atomics.load(ctl, ${STATE})) !== ${JOB} && s !== ${QUIT}) Atomics.wait(ctl, ${STATE}, s);
  if (s === ${QUIT}) break;
  const hr0 = Number(process.hrtime.bigint()) / 1e6;
  const p0 = performance.now();
  const deadline = p0 + (f[${DEADLINE}] - hr0);
  let stall = 0;
  let last = performance.now();
  for (;;) {
    const left = deadline - last;
    if (left <= TAIL) break;
    Atomics.wait(nap, 0, 0, left - TAIL);
    const t = performance.now();
    stall = Math.max(stall, t - last - (left - TAIL));
    last = t;
  }
  while (last < deadline) {
    const t = performance.now();
    stall = Math.max(stall, t - last);
    last = t;
  }
  if (Atomics.compareExchange(ctl, ${STATE}, ${JOB}, ${GOING}) !== ${JOB}) continue;
  f[${GO_AT}] = hr0 + (last - p0);
  f[${OVER}] = last - deadline;
  f[${STALL}] = stall;
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
  Atomics.store(ctl, ${STATE}, ${DONE});
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

/**
 * The start on a thread of its own. The event loop posts the job 50 ms ahead through shared memory and
 * sleeps (a futex wait, no JavaScript runs) until the thread has made the writes; the thread sleeps and
 * spins to the instant as precise-wait.ts does on the loop. The thread takes the event loop's thread's
 * scheduling (its real-time priority under the unit; threads start at the ordinary policy there, see
 * CPUSchedulingResetOnFork=): until it holds it, or when the thread does not answer in time, the start is
 * made on the loop as before.
 */
export class ThreadStartLine implements StartLine {
  private readonly ctl = new Int32Array(new SharedArrayBuffer(64 * 4));
  private readonly f64 = new Float64Array(new SharedArrayBuffer(32 * 8));
  private readonly data = new Uint8Array(new SharedArrayBuffer(DATA_BYTES));
  private readonly worker: Worker;
  private readonly inline: InlineStartLine;
  private matched = false;
  private broken = false;
  private told = false;
  private takenBack = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onWarning: (message: string) => void,
    /** Moves a thread to a real-time policy: `chrtWith(the agent's process runner)`, or a spec's fake. */
    private readonly setRealTime: (tid: number, policy: string, priority: number) => string | null,
  ) {
    this.inline = new InlineStartLine(clock);
    this.worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { ctl: this.ctl.buffer, f64: this.f64.buffer, data: this.data.buffer } });
    this.worker.unref();
    this.worker.on('error', (e) => {
      this.broken = true;
      this.onWarning(`luồng phát đúng giờ dừng, phát trên luồng chính: ${e.message}`);
    });
  }

  /** The thread's id once it runs, else null. */
  tid(): number | null {
    const tid = Atomics.load(this.ctl, TID);
    return tid > 0 ? tid : null;
  }

  /** Whether starts go through the thread (it runs, and at the loop's own scheduling). */
  usable(): boolean {
    return !this.broken && this.matched;
  }

  ready(): void {
    const tid = this.tid();
    if (this.broken || tid === null) return;
    const mine = threadScheduling(process.pid);
    const its = threadScheduling(tid);
    if (!mine || !its) {
      // No /proc (not Linux): nothing to match.
      this.matched = true;
      return;
    }
    if (its.policy === mine.policy && its.priority === mine.priority) {
      this.matched = true;
      return;
    }
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
      this.matched = after !== null && after.policy === mine.policy && after.nice <= mine.nice;
      return;
    }
    const error = this.setRealTime(tid, flag, mine.priority);
    const after = threadScheduling(tid);
    this.matched = error === null && after !== null && after.policy === mine.policy && after.priority === mine.priority;
    if (!this.matched && !this.told) {
      this.told = true;
      this.onWarning(`không đặt được ưu tiên thời gian thực cho luồng phát đúng giờ (${error ?? 'không rõ'}); phát trên luồng chính`);
    }
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
    Atomics.store(this.ctl, STATE, JOB);
    Atomics.notify(this.ctl, STATE);

    const giveUpAt = this.f64[DEADLINE] + TAKE_BACK_MS;
    for (;;) {
      const s = Atomics.load(this.ctl, STATE);
      if (s === DONE) break;
      const left = giveUpAt - monotonicMs();
      if (left <= 0 && s === JOB && Atomics.compareExchange(this.ctl, STATE, JOB, TAKEN_BACK) === JOB) {
        // The thread never got the CPU: the loop makes the start, late. A box that stalls a thread this long
        // now and then stalls the loop's too; one that does it again and again has a thread that is stuck.
        this.takenBack++;
        if (this.takenBack >= GIVE_UP_AFTER) this.broken = true;
        this.onWarning(
          `luồng phát đúng giờ không trả lời sau ${TAKE_BACK_MS} ms; phát trên luồng chính${this.broken ? ` (lần thứ ${this.takenBack}: từ nay luôn phát trên luồng chính)` : ''}`,
        );
        Atomics.store(this.ctl, STATE, IDLE);
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
    Atomics.store(this.ctl, STATE, IDLE);
    return went;
  }

  async close(): Promise<void> {
    Atomics.store(this.ctl, STATE, QUIT);
    Atomics.notify(this.ctl, STATE);
    await this.worker.terminate();
  }
}

/** `chrt` (util-linux) through the agent's process runner. */
export function chrtWith(processes: ProcessRunner): (tid: number, policy: string, priority: number) => string | null {
  return (tid, policy, priority) => {
    try {
      const r = processes.runSync('chrt', [policy, '-p', String(priority), String(tid)], { timeoutMs: 5000 });
      return r.code === 0 && !r.timedOut ? null : r.stderr.trim() || `chrt thoát mã ${r.code}`;
    } catch (e) {
      return `chrt (util-linux): ${(e as Error).message}`;
    }
  };
}
