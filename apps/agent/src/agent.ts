import { join } from 'node:path';
import { ProcessRunner } from '@loa/process';
import { LOA_VERSION, PROTOCOL_VERSION, toInstant, type MediaRef, type ScheduleSnapshot, type ServerToAgent, type StatusFrame } from '@loa/protocol';
import { BadInstantError, receiveSnapshot, type AgentSnapshot } from './schedule-items';
import { MediaCache, type MediaCacheOptions } from './cache';
import { hiResNow, SyncedClock } from './clock';
import { agentWsUrl, type AgentConfig } from './config';
import { Link, type LinkOptions } from './link';
import { Announcements } from './console/announcements';
import { ConsoleServer } from './console/console-server';
import { DeclineError, Declines } from './console/declines';
import { amixerVolume } from './console/mixer';
import { WHOLE_STATION, type ApplyVolume, type ConsoleOutput, type ConsoleSchedule } from './console/ports';
import { collectHealth } from './health';
import { createLiveOutput, type LiveOutput } from './live/live-output';
import { LiveReceiver } from './live/live-receiver';
import { consoleLogger, errorText, type Logger } from './log';
import { isStorageError, Outbox } from './outbox';
import { createPlayer, type Playback, type Player } from './player';
import { CaptureMonitor, parseCaptureSource, SentAudioCheck } from './proof/capture';
import { ClusterRunner, type ClusterOutput, type OnAirControl } from './clusters';
import { Runner } from './runner';
import { StartGuard } from './start-guard';
import { InlineStartLine, schedulerWith, ThreadStartLine, type StartLine } from './start-line';
import { AgentStore } from './store';

/** Reported in every hello; the server marks agents older than its own release as outdated. */
export const AGENT_VERSION = LOA_VERSION;

export interface AgentOptions {
  log?: Logger;
  clock?: SyncedClock;
  /** Replaces the player chosen by `config.player`. */
  player?: Player;
  /** Replaces the live output chosen by `config.player`. */
  liveOutput?: LiveOutput;
  /** Starts every program the agent runs (ffmpeg, aplay, amixer); a real one when absent. */
  processes?: ProcessRunner;
  /** Delay of live audio behind the server's instant (jitter buffer). */
  liveJitterMs?: number;
  prepareLeadMs?: number;
  /** Makes each precise start; threads of their own (ThreadStartLine) when absent. */
  startLine?: StartLine;
  statusIntervalMs?: number;
  /** Where the box's temperature sensors are listed (tests point it at a folder of their own). */
  thermalDir?: string;
  /** How often the output device is opened for a check while idle. */
  outputProbeIntervalMs?: number;
  pingIntervalMs?: number;
  /** Unacknowledged events are sent again after this long on the same connection. */
  resendAfterMs?: number;
  link?: Partial<Pick<LinkOptions, 'backoffBaseMs' | 'backoffMaxMs' | 'stableAfterMs' | 'refusedRetryMs'>>;
  cache?: Partial<Pick<MediaCacheOptions, 'concurrency' | 'retryBaseMs' | 'retryMaxMs' | 'maxAttempts' | 'cooldownMs'>>;
}

export interface AgentHandle {
  readonly config: AgentConfig;
  /** The status the agent reports to the server. */
  status(): StatusFrame;
  /** Stops timers, takes any programme off the air (recorded as interrupted), closes the link and the database. */
  stop(): Promise<void>;
}

const PING_BURST = 5;
const MEDIA_SYNC_MS = 5 * 60_000;
const OUTPUT_PROBE_MS = 5 * 60_000;

class Agent implements AgentHandle {
  private readonly log: Logger;
  private readonly processes: ProcessRunner;
  private readonly store: AgentStore;
  private readonly outbox: Outbox;
  private readonly clock: SyncedClock;
  private readonly cache: MediaCache;
  /** The station's output, or all its clusters' outputs together: probed, reported and closed as one. */
  private readonly player: Pick<Player, 'probe' | 'health' | 'close'>;
  /** Each output the console can aim at: the clusters' players, or the station's one player under WHOLE_STATION. */
  private readonly outputs: ClusterOutput[];
  private readonly runner: OnAirControl;
  /** Holds the agent's own deferrable work (commits, acks, reports) off the loop just before a precise start. */
  private readonly guard: StartGuard;
  private readonly startLine: StartLine;
  /** A status report waiting for a start to pass: sent once, by the latest state, whatever asked for it. */
  private statusQueued: { always: boolean } | null = null;
  private readonly link: Link;
  private readonly live: LiveReceiver;
  private readonly capture: CaptureMonitor | null;
  private readonly announcements: Announcements;
  /** Normal items the commune declined on the box's console: the runner never sees them. */
  private readonly declines: Declines;
  private console: ConsoleServer | null = null;
  private snapshot: AgentSnapshot | null;
  private readonly inflight = new Map<string, number>();
  private readonly pings = new Map<number, number>();
  private pingId = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private lastStatus = '';
  private mediaSync: Promise<void> = Promise.resolve();
  private probing: Promise<void> = Promise.resolve();
  private lastOutputOk: boolean | null = null;
  private stopping: Promise<void> | null = null;
  private readonly startedAt = hiResNow();
  private healthSending: Promise<void> = Promise.resolve();

  constructor(
    readonly config: AgentConfig,
    private readonly options: AgentOptions,
  ) {
    this.log = options.log ?? consoleLogger();
    this.processes = options.processes ?? new ProcessRunner();
    this.store = new AgentStore(join(config.cacheDir, 'agent.db'));
    this.clock = options.clock ?? new SyncedClock();
    this.outbox = new Outbox(this.store, this.clock);
    this.guard = new StartGuard(
      () => this.clock.serverNow(),
      (e) => this.log.error(`Lỗi khi xử lý việc hoãn lại sau giờ phát: ${errorText(e)}`),
    );
    this.snapshot = this.store.loadSnapshot();
    this.cache = new MediaCache({
      dir: join(config.cacheDir, 'media'),
      serverUrl: config.serverUrl,
      // Files come from the instance the link is on: the one known to be alive.
      currentServer: () => config.serverUrls[this.link.serverIndex] ?? config.serverUrl,
      token: config.stationToken,
      log: this.log,
      downloadKbps: config.downloadKbps,
      downloadWindow: config.downloadWindow,
      urgentMs: config.downloadUrgentHours * 3600_000,
      clock: this.clock,
      ...options.cache,
    });
    const clusters: ClusterOutput[] = Object.entries(config.clusters).map(([id, device]) => ({
      id,
      player: createPlayer(config.player, { alsaDevice: device, sinkDir: join(config.sinkDir, id), clock: this.clock, processes: this.processes }),
    }));
    const single = clusters.length === 0 ? (options.player ?? createPlayer(config.player, { alsaDevice: config.alsaDevice, sinkDir: config.sinkDir, clock: this.clock, processes: this.processes })) : null;
    this.outputs = single ? [{ id: WHOLE_STATION.id, player: single }] : clusters;
    const probed = clusters.filter((c) => c.player.probe);
    this.player = single ?? {
      // One device at a time: two clusters may be channels of the same card.
      ...(probed.length
        ? {
            probe: async () => {
              const all = [];
              for (const c of probed) all.push(await c.player.probe!());
              return all.find((h) => !h.ok) ?? ClusterRunner.health(clusters) ?? all[0];
            },
          }
        : {}),
      health: () => ClusterRunner.health(clusters),
      close: async () => {
        await Promise.all(clusters.map((c) => c.player.close()));
      },
    };
    const source = config.capture ? parseCaptureSource(config.capture) : null;
    this.capture = source
      ? new CaptureMonitor({ source, clock: this.clock, log: this.log, deadAirMs: config.deadAirSeconds * 1000, processes: this.processes, onChange: () => this.sendStatus(false) })
      : null;
    this.startLine = options.startLine ?? (config.startThread ? new ThreadStartLine(this.clock, (m) => this.log.warn(m), schedulerWith(this.processes)) : new InlineStartLine(this.clock));
    const runnerOptions = {
      clock: this.clock,
      store: this.store,
      outbox: this.outbox,
      media: this.cache,
      log: this.log,
      lateGraceMs: config.lateGraceMs,
      fadeMs: config.fadeMs,
      guard: this.guard,
      startLine: this.startLine,
      ...(options.prepareLeadMs !== undefined ? { prepareLeadMs: options.prepareLeadMs } : {}),
      proof: this.capture ?? new SentAudioCheck({ log: this.log, deadAirMs: config.deadAirSeconds * 1000, processes: this.processes }),
      onChange: () => {
        this.followOnAir();
        this.sendStatus(false);
      },
    };
    this.runner = single ? new Runner({ ...runnerOptions, player: single }) : new ClusterRunner({ ...runnerOptions, clusters });
    this.link = new Link({
      urls: config.serverUrls.map(agentWsUrl),
      token: config.stationToken,
      log: this.log,
      onOpen: () => this.onOpen(),
      onClose: () => {
        this.inflight.clear();
        this.pings.clear();
      },
      onFrame: (f) => this.onFrame(f),
      onBinary: (data) => this.live.onAudio(data),
      clock: this.clock,
      ...options.link,
    });
    this.live = new LiveReceiver({
      clock: this.clock,
      output: options.liveOutput ?? createLiveOutput(config.player, { alsaDevice: config.alsaDevice, sinkDir: config.sinkDir, processes: this.processes }),
      runner: {
        // The upper level's live relay or emergency also cuts an announcement made at the station.
        hold: (holder) => {
          this.announcements.preempt(`Bị ngắt bởi phát trực tiếp: "${holder.title}".`);
          this.runner.hold(holder);
        },
        release: () => this.runner.release(),
      },
      store: this.store,
      outbox: this.outbox,
      log: this.log,
      send: (frame) => this.link.send(frame),
      ...(options.liveJitterMs !== undefined ? { jitterMs: options.liveJitterMs } : {}),
    });
    this.declines = new Declines({ store: this.store, outbox: this.outbox, clock: this.clock, log: this.log });
    this.announcements = new Announcements({
      store: this.store,
      outbox: this.outbox,
      clock: this.clock,
      output: this.consoleOutput(),
      log: this.log,
      dir: join(config.cacheDir, 'local'),
    });
  }

  // ---- the local console ----

  /** The output as the console drives it; speaker clusters plug in here. */
  private consoleOutput(): ConsoleOutput {
    return {
      clusters: () => (this.outputs.length > 1 || this.outputs[0]?.id !== WHOLE_STATION.id ? this.outputs.map((o) => ({ id: o.id, label: `Cụm ${o.id}` })) : []),
      liveOnAir: () => {
        const live = this.live.current();
        return live ? { title: live.title } : null;
      },
      take: (holder) => this.runner.hold(holder),
      // Only its own hold: a live round that took the output meanwhile keeps it.
      giveBack: (id) => {
        if (this.runner.holder()?.id === id) this.runner.release();
      },
      play: async (item, file, clusterIds) => {
        const chosen = clusterIds && this.outputs.length > 1 ? this.outputs.filter((o) => clusterIds.includes(o.id)) : this.outputs;
        const started: Playback[] = [];
        try {
          for (const output of chosen.length ? chosen : this.outputs) {
            const prepared = await output.player.prepare(item, file);
            try {
              started.push(output.player.start(prepared));
            } catch (e) {
              prepared.release();
              throw e;
            }
          }
        } catch (e) {
          for (const p of started) p.stop();
          throw e;
        }
        return together(started);
      },
    };
  }

  private consoleSchedule(): ConsoleSchedule {
    return {
      items: () => this.snapshot?.items ?? [],
      isCached: (sha) => this.cache.has(sha),
      states: () => new Map([...this.store.playStates()].map(([id, row]) => [id, row.state])),
      nowPlaying: () => {
        const np = this.runner.nowPlaying();
        return np ? { occurrenceId: np.item.occurrenceId, title: np.item.programme.title, startedAt: np.startedAt } : null;
      },
      online: () => this.link.connected,
      pendingEvents: () => this.outbox.count(),
      declined: () => this.declines.list(),
      declinable: (item) => this.declines.refusal(item, this.aired(item.occurrenceId)) === null,
      decline: (occurrenceId, reason) => {
        const item = this.snapshot?.items.find((i) => i.occurrenceId === occurrenceId);
        if (!item) throw new DeclineError('not_found', 'Không có chương trình này trong lịch của trạm.');
        const before = this.declines.filter(this.snapshot);
        this.declines.decline(item, reason, this.aired(occurrenceId));
        // The runner lets go of it (and of anything it prepared for it) as if the server had withdrawn it.
        if (this.snapshot) this.runner.applySnapshot(before, this.declines.filter(this.snapshot));
        this.sendStatus(false);
      },
    };
  }

  /** Whether an occurrence has gone on air on this box (on any of its clusters), or is on air now. */
  private aired(occurrenceId: string): boolean {
    if (this.runner.nowPlaying()?.item.occurrenceId === occurrenceId) return true;
    for (const [key, row] of this.store.playStates()) {
      if ((key === occurrenceId || key.startsWith(`${occurrenceId}@`)) && row.state !== 'skipped') return true;
    }
    return false;
  }

  /** The sound card's mixer for the alsa player; the file and null players keep the level only. */
  private volumeControl(): ApplyVolume {
    if (this.config.player !== 'alsa' || this.options.player) return () => Promise.resolve();
    return amixerVolume(this.processes, this.config.alsaDevice, this.config.mixerControl);
  }

  private async startConsole(): Promise<void> {
    const { consoleListen, consolePinHash } = this.config;
    if (!consoleListen) return;
    if (!consolePinHash) {
      this.log.info('Bảng điều khiển tại trạm chưa bật: đặt mã PIN bằng "loa-agent set-pin" rồi khởi động lại.');
      return;
    }
    const server = new ConsoleServer({
      listen: consoleListen,
      pinHash: consolePinHash,
      announcements: this.announcements,
      schedule: this.consoleSchedule(),
      output: this.consoleOutput(),
      applyVolume: this.volumeControl(),
      store: this.store,
      clock: this.clock,
      log: this.log,
      tmpDir: join(this.config.cacheDir, 'local'),
    });
    try {
      await server.start();
      this.console = server;
    } catch (e) {
      // The station plays on without its console.
      this.log.error(`Không mở được bảng điều khiển tại trạm ở ${consoleListen}: ${errorText(e)}`);
    }
  }

  async start(): Promise<void> {
    // A dead or missing sound card is found now, not at the first air time.
    await this.probeOutput();
    await this.cache.init();
    await this.syncMedia();
    this.capture?.start();
    this.runner.start(this.declines.filter(this.snapshot));
    await this.announcements.init();
    this.announcements.onChange(() => this.sendStatus(false));
    await this.startConsole();
    this.log.info(
      this.snapshot
        ? `Đã nạp lịch phiên bản ${this.snapshot.version} (${this.snapshot.items.length} chương trình); ${this.outbox.count()} sự kiện chờ gửi`
        : 'Chưa có lịch phát: chờ máy chủ gửi lịch',
    );
    this.cache.onChange(() => {
      this.runner.refresh();
      this.sendStatus(false);
    });
    this.outbox.onAppend(() => {
      this.guard.run(() => this.flushEvents());
      this.sendStatus(false);
    });
    // Periodic work reads the database and encodes reports: none of it may hold the loop just before a start.
    const every = (ms: number, fn: () => void) => this.timers.push(setInterval(() => this.guard.run(fn), ms));
    every(this.options.statusIntervalMs ?? 15_000, () => {
      this.followOnAir();
      this.sendStatus(true);
      this.sendHealth();
      this.flushEvents();
    });
    every(this.options.pingIntervalMs ?? 30_000, () => this.ping());
    every(MEDIA_SYNC_MS, () => void this.syncMedia());
    every(this.options.outputProbeIntervalMs ?? OUTPUT_PROBE_MS, () => void this.probeOutput());
    this.link.start();
  }

  status(): StatusFrame {
    const np = this.runner.nowPlaying();
    const live = this.live.current() ?? this.announcements.current();
    const output = this.player.health?.() ?? null;
    const outputError = output && !output.ok ? output.error : null;
    return {
      type: 'status',
      scheduleVersion: this.snapshot?.version ?? null,
      nowPlaying: live
        ? { occurrenceId: 'occurrenceId' in live ? live.occurrenceId : live.id, title: live.title, startedAt: toInstant(Math.floor(live.startedAt)) }
        : np
          ? { occurrenceId: np.item.occurrenceId, title: np.item.programme.title, startedAt: toInstant(Math.floor(np.startedAt)) }
          : null,
      cacheReady: this.cache.missing() === 0,
      cachedFiles: this.cache.cached().length,
      missingFiles: this.cache.missing(),
      pendingEvents: this.outbox.count(),
      lastError: (outputError ?? this.outbox.lastError() ?? this.cache.lastError())?.slice(0, 1000) ?? null,
      // Only with a limit set: a server older than the field refuses a status that carries it.
      ...(this.config.downloadKbps !== null || this.config.downloadWindow !== null ? { download: this.cache.downloadStatus() } : {}),
      ...(output
        ? { output: { device: output.device.slice(0, 200), ok: output.ok, checkedAt: toInstant(output.checkedAt), error: output.error?.slice(0, 1000) ?? null } }
        : {}),
      ...(this.capture ? { capture: this.capture.status() } : {}),
    };
  }

  /** Dead air is watched while a programme or a live round is on air. */
  private followOnAir(): void {
    if (!this.capture) return;
    const held = this.runner.holder();
    const np = this.runner.nowPlaying();
    this.capture.setOnAir(
      held ? { occurrenceId: held.id, live: true } : np ? { occurrenceId: np.item.occurrenceId, live: false, ...(np.item.deadAirMs ? { deadAirMs: np.item.deadAirMs } : {}) } : null,
    );
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.console?.close();
    await this.announcements.close();
    await this.live.close();
    await this.runner.stop();
    await this.capture?.stop();
    // What waited for a start is written before the database closes.
    this.guard.drain();
    this.flushEvents();
    await this.link.stop();
    await this.player.close();
    await this.startLine.close();
    await this.cache.close();
    await this.mediaSync;
    await this.probing;
    await this.healthSending;
    this.store.close();
    this.log.info('Đã dừng.');
  }

  // ---- link ----

  private onOpen(): void {
    this.link.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agentVersion: AGENT_VERSION,
      scheduleVersion: this.snapshot?.version ?? null,
      cached: this.cache.cached(),
    });
    for (let i = 0; i < PING_BURST; i++) {
      const t = setTimeout(() => this.ping(), i * 200);
      this.timers.push(t);
    }
    this.flushEvents();
    this.sendStatus(true);
    this.sendHealth();
  }

  private onFrame(frame: ServerToAgent): void {
    switch (frame.type) {
      case 'welcome':
        if (frame.protocol !== PROTOCOL_VERSION) this.log.warn(`Máy chủ dùng giao thức ${frame.protocol}, trạm dùng ${PROTOCOL_VERSION}`);
        this.log.info(`Máy chủ xác nhận trạm "${frame.stationName}" (${frame.stationId})`);
        return;
      case 'schedule':
        // Its save and re-plan wait for a start just ahead: that start was decided before the stretch.
        this.guard.run(() => this.onSchedule(frame.snapshot));
        return;
      case 'ack':
        // The delete is an fsync: it waits for a start just ahead.
        this.guard.run(() => {
          const n = this.outbox.ack(frame.ids);
          for (const id of frame.ids) this.inflight.delete(id);
          if (n > 0) this.sendStatus(false);
        });
        return;
      case 'clock.pong': {
        const t3 = this.clock.localNow();
        const t0 = this.pings.get(frame.id);
        if (t0 === undefined || t0 !== frame.t0) return;
        this.pings.delete(frame.id);
        const moved = this.clock.addSample({ t0, t1: frame.t1, t2: frame.t2, t3 });
        if (Math.abs(moved) >= 1) this.runner.refresh();
        return;
      }
      case 'live.start':
        this.live.onStart(frame);
        return;
      case 'live.stop':
        this.live.onStop(frame);
        return;
      case 'error':
        this.log.warn(`Máy chủ báo lỗi (${frame.code}): ${frame.message}${frame.issues ? ` — ${frame.issues.join('; ')}` : ''}`);
        return;
    }
  }

  private onSchedule(received: ScheduleSnapshot): void {
    const prev = this.snapshot;
    if (prev && received.version <= prev.version) {
      if (received.version < prev.version) this.log.warn(`Bỏ qua lịch cũ phiên bản ${received.version} (đang giữ ${prev.version})`);
      return;
    }
    // The frame passed the protocol's schema; its instants are read here, once, for everything inside.
    let next: AgentSnapshot;
    try {
      next = receiveSnapshot(received);
    } catch (e) {
      if (!(e instanceof BadInstantError)) throw e;
      this.log.warn(`Bỏ qua lịch phiên bản ${received.version}: ${e.message}`);
      return;
    }
    let stored = true;
    try {
      stored = this.store.saveSnapshot(received, toInstant(this.clock.serverNow()));
    } catch (e) {
      if (!isStorageError(e)) throw e;
      // Followed from memory: a restart before the disk takes writes again falls back to the saved one.
      this.log.error(`Không lưu được lịch vào bộ nhớ của trạm: ${errorText(e)}; vẫn chạy theo lịch mới`);
    }
    if (!stored) return;
    this.snapshot = next;
    this.log.info(`Nhận lịch phiên bản ${next.version}: ${next.items.length} chương trình`);
    this.runner.applySnapshot(this.declines.filter(prev), this.declines.filter(next));
    void this.syncMedia();
    this.sendStatus(false);
  }

  private ping(): void {
    if (!this.link.connected) return;
    const id = this.pingId++;
    const t0 = this.clock.localNow();
    this.pings.set(id, t0);
    // Unanswered pings must not accumulate over a long connection.
    if (this.pings.size > 50) this.pings.delete(this.pings.keys().next().value as number);
    this.link.send({ type: 'clock.ping', id, t0 });
  }

  private flushEvents(): void {
    if (!this.link.connected) return;
    const now = this.clock.localNow();
    const resendAfter = this.options.resendAfterMs ?? 30_000;
    const due = this.outbox
      .pending(5000)
      .map((e) => e.event)
      .filter((e) => {
        const sentAt = this.inflight.get(e.id);
        return sentAt === undefined || now - sentAt >= resendAfter;
      });
    for (let i = 0; i < due.length; i += 500) {
      const chunk = due.slice(i, i + 500);
      if (!this.link.send({ type: 'events', events: chunk })) return;
      for (const e of chunk) this.inflight.set(e.id, now);
    }
  }

  private sendStatus(always: boolean): void {
    if (!this.link.connected) return;
    if (this.statusQueued) {
      this.statusQueued.always ||= always;
      return;
    }
    const queued = (this.statusQueued = { always });
    this.guard.run(() => {
      this.statusQueued = null;
      this.sendStatusNow(queued.always);
    });
  }

  private sendStatusNow(always: boolean): void {
    if (!this.link.connected) return;
    const status = this.status();
    const text = JSON.stringify(status);
    if (!always && text === this.lastStatus) return;
    this.lastStatus = text;
    this.link.send(status);
  }

  /** Measures the box (disk, temperature, clock, what the cache lacks) and reports it; one measurement at a time. */
  private sendHealth(): void {
    this.healthSending = this.healthSending.then(async () => {
      if (!this.link.connected || this.stopping) return;
      const states = this.store.playStates();
      const health = await collectHealth({
        cacheDir: this.config.cacheDir,
        // The player follows server time, but logs, files and anything else on the box follow the system clock.
        clock: this.clock.hasSamples() ? { offsetMs: this.clock.serverNow() - this.clock.systemNow(), roundTripMs: this.clock.roundTripMs() ?? 0 } : null,
        items: this.snapshot?.items ?? [],
        has: (sha) => this.cache.has(sha),
        done: (id) => {
          const state = states.get(id)?.state;
          return state === 'done' || state === 'skipped';
        },
        now: this.clock.serverNow(),
        lookaheadHours: this.config.lookaheadHours,
        agentUptimeS: (hiResNow() - this.startedAt) / 1000,
        ...(this.options.thermalDir ? { thermalDir: this.options.thermalDir } : {}),
      }).catch((e: unknown) => {
        this.log.warn(`Không đo được tình trạng máy trạm: ${errorText(e)}`);
        return null;
      });
      if (health) this.link.send({ type: 'health', health });
    });
  }

  // ---- output ----

  /** Opens the output for a moment when nothing uses it; reports a change at once and logs it. */
  private probeOutput(): Promise<void> {
    this.probing = this.probing.then(async () => {
      const probe = this.player.probe?.bind(this.player);
      if (!probe || this.stopping || !this.runner.outputIdle() || this.live.current()) return;
      const health = await probe().catch((e: unknown) => ({ ok: false, error: errorText(e), device: '' }));
      if (health.ok !== this.lastOutputOk) {
        if (health.ok) this.log.info(`Thiết bị âm thanh "${health.device}" hoạt động`);
        else this.log.error(health.error ?? 'Thiết bị âm thanh không dùng được');
      }
      this.lastOutputOk = health.ok;
      this.sendStatus(false);
    });
    return this.probing;
  }

  // ---- media ----

  /** Downloads what the look-ahead window needs; deletes what no item of the schedule references. */
  private syncMedia(): Promise<void> {
    this.mediaSync = this.mediaSync
      .then(async () => {
        if (this.stopping) return;
        const items = this.snapshot?.items ?? [];
        const states = this.store.playStates();
        const now = this.clock.serverNow();
        const horizon = now + this.config.lookaheadHours * 3600_000;
        const needed = new Map<string, MediaRef>();
        const neededAt = new Map<string, number>();
        for (const item of [...items].sort((a, b) => a.startMs - b.startMs)) {
          const start = item.startMs;
          const state = states.get(item.occurrenceId)?.state;
          if (state === 'done' || state === 'skipped') continue;
          if (start + item.durationMs > now && start < horizon && !needed.has(item.media.sha256)) {
            needed.set(item.media.sha256, item.media);
            neededAt.set(item.media.sha256, start);
          }
        }
        const keep = new Set(items.map((i) => i.media.sha256));
        const playing = this.runner.nowPlaying();
        if (playing) keep.add(playing.item.media.sha256);
        await this.cache.reconcile([...needed.values()], keep, neededAt);
        this.sendStatus(false);
      })
      .catch((e: unknown) => this.log.error(`Lỗi đồng bộ bộ nhớ đệm: ${errorText(e)}`));
    return this.mediaSync;
  }
}

/** Starts a station agent; resolves once its database and cache are open and the link is connecting. */
export async function startAgent(config: AgentConfig, options: AgentOptions = {}): Promise<AgentHandle> {
  const agent = new Agent(config, options);
  try {
    await agent.start();
  } catch (e) {
    await agent.stop().catch(() => {});
    throw e;
  }
  return agent;
}

/** Several clusters playing one announcement, seen by the console as one playback. */
function together(list: Playback[]): Playback {
  if (list.length === 1) return list[0];
  return {
    startedAt: Math.min(...list.map((p) => p.startedAt)),
    leadMs: Math.max(0, ...list.map((p) => p.leadMs ?? 0)),
    finished: Promise.all(list.map((p) => p.finished)).then((results) => ({
      endedAt: Math.max(...results.map((r) => r.endedAt)),
      playedMs: Math.min(...results.map((r) => r.playedMs)),
      stopped: results.some((r) => r.stopped),
      ...(results.find((r) => r.error) ? { error: results.find((r) => r.error)!.error } : {}),
    })),
    stop: () => list.forEach((p) => p.stop()),
    fadeOut: (ms) => list.forEach((p) => p.fadeOut(ms)),
  };
}
