import { randomUUID, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalAiring, fromInstant, toInstant, type PlaybackEvent } from '@loa/protocol';
import type { AgentItem } from '../schedule-items';
import type { Clock } from '../clock';
import { errorText, type Logger } from '../log';
import type { Outbox } from '../outbox';
import type { Playback } from '../player';
import type { AgentStore } from '../store';
import type { ConsoleOutput } from './ports';

export type AnnouncementState = 'pending' | 'playing' | 'done' | 'cancelled';

export interface Announcement {
  /** `local:<uuid>`: the occurrence and slot id its events carry. */
  id: string;
  local: LocalAiring;
  /** When it is to go on air (UTC instant). */
  at: string;
  state: AnnouncementState;
  startedAt: string | null;
  endedAt: string | null;
  /** How it ended, in the operator's words (done only). */
  outcome: string | null;
}

export class AnnouncementError extends Error {
  constructor(
    readonly code: 'busy' | 'live_on_air' | 'not_found' | 'already_ended' | 'bad_time',
    message: string,
  ) {
    super(message);
  }
}

export const LOCAL_CHUYEN_MUC = 'Thông báo tại trạm';

/** An announcement due more than this long ago when the box comes back was not aired: it is recorded as missed. */
const LATE_LIMIT_MS = 10 * 60_000;

interface Row {
  id: string;
  json: string;
  state: AnnouncementState;
  /** When it is to go on air, epoch milliseconds (server time); read once from the saved row. */
  atMs: number;
  started_at: string | null;
  ended_at: string | null;
}

interface Stored {
  local: LocalAiring;
  file: string;
  outcome?: string;
}

interface OnAir {
  id: string;
  playback: Playback | null;
  stopBy: 'operator' | 'shutdown' | 'preempted' | null;
  detail?: string;
}

export interface AnnouncementsOptions {
  store: AgentStore;
  outbox: Outbox;
  clock: Clock;
  output: ConsoleOutput;
  log: Logger;
  /** Where the announcements' audio is kept (apart from the media cache, which deletes what it does not know). */
  dir: string;
}

/**
 * Announcements made on the box itself ("Phát thông báo ngay"): kept in the agent's database with their
 * audio, aired now or at their time, with or without the server. Each airing's events go through the
 * outbox in the same transaction as its state, so the server writes its logbook line once, whenever the
 * link comes back; a restart in the middle records it as interrupted rather than airing it again.
 */
export class Announcements {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private onAir: OnAir | null = null;
  private ended: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly o: AnnouncementsOptions) {}

  async init(): Promise<void> {
    await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    const now = this.o.clock.serverNow();
    for (const row of this.rows("state IN ('pending', 'playing')")) {
      const stored = JSON.parse(row.json) as Stored;
      if (row.state === 'playing') {
        this.finish(row.id, stored, { kind: 'failed', reason: 'interrupted', startedAt: row.started_at ?? undefined, endedAt: toInstant(now), detail: 'Trạm bị dừng khi đang phát thông báo (mất điện hoặc khởi động lại).' }, 'Bị gián đoạn (trạm khởi động lại)');
        this.o.log.warn(`Thông báo "${stored.local.title}" bị gián đoạn lần chạy trước: đã ghi "interrupted"`);
      } else if (row.atMs + LATE_LIMIT_MS < now) {
        this.finish(row.id, stored, { kind: 'failed', reason: 'missed', endedAt: toInstant(now), detail: 'Trạm không hoạt động lúc đến giờ phát thông báo.' }, 'Không phát (trạm không hoạt động)');
      } else this.arm(row.id, row.atMs);
    }
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Keeps the audio and the announcement, then airs it at `at` (now when null). */
  async create(input: { local: Omit<LocalAiring, 'durationMs'>; audio: (dest: string) => Promise<number>; at: number | null }): Promise<Announcement> {
    const now = this.o.clock.serverNow();
    if (input.at !== null && (input.at < now - 60_000 || input.at > now + 7 * 24 * 3600_000)) {
      throw new AnnouncementError('bad_time', 'Giờ phát phải từ bây giờ đến 7 ngày tới.');
    }
    if (input.at === null) this.checkFree(input.local.priority);
    const id = `local:${randomUUID()}`;
    const file = join(this.o.dir, `${id.slice(6)}.wav`);
    let local: LocalAiring;
    try {
      const durationMs = await input.audio(file);
      local = LocalAiring.parse({ ...input.local, durationMs });
    } catch (e) {
      await rm(file, { force: true });
      throw e;
    }
    const atMs = Math.floor(input.at ?? this.o.clock.serverNow());
    const at = toInstant(atMs);
    const stored: Stored = { local, file };
    this.o.store.db
      .prepare('INSERT INTO local_airing (id, json, state, at, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, JSON.stringify(stored), 'pending', at, new Date(this.o.clock.systemNow()).toISOString());
    this.o.log.info(`Thông báo tại trạm "${local.title}" (${local.kind === 'text' ? 'đọc văn bản' : 'ghi âm'}) sẽ phát lúc ${at}`);
    this.arm(id, atMs);
    this.changed();
    return this.get(id)!;
  }

  /** Announcements planned for or aired since `from`, by time. */
  list(from: number): Announcement[] {
    return this.rows('at >= ? OR state IN (\'pending\', \'playing\')', toInstant(from)).map((r) => this.view(r));
  }

  get(id: string): Announcement | null {
    const row = this.rows('id = ?', id)[0];
    return row ? this.view(row) : null;
  }

  current(): { id: string; title: string; startedAt: number } | null {
    const a = this.onAir;
    const row = a?.playback ? this.get(a.id) : null;
    return a?.playback && row ? { id: a.id, title: row.local.title, startedAt: a.playback.startedAt } : null;
  }

  /** Takes one off the air, or cancels one still waiting (it never aired: no logbook line). */
  stop(id: string): Announcement {
    const found = this.get(id);
    if (!found) throw new AnnouncementError('not_found', 'Không có thông báo này.');
    if (found.state === 'pending' && this.onAir?.id !== id) {
      clearTimeout(this.timers.get(id));
      this.timers.delete(id);
      this.o.store.db.prepare("UPDATE local_airing SET state = 'cancelled', ended_at = ? WHERE id = ? AND state = 'pending'").run(toInstant(this.o.clock.serverNow()), id);
      this.o.log.info(`Đã huỷ thông báo "${found.local.title}" trước giờ phát`);
      this.changed();
    } else if (this.onAir?.id === id) {
      this.onAir.stopBy = 'operator';
      this.onAir.playback?.stop();
    } else throw new AnnouncementError('already_ended', 'Thông báo này đã kết thúc.');
    return this.get(id)!;
  }

  /** The upper level's live relay or emergency takes the output: the announcement on air is cut. */
  preempt(detail: string): void {
    if (!this.onAir || this.onAir.stopBy) return;
    this.onAir.stopBy = 'preempted';
    this.onAir.detail = detail;
    this.onAir.playback?.stop();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.onAir) {
      this.onAir.stopBy = 'shutdown';
      this.onAir.playback?.stop();
    }
    await this.ended;
  }

  // ---- airing ----

  private checkFree(priority: LocalAiring['priority']): void {
    if (this.onAir) throw new AnnouncementError('busy', 'Đang phát một thông báo khác: bấm "Dừng" trước khi phát thông báo mới.');
    const live = this.o.output.liveOnAir();
    if (live && priority !== 'emergency') throw new AnnouncementError('live_on_air', `Đài cấp trên đang phát trực tiếp "${live.title}": chỉ thông báo khẩn cấp được phát chen vào.`);
  }

  private arm(id: string, at: number): void {
    clearTimeout(this.timers.get(id));
    const wait = Math.max(0, at - this.o.clock.serverNow());
    // Long waits are re-armed in steps: a timer cannot wait past ~24 days and the clock may be corrected meanwhile.
    this.timers.set(id, setTimeout(() => (wait > 60_000 ? this.arm(id, at) : this.fire(id)), Math.min(wait, 60_000)));
  }

  private fire(id: string): void {
    this.timers.delete(id);
    if (this.closed) return;
    const row = this.rows("id = ? AND state = 'pending'", id)[0];
    if (!row) return;
    const stored = JSON.parse(row.json) as Stored;
    const now = this.o.clock.serverNow();
    try {
      this.checkFree(stored.local.priority);
    } catch (e) {
      // Busy at its time: it waits for the output, within the late limit.
      if (row.atMs + LATE_LIMIT_MS < now) {
        this.finish(id, stored, { kind: 'failed', reason: 'missed', endedAt: toInstant(now), detail: `Đầu ra bận suốt thời gian chờ: ${errorText(e)}` }, 'Không phát (đầu ra bận)');
      } else this.timers.set(id, setTimeout(() => this.fire(id), 1000));
      return;
    }
    const onAir: OnAir = { id, playback: null, stopBy: null };
    this.onAir = onAir;
    let done: () => void = () => {};
    this.ended = new Promise((r) => (done = r));
    void this.airNow(row, stored, onAir).finally(() => {
      if (this.onAir === onAir) this.onAir = null;
      this.o.output.giveBack(id);
      done();
      this.changed();
    });
  }

  private async airNow(row: Row, stored: Stored, onAir: OnAir): Promise<void> {
    const { local } = stored;
    const clusterIds = local.clusterIds ?? null;
    this.o.output.take({ id: row.id, title: local.title }, clusterIds);
    let playback: Playback;
    try {
      playback = await this.o.output.play(await this.itemOf(row, stored), stored.file, clusterIds);
    } catch (e) {
      this.finish(row.id, stored, { kind: 'failed', reason: 'player_error', endedAt: toInstant(this.o.clock.serverNow()), detail: `Không phát được thông báo: ${errorText(e)}`.slice(0, 1000) }, 'Lỗi đầu ra âm thanh');
      this.o.log.error(`Không phát được thông báo "${local.title}": ${errorText(e)}`);
      return;
    }
    onAir.playback = playback;
    const startedAt = toInstant(Math.floor(playback.startedAt));
    this.commit(
      row.id,
      stored,
      { kind: 'started', startedAt, startErrorMs: clampError(playback.startedAt - row.atMs) },
      () => this.o.store.db.prepare("UPDATE local_airing SET state = 'playing', started_at = ? WHERE id = ?").run(startedAt, row.id),
    );
    this.o.log.info(`Bắt đầu phát thông báo tại trạm "${local.title}"`);
    this.changed();
    if (onAir.stopBy) playback.stop();
    const result = await playback.finished.catch((e: unknown) => ({ endedAt: this.o.clock.serverNow(), playedMs: 0, stopped: false, error: errorText(e) }));
    const base = { startedAt, endedAt: toInstant(Math.floor(result.endedAt)), playedMs: Math.max(0, Math.min(Math.round(result.playedMs), 7 * 24 * 3600_000)) };
    if (result.error && !onAir.stopBy) {
      this.finish(row.id, stored, { kind: 'failed', reason: 'player_error', ...base, detail: result.error.slice(0, 1000) }, 'Lỗi đầu ra âm thanh');
    } else if (onAir.stopBy === 'operator') {
      this.finish(row.id, stored, { kind: 'failed', reason: 'cancelled', ...base, detail: 'Người trực trạm bấm dừng trên bảng điều khiển tại trạm.' }, 'Đã dừng giữa chừng');
      this.o.log.info(`Người trực trạm dừng thông báo "${local.title}" sau ${Math.round(base.playedMs / 1000)} giây`);
    } else if (onAir.stopBy === 'preempted') {
      this.finish(row.id, stored, { kind: 'failed', reason: 'preempted', ...base, detail: onAir.detail }, 'Bị ngắt bởi đài cấp trên');
      this.o.log.warn(`Thông báo "${local.title}" bị ngắt: ${onAir.detail ?? ''}`);
    } else if (onAir.stopBy === 'shutdown') {
      this.finish(row.id, stored, { kind: 'failed', reason: 'interrupted', ...base, detail: 'Trạm dừng phần mềm khi đang phát thông báo.' }, 'Bị gián đoạn (trạm dừng)');
    } else {
      this.finish(row.id, stored, { kind: 'finished', ...base, startErrorMs: clampError(playback.startedAt - row.atMs) }, 'Đã phát xong');
      this.o.log.info(`Kết thúc thông báo tại trạm "${local.title}"`);
    }
  }

  private async itemOf(row: Row, stored: Stored): Promise<AgentItem> {
    const { size } = await stat(stored.file);
    return {
      occurrenceId: row.id,
      slotId: row.id,
      startMs: row.atMs,
      durationMs: stored.local.durationMs,
      priority: stored.local.priority,
      source: stored.local.priority === 'emergency' ? 'emergency' : 'local',
      ...(stored.local.clusterIds ? { clusterIds: stored.local.clusterIds } : {}),
      programme: { id: row.id, title: stored.local.title, chuyenMuc: LOCAL_CHUYEN_MUC },
      media: { sha256: await sha256Of(stored.file), size, durationMs: stored.local.durationMs, url: '/' },
    };
  }

  // ---- recording ----

  private finish(id: string, stored: Stored, event: EventBody, outcome: string): void {
    const endedAt = event.endedAt ?? toInstant(this.o.clock.serverNow());
    this.commit(id, { ...stored, outcome }, event, () =>
      this.o.store.db.prepare("UPDATE local_airing SET state = 'done', ended_at = ?, json = ? WHERE id = ?").run(endedAt, JSON.stringify({ ...stored, outcome }), id),
    );
  }

  /** The row's new state and its event commit together: a crash leaves neither or both. */
  private commit(id: string, stored: Stored, body: EventBody, write: () => void): void {
    const row = this.rows('id = ?', id)[0];
    const event = { id: randomUUID(), occurrenceId: id, slotId: id, plannedAt: toInstant(row?.atMs ?? this.o.clock.serverNow()), local: stored.local, ...body } as PlaybackEvent;
    for (const k of Object.keys(event) as (keyof PlaybackEvent)[]) if (event[k] === undefined) delete event[k];
    const refused = this.o.outbox.commit(event, write);
    if (refused) this.o.log.error(`${refused}; sự kiện được giữ tạm trong bộ nhớ`);
    this.o.outbox.notify();
  }

  private rows(where: string, ...params: string[]): Row[] {
    const saved = this.o.store.db
      .prepare(`SELECT id, json, state, at, started_at, ended_at FROM local_airing WHERE ${where} ORDER BY at, created_at`)
      .all(...params) as (Omit<Row, 'atMs'> & { at: string })[];
    // The saved text is read here, once; inside, the instant is a number.
    return saved.map(({ at, ...r }) => ({ ...r, atMs: fromInstant(at) }));
  }

  private view(r: Row): Announcement {
    const stored = JSON.parse(r.json) as Stored;
    return { id: r.id, local: stored.local, at: toInstant(r.atMs), state: r.state, startedAt: r.started_at, endedAt: r.ended_at, outcome: stored.outcome ?? null };
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

type EventBody = Omit<PlaybackEvent, 'id' | 'occurrenceId' | 'slotId' | 'plannedAt' | 'local'>;

function clampError(ms: number): number {
  return Math.max(-3_600_000, Math.min(3_600_000, Math.round(ms * 1000) / 1000));
}

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
