import { randomUUID } from 'node:crypto';
import { parseLiveAudio, fromInstant, toInstant, type LiveAudio, type LiveStartFrame, type LiveStatusFrame, type LiveStopFrame, type PlaybackEvent } from '@loa/protocol';
import type { Clock } from '../clock';
import { errorText, type Logger } from '../log';
import type { Outbox } from '../outbox';
import type { AgentStore } from '../store';
import type { LiveOutput, LiveSink } from './live-output';

/** What the receiver needs of the runner: the output, taken and given back. */
export interface OutputHolder {
  hold(holder: { id: string; title: string }): void;
  release(): void;
}

export interface LiveReceiverOptions {
  clock: Clock;
  output: LiveOutput;
  runner: OutputHolder;
  store: AgentStore;
  outbox: Outbox;
  log: Logger;
  /** Sends a status frame if connected. */
  send: (frame: LiveStatusFrame) => boolean;
  /** Each group plays this long after its server instant: absorbs network jitter, the same on every station. */
  jitterMs?: number;
  /** No audio this long (link lost and not back) ends the round on this station. */
  stallMs?: number;
  statusIntervalMs?: number;
}

interface Session {
  start: LiveStartFrame;
  /** The frame's start instant, epoch ms, read once as the frame arrives. */
  plannedAt: number;
  occurrenceId: string;
  queue: LiveAudio[];
  /** Server instant the next group should carry if none is lost. */
  expectedAt: number | null;
  lastSeq: number | null;
  sink: LiveSink | null;
  startedAt: number | null;
  playedMs: number;
  gapMs: number;
  gaps: number;
  lagMs: number;
  lastAudioAt: number;
  stopping: boolean;
  ending: boolean;
}

export function liveOccurrence(relayId: string, round: number): string {
  return `live:${relayId}:${round}`;
}

/**
 * Plays live relays and emergencies. Groups wait in a small jitter buffer and go to the output at their
 * server instant plus a fixed delay, so every station is on the same beat; a station that joins late, or
 * comes back after losing the link, plays from the live point and logs the gap. The round takes the output
 * from the schedule for as long as it lasts.
 */
export class LiveReceiver {
  private readonly o: Required<LiveReceiverOptions>;
  private session: Session | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private badFrames = 0;
  private closed = false;
  private ended: Promise<void> = Promise.resolve();

  constructor(options: LiveReceiverOptions) {
    this.o = { jitterMs: 500, stallMs: 10_000, statusIntervalMs: 2000, ...options };
    this.timers.push(setInterval(() => this.tick(), 20));
    this.timers.push(setInterval(() => this.reportStatus(), this.o.statusIntervalMs));
  }

  /** What is live on this station now, for the agent's status. */
  current(): { occurrenceId: string; title: string; startedAt: number } | null {
    const s = this.session;
    return s?.startedAt ? { occurrenceId: s.occurrenceId, title: s.start.title, startedAt: s.startedAt } : null;
  }

  onStart(frame: LiveStartFrame): void {
    if (this.closed) return;
    const s = this.session;
    if (s && s.start.relayId === frame.relayId && s.start.round === frame.round) {
      // The link came back during the round: carry on from the live point.
      s.stopping = false;
      this.o.log.info(`Nối lại phát trực tiếp "${frame.title}": phát tiếp từ điểm trực tiếp`);
      this.reportStatus();
      return;
    }
    if (s) this.endSession(s, 'replaced');
    const occurrenceId = liveOccurrence(frame.relayId, frame.round);
    this.session = {
      start: frame,
      plannedAt: fromInstant(frame.startedAt),
      occurrenceId,
      queue: [],
      expectedAt: null,
      lastSeq: null,
      sink: null,
      startedAt: null,
      playedMs: 0,
      gapMs: 0,
      gaps: 0,
      lagMs: 0,
      lastAudioAt: this.o.clock.localNow(),
      stopping: false,
      ending: false,
    };
    this.o.log.info(`${frame.kind === 'emergency' ? 'THÔNG BÁO KHẨN CẤP' : 'Phát trực tiếp'}: "${frame.title}" (lần ${frame.round})`);
    this.o.runner.hold({ id: occurrenceId, title: frame.title });
    this.reportStatus();
  }

  onStop(frame: LiveStopFrame): void {
    const s = this.session;
    if (!s || s.start.relayId !== frame.relayId || s.start.round !== frame.round) return;
    // What is buffered still plays; the round ends when the buffer is empty.
    s.stopping = true;
  }

  onAudio(raw: Buffer): void {
    const parsed = parseLiveAudio(raw);
    if (!parsed.ok) {
      if (this.badFrames++ % 100 === 0) this.o.log.warn(`Bỏ qua gói âm thanh trực tiếp không hợp lệ: ${parsed.why}`);
      return;
    }
    const s = this.session;
    const a = parsed.audio;
    if (!s || s.start.relayId !== a.relayId || s.ending) return;
    s.lastAudioAt = this.o.clock.localNow();
    if (s.lastSeq !== null && a.seq !== ((s.lastSeq + 1) >>> 0) && s.expectedAt !== null) {
      const lost = Math.max(0, a.at - s.expectedAt);
      s.gapMs += lost;
      s.gaps++;
      this.o.log.warn(`Phát trực tiếp bị gián đoạn ${(lost / 1000).toFixed(1)} giây (mất gói ${s.lastSeq + 1}–${a.seq - 1}); phát tiếp từ điểm trực tiếp`);
    }
    s.lastSeq = a.seq;
    s.expectedAt = a.at + a.durationMs;
    s.queue.push(a);
  }

  /** Takes the round off the air (the agent is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    if (this.session) this.endSession(this.session, 'shutdown');
    await this.ended;
  }

  private tick(): void {
    const s = this.session;
    if (!s || s.ending) return;
    const now = this.o.clock.serverNow();
    const wasOpen = s.sink !== null;
    while (s.queue.length && s.queue[0].at + this.o.jitterMs <= now) {
      const a = s.queue.shift()!;
      if (!s.sink) this.open(s, now);
      s.sink?.write(a.payload);
      s.playedMs += a.durationMs;
      s.lagMs = Math.round(now - a.at);
    }
    // The server learns at once that this station is on air.
    if (!wasOpen && s.sink) this.reportStatus();
    if (s.stopping && s.queue.length === 0) {
      // The last group is still sounding for its own length.
      const endAt = s.expectedAt === null ? now : s.expectedAt + this.o.jitterMs;
      if (now >= endAt) this.endSession(s, 'ended');
    } else if (this.o.clock.localNow() - s.lastAudioAt > this.o.stallMs && s.queue.length === 0) {
      this.o.log.warn(`Không nhận được âm thanh trực tiếp trong ${Math.round(this.o.stallMs / 1000)} giây: trả đầu ra cho lịch phát`);
      this.endSession(s, 'stalled');
    }
  }

  private open(s: Session, now: number): void {
    s.startedAt = now;
    try {
      s.sink = this.o.output.open({ occurrenceId: s.occurrenceId, relayId: s.start.relayId, plannedAt: s.plannedAt, startedAt: now, channels: s.start.channels });
    } catch (e) {
      this.o.log.error(`Không mở được đầu ra cho phát trực tiếp: ${errorText(e)}`);
      s.sink = { write: () => {}, end: () => Promise.resolve(`không mở được đầu ra: ${errorText(e)}`) };
    }
    this.record(s, 'started', {
      kind: 'started',
      startedAt: toInstant(Math.floor(now)),
      startErrorMs: clamp(Math.round(now - s.plannedAt)),
      detail: s.start.kind === 'emergency' ? 'Thông báo khẩn cấp.' : 'Tiếp sóng trực tiếp.',
    });
  }

  private endSession(s: Session, why: 'ended' | 'replaced' | 'stalled' | 'shutdown'): void {
    if (s.ending) return;
    s.ending = true;
    if (this.session === s) this.session = null;
    const endedAt = this.o.clock.serverNow();
    const sink = s.sink;
    const done = (sink ? sink.end() : Promise.resolve(null)).then((error) => {
      if (s.startedAt !== null) {
        const gaps = s.gaps ? ` Gián đoạn ${s.gaps} lần, mất ${(s.gapMs / 1000).toFixed(1)} giây.` : '';
        const base = { startedAt: toInstant(Math.floor(s.startedAt)), endedAt: toInstant(Math.floor(endedAt)), playedMs: Math.round(s.playedMs) };
        let event: Omit<PlaybackEvent, 'id' | 'occurrenceId' | 'slotId' | 'plannedAt'>;
        if (error) event = { kind: 'failed', ...base, reason: 'player_error', detail: error.slice(0, 1000) };
        else if (why === 'replaced') event = { kind: 'failed', ...base, reason: 'preempted', detail: 'Bị thay bằng một buổi phát trực tiếp khác.' };
        else if (why === 'shutdown') event = { kind: 'failed', ...base, reason: 'interrupted', detail: 'Trạm dừng phần mềm khi đang phát trực tiếp.' };
        else if (why === 'stalled') event = { kind: 'failed', ...base, reason: 'interrupted', detail: `Mất âm thanh trực tiếp, không nối lại được.${gaps}` };
        else event = { kind: 'finished', ...base, ...(gaps ? { detail: gaps.trim() } : {}) };
        this.record(s, 'done', event);
        this.o.log.info(`Kết thúc phát trực tiếp "${s.start.title}" sau ${Math.round(s.playedMs / 1000)} giây`);
      }
    });
    this.ended = Promise.all([this.ended, done]).then(() => {});
    // The schedule gets the output back at once; a new round (or a replacement) takes it again itself.
    if (why !== 'replaced' && !this.closed) this.o.runner.release();
    this.reportStatus(s, false);
  }

  private reportStatus(s: Session | null = this.session, playing = true): void {
    if (!s) return;
    const bufferMs = s.queue.reduce((n, a) => n + a.durationMs, 0);
    this.o.send({
      type: 'live.status',
      relayId: s.start.relayId,
      round: s.start.round,
      playing: playing && s.startedAt !== null,
      bufferMs: Math.min(600_000, Math.round(bufferMs)),
      lagMs: Math.max(-600_000, Math.min(600_000, s.lagMs)),
      gapMs: Math.round(s.gapMs),
    });
  }

  /** Play state and event commit together, as for scheduled items: a crash mid-round is reported on restart. */
  private record(s: Session, state: 'started' | 'done', event: Omit<PlaybackEvent, 'id' | 'occurrenceId' | 'slotId' | 'plannedAt'>): void {
    const full = { id: randomUUID(), occurrenceId: s.occurrenceId, slotId: s.start.relayId, plannedAt: s.start.startedAt, ...event } as PlaybackEvent;
    for (const k of Object.keys(full) as (keyof PlaybackEvent)[]) if (full[k] === undefined) delete full[k];
    const refused = this.o.outbox.commit(full, () =>
      this.o.store.setPlayState(
        {
          occurrenceId: s.occurrenceId,
          slotId: s.start.relayId,
          plannedAt: s.start.startedAt,
          state,
          startedAt: full.startedAt ?? null,
          endedAt: full.endedAt ?? null,
        },
        toInstant(this.o.clock.serverNow()),
      ),
    );
    if (refused) this.o.log.error(`${refused}; sự kiện được giữ tạm trong bộ nhớ`);
    this.o.outbox.notify();
  }
}

function clamp(ms: number): number {
  return Math.max(-3_600_000, Math.min(3_600_000, ms));
}
