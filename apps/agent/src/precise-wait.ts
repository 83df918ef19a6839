import { readFileSync } from 'node:fs';

/**
 * The last stretch before a start instant. A timer (libuv's, whole milliseconds) brings the agent within
 * a few tens of milliseconds; this finishes the wait. It sleeps in the kernel with a sub-millisecond
 * timeout (Atomics.wait is a futex wait) until `tailMs` before the deadline, then spins only that tail.
 *
 * Sleeping rather than spinning matters on a busy box: a thread that spins for tens of milliseconds uses up
 * its share of the CPU and the kernel hands the core to the other process for a whole time slice, often
 * right at the instant; a thread that wakes from a sleep is run at once.
 */
const cell = new Int32Array(new SharedArrayBuffer(4));

/** How long before the deadline the sleep ends and the spin takes over: a futex wakes ~0.1 ms late. */
export const SPIN_TAIL_MS = 1;

/** How a precise wait went: what a start's error is made of once the timer has done its part. */
export interface WaitReport {
  /** How far past the deadline the wait returned. */
  overMs: number;
  /**
   * The longest stretch between two looks at the clock, beyond what a sleep asked for: the thread stopped
   * (a garbage collection, the kernel running something else, a virtual machine's host) while it waited.
   */
  stallMs: number;
}

export function waitUntil(now: () => number, deadline: number, tailMs = SPIN_TAIL_MS): WaitReport {
  let stallMs = 0;
  let last = now();
  for (;;) {
    const left = deadline - last;
    if (left <= tailMs) break;
    // Nothing ever notifies the cell: this is a sleep with a fractional-millisecond timeout.
    Atomics.wait(cell, 0, 0, left - tailMs);
    const t = now();
    stallMs = Math.max(stallMs, t - last - (left - tailMs));
    last = t;
  }
  while (last < deadline) {
    const t = now();
    stallMs = Math.max(stallMs, t - last);
    last = t;
  }
  return { overMs: last - deadline, stallMs };
}

/**
 * How long this thread has been runnable but kept off the CPU by the kernel, in ms, from Linux's
 * /proc/thread-self/schedstat (its second field, run-queue wait in ns); null where there is no such file.
 * The difference across a start is the part of its error that the machine's load caused, not the agent.
 */
export function runQueueWaitMs(): number | null {
  try {
    const fields = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/);
    const ns = Number(fields[1]);
    return Number.isFinite(ns) ? ns / 1e6 : null;
  } catch {
    return null;
  }
}
