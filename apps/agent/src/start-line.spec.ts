import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hiResNow, SyncedClock } from './clock';
import { ProcessRunner } from '@loa/process';
import { allowedCpus, InlineStartLine, schedulerWith, ThreadStartLine, threadScheduling } from './start-line';
import { FakeAgentClock } from '../../../test/support/agent/clock';

describe('start lines', () => {
  let dir: string;
  const fds: number[] = [];
  const lines: ThreadStartLine[] = [];

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'loa-start-line-'))));
  afterEach(async () => {
    for (const fd of fds.splice(0)) closeSync(fd);
    for (const l of lines.splice(0)) await l.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function file(name: string): { fd: number; path: string } {
    const path = join(dir, name);
    const fd = openSync(path, 'w');
    fds.push(fd);
    return { fd, path };
  }

  async function running(line: ThreadStartLine): Promise<number[]> {
    lines.push(line);
    const until = Date.now() + 10_000;
    while (line.tids() === null && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    return line.tids()!;
  }

  async function threadLine(clock: SyncedClock, racers?: number): Promise<ThreadStartLine> {
    const line = new ThreadStartLine(clock, () => {}, schedulerWith(new ProcessRunner()), racers);
    await running(line);
    line.ready();
    return line;
  }

  it('the inline line returns at once for an instant already past and makes every write in order', () => {
    const clock = new FakeAgentClock();
    const a = file('a');
    const went = new InlineStartLine(clock).go(clock.now - 5, [
      { fd: a.fd, data: Buffer.from('go\n') },
      { fd: a.fd, data: Buffer.from('pcm') },
    ]);
    expect(went).toMatchObject({ startedAt: clock.now, written: [3, 3] });
    expect(went.wait.overMs).toBe(5);
    expect(readFileSync(a.path, 'utf8')).toBe('go\npcm');
  });

  it('the thread writes at the instant, never before it, and says when in server time', async () => {
    // An offset to the server the thread knows nothing of: it is handed the instant on the loop's clock.
    const clock = new SyncedClock(hiResNow, 16);
    clock.addSample({ t0: 0, t1: 3_600_000, t2: 3_600_000, t3: 0 });
    const line = await threadLine(clock);
    expect(line.usable()).toBe(true);
    const go = file('go');
    const pcm = file('pcm');
    for (const ahead of [0.5, 3, 20]) {
      const instant = clock.serverNow() + ahead;
      const went = line.go(instant, [
        { fd: go.fd, data: Buffer.from('go\n') },
        { fd: pcm.fd, data: Buffer.alloc(70_560, 7) },
      ]);
      const back = clock.serverNow();
      expect(went.written).toEqual([3, 70_560]);
      expect(went.startedAt).toBeGreaterThanOrEqual(instant - 0.01);
      expect(went.startedAt).toBeLessThanOrEqual(back);
      expect(went.wait.overMs).toBeGreaterThanOrEqual(0);
    }
    expect(readFileSync(go.path, 'utf8')).toBe('go\ngo\ngo\n');
    expect(readFileSync(pcm.path).length).toBe(3 * 70_560);
  });

  it('reports a write that failed (a closed output) as nothing written, and goes on with the next', async () => {
    const clock = new SyncedClock();
    const line = await threadLine(clock);
    const ok = file('ok');
    const went = line.go(clock.serverNow() + 1, [
      { fd: 987_654, data: Buffer.from('go\n') },
      { fd: ok.fd, data: Buffer.from('pcm') },
    ]);
    expect(went.written).toEqual([0, 3]);
  });

  it('is not used while it cannot take the loop thread real-time priority: the start is made on the loop', async () => {
    const clock = new SyncedClock();
    const mine = threadScheduling(process.pid);
    if (!mine) return; // not Linux: no scheduling to match
    const asked: string[] = [];
    const line = new ThreadStartLine(clock, () => {}, {
      realTime: (tid, policy, priority) => {
        asked.push(`${policy} ${priority} ${tid}`);
        return 'Operation not permitted';
      },
      pin: () => null,
    });
    await running(line);
    line.ready();
    // Under jest the loop's thread is ordinary: the thread matches it without asking for anything.
    if (mine.policy === 0) {
      expect(asked).toEqual([]);
      expect(line.usable()).toBe(true);
    } else {
      expect(asked).toHaveLength(1);
      expect(line.usable()).toBe(false);
    }
    const a = file('a');
    expect(line.go(clock.serverNow() + 1, [{ fd: a.fd, data: Buffer.from('x') }]).written).toEqual([1]);
  });

  it('makes each start exactly once when several threads race to it, the next only at its own instant', async () => {
    const clock = new SyncedClock();
    const line = await threadLine(clock, 4);
    expect(line.tids()).toHaveLength(4);
    const out = file('out');
    for (let i = 0; i < 40; i++) {
      const instant = clock.serverNow() + 1 + (i % 4);
      const went = line.go(instant, [{ fd: out.fd, data: Buffer.from(`${i}\n`) }]);
      expect(went.written).toEqual([String(i).length + 1]);
      expect(went.startedAt).toBeGreaterThanOrEqual(instant - 0.01);
      expect(line.lastWinner()).toBeGreaterThanOrEqual(0);
      expect(line.lastWinner()).toBeLessThan(4);
    }
    expect(readFileSync(out.path, 'utf8')).toBe(Array.from({ length: 40 }, (_, i) => `${i}\n`).join(''));
  });

  it('refuses a number of threads it cannot run', () => {
    const scheduler = { realTime: () => null, pin: () => null };
    expect(() => new ThreadStartLine(new SyncedClock(), () => {}, scheduler, 0)).toThrow(/racers/);
    expect(() => new ThreadStartLine(new SyncedClock(), () => {}, scheduler, 5)).toThrow(/racers/);
  });

  it('keeps each of its threads on a core of its own, and says so when the box refuses', async () => {
    const cpus = allowedCpus();
    if (!cpus || cpus.length < 2) {
      console.warn('start-line: spreading the threads needs two cores on Linux; skipped here');
      return;
    }
    const line = await threadLine(new SyncedClock(), 2);
    const pinned = line.tids()!.map((tid) => /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${process.pid}/task/${tid}/status`, 'utf8'))![1]);
    expect(pinned).toEqual([String(cpus.at(-1)), String(cpus.at(-2))]);

    const warnings: string[] = [];
    const refused = new ThreadStartLine(new SyncedClock(), (m) => warnings.push(m), { realTime: () => null, pin: () => 'taskset: Operation not permitted' }, 2);
    await running(refused);
    refused.ready();
    expect(warnings).toEqual([expect.stringMatching(/không giữ được mỗi luồng phát đúng giờ trên một lõi CPU riêng \(taskset: Operation not permitted\)/)]);
    expect(refused.usable()).toBe(true);
  });

  /**
   * What holds every thread off the CPU: both pinned to core 0 (taskset), where a SCHED_FIFO 2 process
   * spins, above the threads' own priority; the loop's thread is kept on the other cores. Needs root (a
   * real-time policy) and two cores, as the CI machine has.
   */
  function holdCoreZero(ms: number): Promise<{ done: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const spin = `process.stdout.write('spinning\\n'); const end = Date.now() + ${ms}; while (Date.now() < end);`;
      const child = spawn('chrt', ['--fifo', '2', 'taskset', '-c', '0', process.execPath, '-e', spin], { stdio: ['ignore', 'pipe', 'inherit'] });
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.once('error', reject);
      child.stdout.once('data', () => resolve({ done }));
    });
  }

  function pin(tid: number, cpus: string): void {
    const r = spawnSync('taskset', ['-p', '-c', cpus, String(tid)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`taskset ${cpus} ${tid}: ${r.stderr}`);
  }

  it('makes the start on the loop, once, when no thread answers 20 ms past the instant, and stops using threads that keep failing', async () => {
    if (process.getuid?.() !== 0 || availableParallelism() < 2 || threadScheduling(process.pid) === null) {
      console.warn('start-line: the take-back case needs root (chrt --fifo) and two cores on Linux; skipped here, run it as root (util-linux)');
      return;
    }
    const warnings: string[] = [];
    const clock = new SyncedClock();
    const line = new ThreadStartLine(clock, (m) => warnings.push(m), schedulerWith(new ProcessRunner()), 2);
    const tids = await running(line);
    line.ready();
    expect(line.usable()).toBe(true);
    const cpus = `1-${availableParallelism() - 1}`;
    pin(process.pid, cpus);
    for (const tid of tids) pin(tid, '0');
    const out = file('out');
    try {
      for (let i = 1; i <= 3; i++) {
        const held = await holdCoreZero(400);
        const instant = clock.serverNow() + 5;
        const went = line.go(instant, [{ fd: out.fd, data: Buffer.from(`${i}\n`) }]);
        // Made by the loop after the 20 ms it waits past the instant.
        expect(went.startedAt - instant).toBeGreaterThanOrEqual(20);
        expect(went.written).toEqual([2]);
        await held.done;
        // The threads, back on the CPU, find the start taken and write nothing.
        await new Promise((r) => setTimeout(r, 50));
        expect(readFileSync(out.path, 'utf8')).toBe(Array.from({ length: i }, (_, k) => `${k + 1}\n`).join(''));
      }
      expect(warnings).toHaveLength(3);
      expect(warnings[0]).toMatch(/không trả lời sau 20 ms; phát trên luồng chính$/);
      expect(warnings[2]).toMatch(/lần thứ 3: từ nay luôn phát trên luồng chính/);
      expect(line.usable()).toBe(false);
      // From now on every start is the loop's, on its instant.
      const instant = clock.serverNow() + 3;
      const went = line.go(instant, [{ fd: out.fd, data: Buffer.from('4\n') }]);
      expect(went.startedAt).toBeGreaterThanOrEqual(instant);
      expect(went.startedAt - instant).toBeLessThan(15);
      expect(readFileSync(out.path, 'utf8')).toBe('1\n2\n3\n4\n');
    } finally {
      pin(process.pid, `0-${availableParallelism() - 1}`);
    }
  });

  it('closes its threads', async () => {
    const line = await threadLine(new SyncedClock(), 2);
    const tids = line.tids()!;
    expect(tids.map((t) => threadScheduling(t))).not.toContain(null);
    await line.close();
    lines.splice(lines.indexOf(line), 1);
    for (const tid of tids) expect(threadScheduling(tid)).toBeNull();
  });
});
