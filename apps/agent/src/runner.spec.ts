import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromInstant, type PlaybackEvent, type ScheduleItem } from '@loa/protocol';
import { FakeClock, SyncedClock } from './clock';
import { silentLogger } from './log';
import { Outbox } from './outbox';
import { NullPlayer, type Player } from './player';
import { Runner } from './runner';
import { StartGuard } from './start-guard';
import type { StartLine } from './start-line';
import { AgentStore } from './store';
import { fillUp } from '../../../test/support/agent/full-disk';
import { agentSnapshot as snapshot, item } from '../../../test/support/agent/items';

describe('Runner with the null player and the real clock', () => {
  let dir: string;
  let store: AgentStore;
  let outbox: Outbox;
  let runner: Runner | null;
  const clock = new SyncedClock();
  let present: Set<string>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'loa-runner-'));
    store = new AgentStore(join(dir, 'agent.db'));
    outbox = new Outbox(store);
    present = new Set();
    runner = null;
  });
  afterEach(async () => {
    await runner?.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function newRunner(proof?: ConstructorParameters<typeof Runner>[0]['proof'], log = silentLogger): Runner {
    runner = new Runner({
      ...(proof ? { proof } : {}),
      clock,
      player: new NullPlayer(clock),
      store,
      outbox,
      media: { has: (s) => present.has(s), pathOf: (s) => `/nowhere/${s}.mp3` },
      log,
      lateGraceMs: 2000,
      prepareLeadMs: 150,
    });
    return runner;
  }

  function at(offsetMs: number, id: string, over: Partial<ScheduleItem> = {}): ScheduleItem {
    const it = item(id, Math.ceil(clock.serverNow()) + offsetMs, { durationMs: 200, ...over });
    present.add(it.media.sha256);
    return it;
  }

  const events = (): PlaybackEvent[] => outbox.pending(1000).map((e) => e.event);
  async function until(done: () => boolean, ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(done()).toBe(true);
  }

  it('starts each programme on its instant and reports started then finished', async () => {
    const a = at(250, 'a');
    const b = at(600, 'b');
    newRunner().start(snapshot(1, [a, b]));
    await until(() => events().filter((e) => e.kind === 'finished').length === 2);

    const started = events().filter((e) => e.kind === 'started');
    expect(started.map((e) => e.occurrenceId)).toEqual(['a', 'b']);
    // A sanity bound on a shared test machine: the millisecond figures come from the start-precision bench.
    for (const e of started) expect(Math.abs(e.startErrorMs ?? Infinity)).toBeLessThan(100);
    const finished = events().filter((e) => e.kind === 'finished');
    expect(finished[0]).toMatchObject({ occurrenceId: 'a', plannedAt: a.startAt, startedAt: started[0].startedAt });
    expect(finished[0].playedMs).toBeGreaterThanOrEqual(190);
    expect(new Set(events().map((e) => e.id)).size).toBe(4);
  });

  it('with a start guard, commits an event that falls just before the next start only once that start is behind', async () => {
    const guard = new StartGuard(() => clock.serverNow(), () => {});
    const commits: { id: string; kind: string; at: number }[] = [];
    const spied = { commit: (e: PlaybackEvent, w: () => void) => (commits.push({ id: e.occurrenceId, kind: e.kind, at: clock.serverNow() }), outbox.commit(e, w)), notify: () => outbox.notify() };
    // a ends at +450, 70 ms before b (after b's timer would have to be armed, before it fires): its final
    // event is made inside b's quiet stretch.
    const a = at(250, 'a');
    const b = at(520, 'b');
    runner = new Runner({
      clock,
      player: new NullPlayer(clock),
      store,
      outbox: spied,
      media: { has: (s) => present.has(s), pathOf: (s) => `/nowhere/${s}.mp3` },
      log: silentLogger,
      lateGraceMs: 2000,
      prepareLeadMs: 150,
      guard,
    });
    runner.start(snapshot(1, [a, b]));
    await until(() => commits.some((c) => c.id === 'b' && c.kind === 'started') && commits.some((c) => c.id === 'a' && c.kind !== 'started'));
    const finishedA = commits.find((c) => c.id === 'a' && c.kind !== 'started')!;
    expect(finishedA.kind).toBe('finished');
    expect(finishedA.at).toBeGreaterThanOrEqual(fromInstant(b.startAt));
    // Nothing is lost by waiting: both reach the outbox, a's end before b's start as they happened.
    expect(commits.map((c) => `${c.id}:${c.kind}`)).toEqual(['a:started', 'a:finished', 'b:started']);
    expect(events().map((e) => `${e.occurrenceId}:${e.kind}`)).toEqual(['a:started', 'a:finished', 'b:started']);
  });

  it('hands each start to its start line with the prepared instant writes, and plays from the time the line went', async () => {
    const calls: { instant: number; writes: number }[] = [];
    const line: StartLine = {
      go: (instant, writes) => {
        calls.push({ instant, writes: writes.length });
        // As a line whose thread went 0.25 ms after the instant, whatever the loop's clock says by now.
        return { startedAt: instant + 0.25, written: writes.map((w) => w.data.length), wait: { overMs: 0.25, stallMs: 0 } };
      },
      close: () => Promise.resolve(),
    };
    const player = new NullPlayer(clock);
    const prepare = player.prepare.bind(player);
    player.prepare = async (it, file) => ({ ...(await prepare(it, file)), instantWrites: () => [{ fd: -1, data: Buffer.from('go\n') }] });
    const a = at(250, 'a');
    runner = new Runner({ clock, player, store, outbox, media: { has: (s) => present.has(s), pathOf: (s) => `/nowhere/${s}.mp3` }, log: silentLogger, lateGraceMs: 2000, prepareLeadMs: 150, startLine: line });
    runner.start(snapshot(1, [a]));
    await until(() => events().some((e) => e.kind === 'started'));
    expect(calls).toEqual([{ instant: fromInstant(a.startAt), writes: 1 }]);
    expect(events().find((e) => e.kind === 'started')).toMatchObject({ startErrorMs: 0.25 });
  });

  it('starts a programme prepared only after its timer on its instant, not as soon as it is ready', async () => {
    const calls: number[] = [];
    const line: StartLine = {
      go: (instant) => {
        calls.push(instant);
        return { startedAt: instant, written: [], wait: { overMs: 0, stallMs: 0 } };
      },
      close: () => Promise.resolve(),
    };
    const a = at(300, 'a');
    const instant = fromInstant(a.startAt);
    const player = new NullPlayer(clock);
    const prepare = player.prepare.bind(player);
    // Ready 30 ms before the instant: after the timer of the last stretch (50 ms before), before the instant.
    player.prepare = async (it, file) => {
      await new Promise((r) => setTimeout(r, Math.max(0, instant - 30 - clock.serverNow())));
      return prepare(it, file);
    };
    runner = new Runner({ clock, player, store, outbox, media: { has: (s) => present.has(s), pathOf: (s) => `/nowhere/${s}.mp3` }, log: silentLogger, lateGraceMs: 2000, prepareLeadMs: 150, startLine: line });
    runner.start(snapshot(1, [a]));
    await until(() => events().some((e) => e.kind === 'started'));
    const started = events().find((e) => e.kind === 'started')!;
    expect(started.startErrorMs).toBeGreaterThanOrEqual(0);
    // Unless this machine was so busy that it was ready only after its instant, the line made the start.
    if (calls.length) expect(calls).toEqual([instant]);
    else expect(started.startErrorMs).toBeGreaterThan(0);
  });

  it('with a start guard, judges an airing (a decoder process) only once the start just ahead is behind', async () => {
    const guard = new StartGuard(() => clock.serverNow(), () => {});
    const judgedAt: number[] = [];
    // a ends at +450, 250 ms before b: too close to start a process.
    const a = at(250, 'a');
    const b = at(700, 'b');
    runner = new Runner({
      clock,
      player: new NullPlayer(clock),
      store,
      outbox,
      media: { has: (s) => present.has(s), pathOf: (s) => `/nowhere/${s}.mp3` },
      log: silentLogger,
      lateGraceMs: 2000,
      // As on a box: the next start is armed (and known to the guard) well before the previous one ends.
      prepareLeadMs: 1000,
      guard,
      proof: {
        judge: async (it) => {
          if (it.occurrenceId === 'a') judgedAt.push(clock.serverNow());
          return { air: { verdict: 'confirmed', confirmedMs: 200, coveragePct: 100, offsetMs: 0 }, deadAirMs: 0 };
        },
      },
    });
    runner.start(snapshot(1, [a, b]));
    await until(() => judgedAt.length === 1 && events().some((e) => e.occurrenceId === 'b' && e.kind === 'started'));
    expect(judgedAt[0]).toBeGreaterThanOrEqual(fromInstant(b.startAt));
    expect(events().find((e) => e.occurrenceId === 'a' && e.kind === 'finished')?.air?.verdict).toBe('confirmed');
  });

  it('plays the language version its schedule names and says so on each event; the Vietnamese audio’s events name none', async () => {
    const km = at(250, 'km', { language: 'km', media: { sha256: 'e'.repeat(64), size: 10, durationMs: 200, url: `/api/media/files/${'e'.repeat(64)}` } });
    const vi = at(600, 'vi');
    const missing = at(900, 'missing', { language: 'hmn', media: { sha256: 'f'.repeat(64), size: 10, durationMs: 200, url: `/api/media/files/${'f'.repeat(64)}` } });
    present.delete(missing.media.sha256);
    newRunner().start(snapshot(1, [km, vi, missing]));
    await until(() => events().filter((e) => e.kind !== 'started').length === 3);
    expect(events().map((e) => [e.occurrenceId, e.kind, e.language])).toEqual([
      ['km', 'started', 'km'],
      ['km', 'finished', 'km'],
      ['vi', 'started', undefined],
      ['vi', 'finished', undefined],
      ['missing', 'failed', 'hmn'],
    ]);
  });

  it('logs, for a start on its instant, how late its timer woke it and how long the kernel kept it off the CPU', async () => {
    const lines: string[] = [];
    const a = at(300, 'a');
    newRunner(undefined, { ...silentLogger, info: (m) => lines.push(m) }).start(snapshot(1, [a]));
    await until(() => events().some((e) => e.kind === 'started'));
    const line = lines.find((l) => l.startsWith('Bắt đầu phát'));
    // The run-queue wait comes from Linux's schedstat; elsewhere only the timer's lateness is known.
    const timing = process.platform === 'linux' ? /\(a\), lệch \d+\.\d{3} ms \(hẹn giờ trễ -?\d+\.\d{3} ms, chờ CPU \d+\.\d{3} ms, chờ xong trễ \d+\.\d{3} ms, khựng \d+\.\d{3} ms\)$/ : /\(a\), lệch \d+\.\d{3} ms \(hẹn giờ trễ -?\d+\.\d{3} ms, chờ xong trễ \d+\.\d{3} ms, khựng \d+\.\d{3} ms\)$/;
    expect(line).toMatch(timing);
  });

  it('writes the capture’s verdict on the final event once it is known, and no_capture without a capture', async () => {
    const judged: { id: string; file: string; playedMs: number }[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const a = at(250, 'proved');
    newRunner({
      judge: async (it, file, _startedAt, playedMs) => {
        judged.push({ id: it.occurrenceId, file, playedMs });
        await gate;
        return { air: { verdict: 'confirmed', confirmedMs: 180, coveragePct: 90, offsetMs: 7 }, deadAirMs: 0 };
      },
    }).start(snapshot(1, [a]));
    await until(() => judged.length === 1);
    expect(judged[0]).toMatchObject({ id: 'proved', file: `/nowhere/${a.media.sha256}.mp3` });
    // The programme has left the air, but its line waits for the verdict.
    expect(events().some((e) => e.kind === 'finished')).toBe(false);
    release();
    await until(() => events().some((e) => e.kind === 'finished'));
    const finished = events().find((e) => e.kind === 'finished')!;
    expect(finished.air).toEqual({ verdict: 'confirmed', confirmedMs: 180, coveragePct: 90, offsetMs: 7 });
    expect(finished.deadAirMs).toBeUndefined();
    expect(events().find((e) => e.kind === 'started')?.air).toBeUndefined();
    await runner?.stop();

    const b = at(250, 'unheard');
    newRunner().start(snapshot(2, [b]));
    await until(() => events().some((e) => e.kind === 'finished' && e.occurrenceId === 'unheard'));
    expect(events().find((e) => e.kind === 'finished' && e.occurrenceId === 'unheard')?.air).toEqual({ verdict: 'no_capture', confirmedMs: 0, coveragePct: 0, offsetMs: null });
  });

  it('warns that an airing was not heard on air only when a receiver listened and missed it, not on a box without one', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    const verdicts = { unheard: 'not_confirmed', 'no-receiver': 'no_capture' } as const;
    newRunner(
      {
        judge: async (it) => ({ air: { verdict: verdicts[it.occurrenceId as keyof typeof verdicts], confirmedMs: 0, coveragePct: 0, offsetMs: null }, deadAirMs: 0 }),
      },
      logger,
    ).start(snapshot(1, [at(200, 'no-receiver'), at(700, 'unheard')]));
    await until(() => events().filter((e) => e.kind === 'finished').length === 2);
    const unheard = warnings.filter((w) => w.includes('trên sóng qua thiết bị thu'));
    expect(unheard).toHaveLength(1);
    expect(unheard[0]).toContain('(0%)');
    expect(events().find((e) => e.kind === 'finished' && e.occurrenceId === 'no-receiver')?.air?.verdict).toBe('no_capture');
  });

  it('on start-up reports what was cut by a crash, reports what was missed, and never replays a done occurrence', async () => {
    const crashed = at(-60_000, 'crashed');
    const done = at(-500, 'done');
    const missed = at(-30_000, 'missed');
    const late = at(-500, 'late');
    const now = new Date().toISOString();
    store.setPlayState({ occurrenceId: 'crashed', slotId: crashed.slotId, plannedAt: crashed.startAt, state: 'started', startedAt: crashed.startAt, endedAt: null }, now);
    store.setPlayState({ occurrenceId: 'done', slotId: done.slotId, plannedAt: done.startAt, state: 'done', startedAt: done.startAt, endedAt: now }, now);

    newRunner().start(snapshot(1, [crashed, done, missed, late]));
    await until(() => events().some((e) => e.kind === 'finished'));

    const summary = events().map((e) => `${e.occurrenceId}:${e.kind}${e.reason ? `:${e.reason}` : ''}`);
    expect(summary).toEqual(['crashed:failed:interrupted', 'missed:failed:missed', 'late:started', 'late:finished']);
    expect(events()[0].startedAt).toBe(crashed.startAt);
    expect(events().find((e) => e.kind === 'started')?.detail).toMatch(/muộn/);
  });

  it('starts a soft item that arrives while the output is busy right after, saying so', async () => {
    const first = at(150, 'first', { durationMs: 400 });
    const second = at(300, 'second', { durationMs: 1000, startMode: 'soft' });
    newRunner().start(snapshot(1, [first, second]));
    await until(() => events().some((e) => e.occurrenceId === 'second' && e.kind === 'started'));
    const s = events().find((e) => e.occurrenceId === 'second' && e.kind === 'started');
    const f = events().find((e) => e.occurrenceId === 'first' && e.kind === 'finished');
    expect(f).toBeDefined();
    expect(s?.detail).toMatch(/bận/);
    expect(Date.parse(s?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(f?.endedAt ?? '') - 1);
  });

  it('a hard start cuts what plays at its instant; the cut one is reported failed, preempted, with what it played', async () => {
    const long = at(100, 'long', { durationMs: 5000 });
    const hard = at(500, 'hard', { durationMs: 300, priority: 'priority' });
    newRunner().start(snapshot(1, [long, hard]));
    await until(() => events().some((e) => e.occurrenceId === 'hard' && e.kind === 'finished'));
    const cut = events().find((e) => e.occurrenceId === 'long' && e.kind === 'failed');
    expect(cut).toMatchObject({ reason: 'preempted', startedAt: expect.any(String) });
    expect(cut?.playedMs).toBeGreaterThanOrEqual(300);
    expect(cut?.playedMs).toBeLessThan(1000);
    const started = events().find((e) => e.occurrenceId === 'hard' && e.kind === 'started');
    expect(Math.abs(started?.startErrorMs ?? 99)).toBeLessThan(50);
  });

  it('a hard start fades what it cuts over the fade length, ending on its instant; a live round takes the output at once and fades what it cuts', async () => {
    const calls: string[] = [];
    const inner = new NullPlayer(clock);
    // The null player, with each stop and fade noted with the server time it came at.
    const player: Player = {
      kind: 'null',
      prepare: (it, path) => inner.prepare(it, path),
      close: () => inner.close(),
      start: (prepared) => {
        const pb = inner.start(prepared);
        return {
          ...pb,
          stop: () => {
            calls.push(`stop ${prepared.item.occurrenceId} ${Math.round(clock.serverNow())}`);
            pb.stop();
          },
          fadeOut: (ms) => {
            calls.push(`fade ${prepared.item.occurrenceId} ${Math.round(clock.serverNow())} ${Math.round(ms)}`);
            pb.fadeOut(ms);
          },
        };
      },
    };
    runner = new Runner({
      clock,
      player,
      store,
      outbox,
      media: { has: (x) => present.has(x), pathOf: (x) => `/nowhere/${x}.mp3` },
      log: silentLogger,
      lateGraceMs: 2000,
      prepareLeadMs: 1000,
      fadeMs: 300,
    });
    const long = at(100, 'long', { durationMs: 10_000 });
    const hard = at(1500, 'hard', { durationMs: 5000, priority: 'priority' });
    runner.start(snapshot(1, [long, hard]));
    await until(() => events().some((e) => e.occurrenceId === 'hard' && e.kind === 'started'));

    const instant = Date.parse(hard.startAt);
    const fades = calls.filter((c) => c.startsWith('fade long'));
    expect(fades).toHaveLength(1);
    const [, , fadeAt, fadeMs] = fades[0].split(' ').map(Number);
    // Begun the fade length ahead, so that the programme is silent exactly when the next one starts.
    expect(Math.abs(fadeAt + fadeMs - instant)).toBeLessThanOrEqual(2);
    expect(fadeMs).toBeGreaterThan(250);
    expect(fadeMs).toBeLessThanOrEqual(300);
    expect(calls.some((c) => c.startsWith('stop long'))).toBe(false);
    const started = events().find((e) => e.occurrenceId === 'hard' && e.kind === 'started');
    expect(Math.abs(started?.startErrorMs ?? 99)).toBeLessThan(50);
    await until(() => events().some((e) => e.occurrenceId === 'long' && e.kind === 'failed'));
    const cut = events().find((e) => e.occurrenceId === 'long' && e.kind === 'failed');
    expect(cut).toMatchObject({ reason: 'preempted' });
    expect(Math.abs(Date.parse(cut?.endedAt ?? '') - instant)).toBeLessThan(50);

    // An emergency does not wait for a fade: the output is taken at once, and what it cuts fades under it.
    const before = Math.round(clock.serverNow());
    runner.hold({ id: 'live:r1:1', title: 'Khẩn cấp' });
    expect(runner.holder()).toEqual({ id: 'live:r1:1', title: 'Khẩn cấp' });
    const cuts = calls.filter((c) => c.startsWith('fade hard'));
    expect(cuts).toHaveLength(1);
    const [, , cutAt, cutMs] = cuts[0].split(' ').map(Number);
    expect(cutAt - before).toBeLessThanOrEqual(5);
    expect(cutMs).toBe(300);
    expect(calls.some((c) => c.startsWith('stop hard'))).toBe(false);
    runner.release();
  });

  it('a wait-up-to item waits its wait, then cuts', async () => {
    const long = at(100, 'long', { durationMs: 5000 });
    const waiter = at(400, 'waiter', { durationMs: 1000, startMode: 'wait', waitMs: 400 });
    newRunner().start(snapshot(1, [long, waiter]));
    await until(() => events().some((e) => e.occurrenceId === 'waiter' && e.kind === 'started'));
    const started = events().find((e) => e.occurrenceId === 'waiter' && e.kind === 'started');
    expect(started?.startErrorMs).toBeGreaterThanOrEqual(390);
    expect(started?.startErrorMs).toBeLessThan(700);
    // What it cut fades out over the fade length, then reports.
    await until(() => events().some((e) => e.occurrenceId === 'long' && e.kind === 'failed'));
    expect(events().find((e) => e.occurrenceId === 'long' && e.kind === 'failed')?.reason).toBe('preempted');
  });

  it('reports a missing audio file at the instant', async () => {
    const a = at(200, 'a');
    present.delete(a.media.sha256);
    newRunner().start(snapshot(1, [a]));
    await until(() => events().length === 1);
    expect(events()[0]).toMatchObject({ kind: 'failed', reason: 'media_missing', occurrenceId: 'a' });
  });

  it('takes a withdrawn programme off the air and reports it cancelled', async () => {
    const a = at(100, 'a', { durationMs: 5000 });
    const r = newRunner();
    const first = snapshot(1, [a]);
    r.start(first);
    await until(() => r.nowPlaying() !== null);
    r.applySnapshot(first, snapshot(2, []));
    await until(() => events().length === 2);
    expect(events()[1]).toMatchObject({ kind: 'failed', reason: 'cancelled', occurrenceId: 'a' });
    expect(events()[1].playedMs).toBeLessThan(5000);
  });

  it('keeps the station on the air when the disk is full: events are held in memory and still reported', async () => {
    const long = `full-${'x'.repeat(150)}`;
    const a = at(250, long);
    fillUp(store);
    newRunner().start(snapshot(1, [a]));
    await until(() => events().some((e) => e.kind === 'finished'));
    expect(events().map((e) => [e.kind, e.occurrenceId])).toEqual([
      ['started', long],
      ['finished', long],
    ]);
    // The disk took neither play state (the events were held, then fitted in on their own).
    expect(store.playStates().has(long)).toBe(false);
    // Not played a second time: the runner remembers what it did even though the disk did not.
    await new Promise((r) => setTimeout(r, 300));
    expect(events().filter((e) => e.kind === 'started')).toHaveLength(1);
  });

  it('records a programme cut by shutdown as interrupted, and does not report items first heard of too late', async () => {
    const a = at(50, 'a', { durationMs: 5000 });
    const r = newRunner();
    r.start(snapshot(1, []));
    r.applySnapshot(snapshot(1, []), snapshot(2, [a, at(-60_000, 'stale')]));
    await until(() => r.nowPlaying() !== null);
    await r.stop();
    runner = null;
    expect(events().map((e) => `${e.occurrenceId}:${e.kind}:${e.reason ?? ''}`)).toEqual(['a:started:', 'a:failed:interrupted']);
    expect(store.playStates().get('stale')?.state).toBe('skipped');
  });
});

describe('Runner at the edge of an instant', () => {
  it('does not re-arm in a loop when an item due within the spin window has to wait for the output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loa-runner-edge-'));
    const store = new AgentStore(join(dir, 'agent.db'));
    const outbox = new Outbox(store);
    // A clock that stands still: the agent sits 10 ms before the second item's instant for as long as it likes.
    const T = Date.parse('2026-11-24T22:30:00.000Z');
    const clock = new FakeClock(T);
    const first = item('first', T, { durationMs: 60_000 });
    const second = item('second', T + 10, { durationMs: 1000, startMode: 'soft' });
    const runner = new Runner({
      clock,
      player: new NullPlayer(clock),
      store,
      outbox,
      media: { has: () => true, pathOf: (s) => `/nowhere/${s}.mp3` },
      log: silentLogger,
      lateGraceMs: 2000,
      prepareLeadMs: 150,
    });
    try {
      runner.start(snapshot(1, [first, second]));
      const deadline = Date.now() + 3000;
      while (!outbox.pending(10).some((e) => e.event.occurrenceId === 'first') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      // Re-planning with `second` 10 ms ahead and the output busy must wait for the instant, not recurse.
      await new Promise((r) => setTimeout(r, 200));
      expect(runner.nowPlaying()?.item.occurrenceId).toBe('first');
      expect(outbox.pending(10).map((e) => `${e.event.occurrenceId}:${e.event.kind}`)).toEqual(['first:started']);
    } finally {
      await runner.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
