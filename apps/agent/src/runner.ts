import { randomUUID } from 'node:crypto';
import { toInstant, type AirProof, type FailureReason, type PlaybackEvent } from '@loa/protocol';
import { plannedAtOf, type AgentItem, type AgentSnapshot } from './schedule-items';
import type { Clock } from './clock';
import { errorText, type Logger } from './log';
import { isStorageError, type Outbox } from './outbox';
import type { Playback, Player, Prepared } from './player';
import { runQueueWaitMs, type WaitReport } from './precise-wait';
import { InlineStartLine, type StartLine, type Went } from './start-line';
import { planSchedule, type Plan, type PlayingNow, type StartMode } from './scheduler';
import type { StartGuard } from './start-guard';
import { diffSnapshots } from './snapshot-diff';
import type { AgentStore, PlayStateKind } from './store';

export interface MediaSource {
  has(sha256: string): boolean;
  pathOf(sha256: string): string;
}

/** What the runner keeps of each occurrence: the agent's store, or one cluster's share of it. */
export type RunnerStore = Pick<AgentStore, 'playStates' | 'setPlayState' | 'prunePlayStates'>;
/** Where the runner's events go: the outbox, or what merges the clusters' events into the airing's. */
export type RunnerOutbox = Pick<Outbox, 'commit' | 'notify'>;

export interface RunnerOptions {
  clock: Clock;
  player: Player;
  store: RunnerStore;
  outbox: RunnerOutbox;
  media: MediaSource;
  log: Logger;
  lateGraceMs: number;
  /**
   * Every cut fades what it cuts over this long, so it does not click: a hard start's fade ends on its
   * instant, so the new programme still starts on time; a live relay or emergency, a withdrawn slot or a
   * shutdown starts it at once and the new sound starts at once over it. 0 cuts at once.
   */
  fadeMs?: number;
  /** How long before its instant a programme is prepared (decoded, output process spawned). */
  prepareLeadMs?: number;
  /**
   * The last stretch before an instant is waited precisely (a sub-millisecond sleep, then a spin of its
   * last millisecond; see precise-wait.ts): a timer only brings the loop this close, a few ms late at best.
   */
  spinMs?: number;
  /** Longest single sleep; the plan is re-checked at least this often. */
  maxSleepMs?: number;
  missedHorizonMs?: number;
  /** Called when what is on air changes. */
  onChange?: () => void;
  /** The capture that judges each airing once it has ended; without one, airings are `no_capture`. */
  proof?: AirJudge;
  /** Told of each precise start ahead, so that work that can wait does not hold the loop just before it. */
  guard?: StartGuard;
  /** Makes the instant itself: the last stretch of the wait and the first writes (see start-line.ts). On the loop when absent. */
  startLine?: StartLine;
}

export interface AirJudge {
  judge(item: AgentItem, file: string, startedAt: number, playedMs: number): Promise<{ air: AirProof; deadAirMs: number }>;
}

const NO_CAPTURE: AirProof = { verdict: 'no_capture', confirmedMs: 0, coveragePct: 0, offsetMs: null };

/** Where a start's error came from; see Runner.startPrepared. */
interface StartTiming {
  /** How long after its target the timer ran the last stretch (event loop or machine busy). */
  timerLateMs: number;
  /** Time the kernel kept the agent runnable but off the CPU, from the last stretch to the start. */
  runQueueMs: number | null;
  /** How the precise wait went (see precise-wait.ts). */
  wait: WaitReport;
}

type StopReason = 'preempted' | 'cancelled' | 'shutdown' | 'schedule_end' | 'live';

interface OnAir {
  item: AgentItem;
  /** Null while a late start is still preparing. */
  playback: Playback | null;
  startedAt: number;
  endsAt: number;
  stopReason: StopReason | null;
  stopDetail?: string;
  /** Fading out before a hard start: still holds the output until then. */
  fadingUntil?: number;
  ended: Promise<void>;
}

interface PreparedEntry {
  key: string;
  promise: Promise<Prepared | null>;
  value: Prepared | null;
  stale: boolean;
}

function itemKey(item: AgentItem): string {
  return `${item.startMs}|${item.media.sha256}`;
}

/**
 * The timing loop. Each upcoming programme is prepared a few seconds ahead, the loop sleeps until just
 * before the instant (server time), spins the last few milliseconds, then hands the prepared audio to the
 * player. Every state change (new snapshot, clock correction, end of a programme, a newly cached file)
 * re-plans and re-arms.
 */
export class Runner {
  private readonly o: Required<Omit<RunnerOptions, 'onChange' | 'proof' | 'guard'>> & Pick<RunnerOptions, 'onChange' | 'proof' | 'guard'>;
  private readonly line: StartLine;
  /** Airings that ended and wait for the capture's verdict before their event is written. */
  private readonly judging = new Set<Promise<void>>();
  private items: AgentItem[] = [];
  private byId = new Map<string, AgentItem>();
  private states = new Map<string, PlayStateKind>();
  private readonly deferred = new Set<string>();
  private readonly prepared = new Map<string, PreparedEntry>();
  private current: OnAir | null = null;
  private timer: NodeJS.Timeout | null = null;
  private fadeTimer: NodeJS.Timeout | null = null;
  private generation = 0;
  private running = false;
  /** A live relay or emergency holding the output; see hold(). */
  private held: { id: string; title: string; since: number } | null = null;

  constructor(options: RunnerOptions) {
    this.o = { fadeMs: 300, prepareLeadMs: 5000, spinMs: 50, maxSleepMs: 60_000, missedHorizonMs: 7 * 24 * 3600_000, startLine: new InlineStartLine(options.clock), ...options };
    this.line = this.o.startLine;
  }

  /** Reports what a previous run left unfinished, then starts following `snapshot`. */
  start(snapshot: AgentSnapshot | null): void {
    this.running = true;
    const rows = this.o.store.playStates();
    const now = this.o.clock.serverNow();
    for (const row of rows.values()) {
      if (row.state !== 'started') continue;
      this.record(
        { ...row, state: 'done', endedAt: toInstant(now) },
        {
          kind: 'failed',
          occurrenceId: row.occurrenceId,
          slotId: row.slotId,
          plannedAt: row.plannedAt,
          ...(row.startedAt ? { startedAt: row.startedAt } : {}),
          endedAt: toInstant(now),
          reason: 'interrupted',
          detail: 'Trạm bị dừng khi đang phát (mất điện hoặc khởi động lại).',
        },
      );
      this.o.log.warn(`Chương trình ${row.occurrenceId} bị gián đoạn lần chạy trước: đã ghi "interrupted"`);
    }
    this.storeWrite('dọn trạng thái cũ', () => this.o.store.prunePlayStates(toInstant(now - 2 * this.o.missedHorizonMs)));
    this.states = new Map([...this.o.store.playStates()].map(([id, r]) => [id, r.state]));
    this.setItems(snapshot?.items ?? []);
    this.replan();
  }

  /** Follows a newer snapshot received from the server. */
  applySnapshot(prev: AgentSnapshot | null, next: AgentSnapshot): void {
    const diff = diffSnapshots(prev, next);
    const now = this.o.clock.serverNow();
    // Items first heard of after their instant had passed were never the agent's to play: no logbook line.
    for (const item of [...diff.added, ...diff.changed.map((c) => c.after)]) {
      if (this.states.has(item.occurrenceId) || this.current?.item.occurrenceId === item.occurrenceId) continue;
      if (item.startMs + this.o.lateGraceMs < now) {
        this.storeWrite('ghi chương trình bỏ qua', () =>
          this.o.store.setPlayState(
            { occurrenceId: item.occurrenceId, slotId: item.slotId, plannedAt: plannedAtOf(item), state: 'skipped', startedAt: null, endedAt: null },
            toInstant(now),
          ),
        );
        this.states.set(item.occurrenceId, 'skipped');
      }
    }
    const cur = this.current;
    if (cur && diff.removed.some((r) => r.occurrenceId === cur.item.occurrenceId)) {
      this.o.log.warn(`Chương trình "${cur.item.programme.title}" đã bị rút khỏi lịch: dừng phát`);
      this.stopCurrent('cancelled', 'Chương trình bị rút khỏi lịch khi đang phát.');
    }
    this.setItems(next.items);
    if (this.running) this.replan();
  }

  /** The clock offset moved or a file arrived: instants in local time are different now. */
  refresh(): void {
    if (this.running) this.replan();
  }

  /** Nothing on air, held by a live round or prepared: the output may be opened for a check. */
  outputIdle(): boolean {
    return !this.current && !this.held && this.prepared.size === 0;
  }

  nowPlaying(): { item: AgentItem; startedAt: number } | null {
    const cur = this.current;
    return cur?.playback ? { item: cur.item, startedAt: cur.startedAt } : null;
  }

  // ---- live sources ----

  /**
   * A live relay or emergency takes the output now: the programme on air is cut (recorded as preempted,
   * with the time it played) and scheduled items wait, by the same rules as behind any busy output, until
   * release().
   */
  hold(holder: { id: string; title: string }): void {
    this.held = { ...holder, since: this.o.clock.serverNow() };
    this.stopCurrent('live', `Bị ngắt bởi phát trực tiếp: "${holder.title}".`);
    if (this.running) this.replan();
  }

  /** The live source has left the air: the schedule carries on. */
  release(): void {
    if (!this.held) return;
    this.held = null;
    if (this.running) this.replan();
  }

  /** Occurrences not yet started or finished. */
  isSettled(occurrenceId: string): boolean {
    const s = this.states.get(occurrenceId);
    return s === 'done' || s === 'skipped';
  }

  /** Stops the loop; a programme on air is cut and recorded as interrupted. */
  async stop(): Promise<void> {
    this.running = false;
    this.clearTimer();
    this.clearFade();
    this.o.guard?.expect(this, null);
    this.generation++;
    const cur = this.current;
    if (cur) {
      this.stopCurrent('shutdown', 'Trạm dừng phần mềm khi đang phát.');
      await cur.ended;
    }
    for (const entry of this.prepared.values()) this.releaseEntry(entry);
    this.prepared.clear();
    await Promise.allSettled([...this.judging]);
  }

  /** What holds the output instead of the schedule: a live relay or emergency. */
  holder(): { id: string; title: string } | null {
    return this.held ? { id: this.held.id, title: this.held.title } : null;
  }

  // ---- planning ----

  private setItems(items: readonly AgentItem[]): void {
    this.items = [...items];
    this.byId = new Map(items.map((i) => [i.occurrenceId, i]));
    for (const id of [...this.deferred]) if (!this.byId.has(id)) this.deferred.delete(id);
    for (const [id, entry] of this.prepared) {
      const item = this.byId.get(id);
      if (!item || itemKey(item) !== entry.key) {
        this.releaseEntry(entry);
        this.prepared.delete(id);
      }
    }
  }

  private playingAt(instant: number): PlayingNow | null {
    if (this.held) return { occurrenceId: this.held.id, priority: 'emergency', startedAt: this.held.since, endsAt: Number.MAX_SAFE_INTEGER };
    const cur = this.current;
    if (!cur || (cur.stopReason && !(cur.fadingUntil !== undefined && instant < cur.fadingUntil))) return null;
    // A programme at the end of its own slot gives way to the next one instead of delaying it.
    if (cur.endsAt <= instant) return null;
    return { occurrenceId: cur.item.occurrenceId, priority: cur.item.priority, startedAt: cur.startedAt, endsAt: cur.endsAt };
  }

  private plan(now: number): Plan {
    return planSchedule({
      items: this.items,
      states: this.states,
      now,
      lateGraceMs: this.o.lateGraceMs,
      prepareLeadMs: this.o.prepareLeadMs,
      playing: this.playingAt(now),
      deferred: this.deferred,
      missedHorizonMs: this.o.missedHorizonMs,
    });
  }

  private replan(): void {
    if (!this.running) return;
    this.clearTimer();
    this.clearFade();
    this.o.guard?.expect(this, null);
    const gen = ++this.generation;
    const now = this.o.clock.serverNow();
    const plan = this.plan(now);

    for (const { item, busy } of plan.missed) {
      this.deferred.delete(item.occurrenceId);
      this.fail(item, now, 'missed', busy ? 'Đầu ra bận suốt thời lượng của chương trình.' : 'Trạm không hoạt động hoặc chưa có lịch lúc đến giờ phát.');
      this.o.log.warn(`Bỏ lỡ "${item.programme.title}" (${plannedAtOf(item)})`);
    }
    this.defer(plan.defer);
    for (const item of plan.prepare) this.ensurePrepared(item, true);
    if (plan.startNow) {
      this.begin(plan.startNow.item, plan.startNow.mode);
      return; // begin() re-plans once the output state is known
    }
    if (plan.next) this.arm(gen, plan.next, now, plan.wakeAt);
    else if (plan.wakeAt !== null) this.setTimer(Math.min(plan.wakeAt - now, this.o.maxSleepMs), () => this.replan());
  }

  private defer(items: readonly AgentItem[]): void {
    for (const item of items) {
      if (this.deferred.has(item.occurrenceId)) continue;
      this.deferred.add(item.occurrenceId);
      this.o.log.info(`Đang phát chương trình khác: "${item.programme.title}" sẽ phát ngay sau đó`);
    }
  }

  private arm(gen: number, next: AgentItem, now: number, wakeAt: number | null): void {
    const instant = next.startMs;
    const prepareAt = instant - this.o.prepareLeadMs;
    const fireAt = instant - this.o.spinMs;
    if (wakeAt !== null && wakeAt < fireAt) {
      // A waiting item's wait-up-to runs out first: look again then.
      const at = now < prepareAt ? Math.min(prepareAt, wakeAt) : wakeAt;
      this.setTimer(Math.min(at - now, this.o.maxSleepMs), () => this.replan());
      return;
    }
    if (now < prepareAt) {
      this.setTimer(Math.min(prepareAt - now, this.o.maxSleepMs), () => this.replan());
      return;
    }
    // Decided now, while there is time: the plan as it will stand at the instant.
    const decision = this.plan(instant);
    if (decision.startNow?.mode === 'preempt') this.armFade(instant, decision.startNow.item);
    if (decision.startNow) this.o.guard?.expect(this, instant);
    if (now < fireAt) this.setTimer(Math.min(fireAt - now, this.o.maxSleepMs), () => this.fire(gen, instant, decision, fireAt));
    else this.fire(gen, instant, decision, now);
  }

  private fire(gen: number, instant: number, decision: Plan, fireAt: number): void {
    if (gen !== this.generation || !this.running) return;
    const clock = this.o.clock;
    const timerLateMs = clock.serverNow() - fireAt;
    if (instant - clock.serverNow() > this.o.spinMs * 2) {
      // The clock was corrected while sleeping; sleep again rather than spin for long.
      this.replan();
      return;
    }
    const start = decision.startNow;
    const entry = start ? this.prepared.get(start.item.occurrenceId) : undefined;
    if (start && entry?.value && entry.key === itemKey(start.item) && this.o.media.has(start.item.media.sha256)) {
      const prepared = entry.value;
      this.prepared.delete(start.item.occurrenceId);
      const cur = this.current;
      const queuedBefore = runQueueWaitMs();
      // The few milliseconds left are shorter than a timer's jitter: the start line sleeps them precisely,
      // spins the last and makes the first writes to the output.
      const went = this.line.go(instant, prepared.instantWrites?.() ?? []);
      if (cur && !cur.stopReason) {
        if (start.mode === 'preempt') this.stopCurrent('preempted', `Bị ngắt bởi chương trình "${start.item.programme.title}" (bắt đầu cứng hoặc ưu tiên cao hơn).`);
        else this.stopCurrent('schedule_end');
      }
      this.startPrepared(
        start.item,
        prepared,
        start.mode,
        () => {
          const queuedAfter = runQueueWaitMs();
          return { timerLateMs, runQueueMs: queuedBefore !== null && queuedAfter !== null ? queuedAfter - queuedBefore : null, wait: went.wait };
        },
        went,
      );
    } else if (start) {
      this.begin(start.item, start.mode);
      return;
    }
    this.defer(decision.defer);
    // Nothing went on air and the instant is still ahead: look again once it has come. Re-planning at
    // once would find the same item next, arm it again and recurse until the instant.
    const ahead = instant - clock.serverNow();
    if (ahead > 0) this.setTimer(Math.ceil(ahead) + 1, () => this.replan());
    else this.replan();
  }

  // ---- preparing ----

  /**
   * `ahead`: prepared seconds before its instant, so it may wait for room: preparing can start processes
   * (decoder, output), which hold the loop until they run, and must not do so just before another start.
   */
  private ensurePrepared(item: AgentItem, ahead = false): PreparedEntry | null {
    const key = itemKey(item);
    const existing = this.prepared.get(item.occurrenceId);
    if (existing && existing.key === key) return existing;
    if (existing) this.releaseEntry(existing);
    if (!this.o.media.has(item.media.sha256)) return null;
    const entry: PreparedEntry = { key, promise: Promise.resolve(null), value: null, stale: false };
    const room = (ahead && this.o.guard?.whenClear()) || Promise.resolve();
    // Dropped while it waited for room: nothing to prepare.
    entry.promise = room
      .then(() => {
        if (entry.stale) return null;
        // Seconds ahead, with room on the loop: the start line may start a process to take its priority.
        this.line.ready?.();
        return this.o.player.prepare(item, this.o.media.pathOf(item.media.sha256));
      })
      .then(
        (p) => {
          if (!p) return null;
          if (entry.stale) {
            p.release();
            return null;
          }
          entry.value = p;
          return p;
        },
        (e: unknown) => {
          this.o.log.error(`Không chuẩn bị được "${item.programme.title}": ${errorText(e)}`);
          // Dropped so the next plan tries again; at the instant a failed preparation is reported.
          if (this.prepared.get(item.occurrenceId) === entry) this.prepared.delete(item.occurrenceId);
          throw e;
        },
      );
    // Errors are handled where the promise is awaited; this only keeps them from being "unhandled".
    entry.promise.catch(() => {});
    this.prepared.set(item.occurrenceId, entry);
    return entry;
  }

  private releaseEntry(entry: PreparedEntry): void {
    entry.stale = true;
    entry.value?.release();
    entry.value = null;
  }

  // ---- on air ----

  /** Starts without a precise instant: a late, deferred or unprepared start. */
  private begin(item: AgentItem, mode: StartMode): void {
    const now = this.o.clock.serverNow();
    this.deferred.delete(item.occurrenceId);
    if (!this.o.media.has(item.media.sha256)) {
      this.fail(item, now, 'media_missing', 'Tệp âm thanh chưa tải về hoặc không qua kiểm tra khi đến giờ phát.');
      this.o.log.error(`Thiếu tệp âm thanh cho "${item.programme.title}": không phát được`);
      this.replan();
      return;
    }
    const entry = this.ensurePrepared(item);
    this.prepared.delete(item.occurrenceId);
    const cur = this.current;
    if (cur && !cur.stopReason) {
      if (mode === 'preempt') this.stopCurrent('preempted', `Bị ngắt bởi chương trình "${item.programme.title}" (bắt đầu cứng hoặc ưu tiên cao hơn).`);
      else this.stopCurrent('schedule_end');
    }
    // Hold the output while preparing so nothing else is started meanwhile.
    let release: () => void = () => {};
    const placeholder: OnAir = {
      item,
      playback: null,
      startedAt: now,
      endsAt: now + item.durationMs,
      stopReason: null,
      ended: new Promise<void>((r) => (release = r)),
    };
    this.current = placeholder;
    void (entry?.promise ?? Promise.resolve(null)).then(
      (prepared) => {
        if (this.current === placeholder) this.current = null;
        release();
        if (!this.running || placeholder.stopReason) {
          prepared?.release();
          return;
        }
        if (!prepared) {
          this.fail(item, this.o.clock.serverNow(), 'player_error', 'Không chuẩn bị được chương trình để phát.');
        } else {
          // Ready only once the last stretch before its instant had begun: the instant may still be ahead,
          // and a programme never starts before it.
          const ahead = item.startMs - this.o.clock.serverNow();
          const went = ahead > 0 && ahead <= this.o.spinMs * 2 ? this.line.go(item.startMs, prepared.instantWrites?.() ?? []) : undefined;
          this.startPrepared(item, prepared, mode, undefined, went);
        }
        this.replan();
      },
      (e: unknown) => {
        if (this.current === placeholder) this.current = null;
        release();
        if (!this.running || placeholder.stopReason) return;
        this.fail(item, this.o.clock.serverNow(), 'player_error', `Không chuẩn bị được chương trình: ${errorText(e)}`);
        this.replan();
      },
    );
  }

  /**
   * Puts a prepared programme on air. `timing`, for a start on its instant, is read once the playback has
   * begun: how late the timer woke the loop, and how long the kernel kept the agent off the CPU meanwhile.
   */
  private startPrepared(item: AgentItem, prepared: Prepared, mode: StartMode, timing?: () => StartTiming, went?: Went): void {
    let playback: Playback;
    try {
      playback = this.o.player.start(prepared, went);
    } catch (e) {
      prepared.release();
      this.fail(item, this.o.clock.serverNow(), 'player_error', `Lỗi đầu ra âm thanh: ${errorText(e)}`);
      return;
    }
    const startedAt = playback.startedAt;
    const startErrorMs = round3(startedAt - item.startMs);
    const plannedAt = plannedAtOf(item);
    let release: () => void = () => {};
    const onAir: OnAir = {
      item,
      playback,
      startedAt,
      endsAt: startedAt + item.durationMs,
      stopReason: null,
      ended: new Promise<void>((r) => (release = r)),
    };
    this.current = onAir;
    const note =
      mode === 'after_busy' ? 'Phát muộn: đầu ra bận với chương trình trước đó.' : mode === 'late' ? 'Phát muộn so với giờ đã định.' : undefined;
    this.record(
      { occurrenceId: item.occurrenceId, slotId: item.slotId, plannedAt, state: 'started', startedAt: toInstant(startedAt), endedAt: null },
      {
        kind: 'started',
        occurrenceId: item.occurrenceId,
        slotId: item.slotId,
        plannedAt,
        startedAt: toInstant(startedAt),
        startErrorMs: clampError(startErrorMs),
        ...(note ? { detail: note } : {}),
        ...versionOf(item),
      },
    );
    const t = timing?.();
    const why = t
      ? ` (hẹn giờ trễ ${t.timerLateMs.toFixed(3)} ms${t.runQueueMs !== null ? `, chờ CPU ${t.runQueueMs.toFixed(3)} ms` : ''}, chờ xong trễ ${t.wait.overMs.toFixed(3)} ms, khựng ${t.wait.stallMs.toFixed(3)} ms)`
      : '';
    this.o.log.info(`Bắt đầu phát "${item.programme.title}" (${item.occurrenceId}), lệch ${startErrorMs.toFixed(3)} ms${why}`);
    this.o.onChange?.();

    void playback.finished
      .then(
        (result) => this.onEnded(onAir, result.endedAt, result.playedMs, result.error),
        (e: unknown) => this.onEnded(onAir, this.o.clock.serverNow(), Math.round(this.o.clock.serverNow() - startedAt), errorText(e)),
      )
      .finally(release);
  }

  private onEnded(onAir: OnAir, endedAt: number, playedMs: number, error: string | undefined): void {
    if (this.current === onAir) this.current = null;
    const { item } = onAir;
    const base = {
      occurrenceId: item.occurrenceId,
      slotId: item.slotId,
      plannedAt: plannedAtOf(item),
      startedAt: toInstant(onAir.startedAt),
      endedAt: toInstant(endedAt),
      playedMs: Math.max(0, Math.min(playedMs, 7 * 24 * 3600_000)),
      ...versionOf(item),
    };
    const state = { occurrenceId: item.occurrenceId, slotId: item.slotId, plannedAt: base.plannedAt, state: 'done' as const, startedAt: base.startedAt, endedAt: base.endedAt };
    let event: Omit<PlaybackEvent, 'id'>;
    if (error && onAir.stopReason !== 'cancelled' && onAir.stopReason !== 'shutdown') {
      event = { kind: 'failed', ...base, reason: 'player_error', detail: error.slice(0, 1000) };
      this.o.log.error(`Lỗi khi phát "${item.programme.title}": ${error}`);
    } else if (onAir.stopReason === 'cancelled') {
      event = { kind: 'failed', ...base, reason: 'cancelled', detail: onAir.stopDetail };
    } else if (onAir.stopReason === 'live') {
      event = { kind: 'failed', ...base, reason: 'preempted', detail: onAir.stopDetail };
      this.o.log.warn(`"${item.programme.title}" bị ngắt sau ${Math.round(playedMs / 1000)} giây để phát trực tiếp`);
    } else if (onAir.stopReason === 'shutdown') {
      event = { kind: 'failed', ...base, reason: 'interrupted', detail: onAir.stopDetail };
    } else if (onAir.stopReason === 'preempted') {
      event = { kind: 'failed', ...base, reason: 'preempted', detail: onAir.stopDetail };
      this.o.log.warn(`"${item.programme.title}" bị ngắt sau ${Math.round(playedMs / 1000)} giây: ${onAir.stopDetail ?? ''}`);
    } else {
      const startErrorMs = clampError(round3(onAir.startedAt - item.startMs));
      event = { kind: 'finished', ...base, startErrorMs };
      this.o.log.info(`Kết thúc "${item.programme.title}" sau ${Math.round(playedMs / 1000)} giây`);
    }
    const proof = this.o.proof;
    if (proof && base.playedMs > 0) {
      // The verdict is part of the line, so the event waits for the capture to catch up with the end.
      // Judging starts a decoder process, which holds the loop until it runs: not just before a start.
      const room = this.o.guard?.whenClear() ?? Promise.resolve();
      const judged = room
        .then(() => proof.judge(item, this.o.media.pathOf(item.media.sha256), onAir.startedAt, base.playedMs))
        .then(
          (v) => ({ air: v.air, ...(v.deadAirMs > 0 ? { deadAirMs: v.deadAirMs } : {}) }),
          (e: unknown) => {
            this.o.log.error(`Không đối chiếu được "${item.programme.title}" với thiết bị thu: ${errorText(e)}`);
            return { air: { verdict: 'not_confirmed', confirmedMs: 0, coveragePct: 0, offsetMs: null } as AirProof };
          },
        )
        .then((extra) => {
          this.record(state, { ...event, ...extra });
          // A box without a receiver ('no_capture') has nothing to warn about on every airing.
          if (extra.air.verdict === 'not_confirmed') this.o.log.warn(`Không xác nhận được "${item.programme.title}" trên sóng qua thiết bị thu (${extra.air.coveragePct}%)`);
          this.o.onChange?.();
        });
      this.judging.add(judged);
      void judged.finally(() => this.judging.delete(judged));
    } else {
      this.record(state, base.playedMs > 0 ? { ...event, air: NO_CAPTURE } : event);
    }
    this.o.onChange?.();
    this.replan();
  }

  /** Starts fading what is on air so that it is silent at `instant`, when `next` cuts it. */
  private armFade(instant: number, next: AgentItem): void {
    const cur = this.current;
    if (this.fadeTimer || this.o.fadeMs <= 0 || !cur?.playback || cur.stopReason) return;
    const begin = () => {
      this.fadeTimer = null;
      const now = this.o.clock.serverNow();
      if (this.current !== cur || cur.stopReason || !cur.playback || now >= instant - lead) return;
      cur.stopReason = 'preempted';
      cur.fadingUntil = instant;
      cur.stopDetail = `Bị ngắt bởi chương trình "${next.programme.title}" (bắt đầu cứng hoặc ưu tiên cao hơn).`;
      // A timer may fire a millisecond early: the fade never runs longer than set.
      cur.playback.fadeOut(Math.min(this.o.fadeMs, instant - now - lead));
    };
    // A player that feeds ahead is heard its lead later: the ramp is asked for that much sooner.
    const lead = cur.playback.leadMs ?? 0;
    const wait = instant - this.o.fadeMs - lead - this.o.clock.serverNow();
    if (wait <= 0) begin();
    else this.fadeTimer = setTimeout(begin, wait);
  }

  /**
   * Takes what is on air off it. Every cut fades over fadeMs (from the player's lead on) rather than
   * clicking; whatever replaces it starts at once, over the fade's tail.
   */
  private stopCurrent(reason: StopReason, detail?: string): void {
    const cur = this.current;
    if (!cur || cur.stopReason) return;
    cur.stopReason = reason;
    cur.stopDetail = detail;
    if (!cur.playback) return;
    if (this.o.fadeMs > 0) cur.playback.fadeOut(this.o.fadeMs);
    else cur.playback.stop();
  }

  // ---- recording ----

  private fail(item: AgentItem, now: number, reason: FailureReason, detail: string): void {
    this.record(
      { occurrenceId: item.occurrenceId, slotId: item.slotId, plannedAt: plannedAtOf(item), state: 'done', startedAt: null, endedAt: toInstant(now) },
      { kind: 'failed', occurrenceId: item.occurrenceId, slotId: item.slotId, plannedAt: plannedAtOf(item), endedAt: toInstant(now), reason, detail, ...versionOf(item) },
    );
  }

  /** Play state and its event commit together: a crash can leave neither or both. */
  private record(
    state: { occurrenceId: string; slotId: string; plannedAt: string; state: PlayStateKind; startedAt: string | null; endedAt: string | null },
    event: Omit<PlaybackEvent, 'id'>,
  ): void {
    const full = { id: randomUUID(), ...event } as PlaybackEvent;
    for (const k of Object.keys(full) as (keyof PlaybackEvent)[]) if (full[k] === undefined) delete full[k];
    const at = toInstant(this.o.clock.serverNow());
    this.states.set(state.occurrenceId, state.state);
    // The commit (an fsync) and the send wait for a start just ahead; the plan already counts the new state.
    const commit = () => {
      const refused = this.o.outbox.commit(full, () => this.o.store.setPlayState(state, at));
      if (refused) this.o.log.error(`${refused}; sự kiện được giữ tạm trong bộ nhớ, trạm vẫn phát`);
      this.o.outbox.notify();
    };
    if (this.o.guard) this.o.guard.run(commit);
    else commit();
  }

  /** A write the station can play on without: a disk that refuses it is logged, not fatal. */
  private storeWrite(what: string, write: () => unknown): void {
    try {
      write();
    } catch (e) {
      if (!isStorageError(e)) throw e;
      this.o.log.error(`Bộ nhớ của trạm không nhận ghi (${what}): ${errorText(e)}`);
    }
  }

  private setTimer(ms: number, fn: () => void): void {
    this.clearTimer();
    this.timer = setTimeout(fn, Math.max(0, ms));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A fade not yet begun belongs to the plan being replaced; one under way runs to its end. */
  private clearFade(): void {
    if (this.fadeTimer) clearTimeout(this.fadeTimer);
    this.fadeTimer = null;
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function clampError(ms: number): number {
  return Math.max(-3_600_000, Math.min(3_600_000, ms));
}

/** The language version the item's file is, for its events: the logbook line names the version that aired. */
function versionOf(item: AgentItem): { language?: string } {
  return item.language ? { language: item.language } : {};
}
