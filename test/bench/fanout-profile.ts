import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

/**
 * Preloaded into the server and the bare baseline by `bench:fanout` (NODE_OPTIONS / execArgv `--require`):
 * SIGWINCH starts a measurement, the next SIGWINCH ends it and writes `DIR/probe-<n>.json` with the
 * garbage collector's pauses, the event loop's delays over it and the heap's size at its end, and with `--profile` also
 * `DIR/fanout-<n>.cpuprofile` (V8's CPU profiler), so both cover the relay and not the setup around it.
 * SIGWINCH because Nest's shutdown hooks take SIGUSR2, and a process without this module ignores it.
 */

const dir = process.env.LOA_BENCH_PROBE_DIR;
const cpuProfile = process.env.LOA_BENCH_CPU_PROFILE === '1';

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

if (dir) {
  const session = cpuProfile ? new Session() : null;
  session?.connect();
  let running = false;
  let written = 0;
  let gc: Record<string, { count: number; ms: number; maxMs: number }> = {};
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as PerformanceEntry & { detail?: { kind?: number } }).detail;
      const kind = GC_KINDS[detail?.kind ?? -1] ?? 'other';
      const k = (gc[kind] ??= { count: 0, ms: 0, maxMs: 0 });
      k.count++;
      k.ms += e.duration;
      k.maxMs = Math.max(k.maxMs, e.duration);
    }
  });

  const report = () => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
    return {
      gc: Object.fromEntries(Object.entries(gc).map(([k, v]) => [k, { count: v.count, ms: Math.round(v.ms), maxMs: Math.round(v.maxMs * 10) / 10 }])),
      loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
      heapMb: Object.fromEntries(
        getHeapSpaceStatistics()
          .filter((space) => space.space_name === 'new_space' || space.space_name === 'old_space')
          .map((space) => [space.space_name, { size: mb(space.space_size), used: mb(space.space_used_size) }]),
      ),
    };
  };

  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      gc = {};
      loop.reset();
      loop.enable();
      observer.observe({ entryTypes: ['gc'] });
      session?.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
      return;
    }
    running = false;
    loop.disable();
    observer.disconnect();
    const n = ++written;
    writeFileSync(join(dir, `probe-${n}.json`), JSON.stringify(report()));
    session?.post('Profiler.stop', (err, result) => {
      if (err) process.stderr.write(`profile not written: ${err.message}\n`);
      else writeFileSync(join(dir, `fanout-${n}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
