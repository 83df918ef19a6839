import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { RelayCarriage } from '../alerts/alert-rules';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { LiveStatusView } from '@loa/api-types';
import { encodeLiveAudio, toInstant, type LiveKind, type LiveStartFrame, type LiveStatusFrame, type LiveStopFrame, type Priority } from '@loa/protocol';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { MediaStorage } from '../media/media-store';
import { isReady, MediaService, type ReadyMediaAsset } from '../media/media.service';
import { TtsService } from '../media/tts/tts.service';
import { Programme } from '../programmes/programme.entity';
import { Station } from '../stations/station.entity';
import { resolveTargets } from '../schedule/targets';
import { Unit } from '../units/unit.entity';
import { LIVE_CHANNELS, LIVE_SAMPLE_RATE, LiveEncoder, type EncodedGroup, type EncoderInput } from './live-encoder';
import { StationPresence } from '../cluster/station-presence';
import { LiveCluster, type RelayOrigin } from './live-cluster';
import { LiveRelayLeaseRepository, type RelayProgress } from './live-relay-lease.repository';
import { LiveHub, type HubListener } from './live-hub';
import { LiveSourceFetcher } from './live-source';
import { LiveRelay, LiveRelayTarget, type LiveRelayLease, type LiveRelayStatus, type LiveSourceKind } from './live-relay.entity';
import { parseStreamUrl, withoutCredentials, type StreamUrl } from './stream-address';

export interface StartLive {
  kind: LiveKind;
  title: string;
  sourceKind: LiveSourceKind;
  programmeId?: string;
  url?: string;
  /** For a `text` source: what the speech engine reads out. */
  text?: string;
  stationIds?: string[];
  unitIds?: string[];
  /** Emergencies: extra airings after the first, the pause between them, and when it stops for good. */
  repeats?: number;
  intervalSeconds?: number;
  expiresAt?: string;
  /** Emergencies: aired again every so many hours until stopped or expired (a week at most), instead of `repeats`. */
  repeatEveryHours?: number;
}

/** A listener of the HTTP stream further behind than this is dropped rather than buffered without end. */
const MAX_LISTENER_BUFFER = 256 * 1024;
/** Target rows per INSERT when a relay starts. */
const TARGET_INSERT_CHUNK = 500;
/** Groups of audio held before the recording is written out: about two seconds, one write instead of twenty. */
const RECORDING_BATCH = 20;
/** A station's live.status older than this no longer says it carries the relay. */
const STATUS_FRESH_MS = 4000;
/** How long a spoken text may take to be synthesised and normalised before the start is refused. */
const SPEECH_READY_MS = 60_000;

/** An emergency lasts at most a week (and a timer cannot wait much longer than three weeks). */
const MAX_EXPIRY_MS = 7 * 24 * 3600_000;
/** Raw 16-bit PCM, mono, 48 kHz: what a browser's AudioWorklet gives with no codec in the page. */
const MIC_INPUT: EncoderInput = { kind: 'pipe', format: ['-f', 's16le', '-ar', '48000', '-ac', '1'] };
/** A microphone relay nobody feeds ends after this long. */
const MIC_IDLE_MS = 30_000;
/** How long a stop asked of another instance may take before the caller is told to try again. */
const STOP_ELSEWHERE_MS = 10_000;
/**
 * A relay taken over numbers its groups on from its last written sequence plus this, so each agent sees
 * one jump (one gap, logged once) and never mistakes the new groups for the ones it already played.
 */
const TAKEOVER_SEQ_JUMP = 1000;

type StopCause = 'stopped' | 'expired';

interface ActiveRelay {
  row: LiveRelay;
  /**
   * A round that ended here while this instance's lease had run out (its source finished while the
   * instance was too slow to renew): its end waits, since another instance may have taken the relay over
   * and be airing it still. `undefined` when none waits; the round's error otherwise.
   */
  endWithoutLease?: string | null;
  targets: string[];
  /** The same, for the membership checks of every agent's status report. */
  targetSet: ReadonlySet<string>;
  /** Who the round on air is for: every target, or one station catching up on an emergency. */
  roundTargets: string[];
  /** Stations that reported playing a round. */
  carried: Set<string>;
  /** The last round each station reported playing. */
  carriedRound: Map<string, number>;
  input: EncoderInput;
  /**
   * For a stream URL: opens it again (checked again) for a later round; the first round uses the stream
   * opened when the relay was started. The URL's password lives only here, never in the database.
   */
  reopen: (() => Promise<EncoderInput>) | null;
  inputUsed: boolean;
  round: number;
  onAir: boolean;
  roundStartedAt: string;
  encoder: LiveEncoder | null;
  seq: number;
  firstOfRound: boolean;
  /** Source audio of the round on air sent so far (from where it resumed, when taken over), ms. */
  offsetMs: number;
  roundEndedAt: string | null;
  listeners: Set<ServerResponse>;
  /** Written in batches: the stream stays corked, and is let go every RECORDING_BATCH groups. */
  recording: { path: string; stream: WriteStream; bytes: number; held: number };
  statuses: Map<string, { status: LiveStatusFrame; at: number }>;
  timers: NodeJS.Timeout[];
  stopCause: StopCause | null;
  micAttached: boolean;
  finished: Promise<void> | null;
}

export function hashStreamToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The relay as the API shows it: no token hash, and a stream URL without any password (rows from before kept one). */
export function publicRelay(r: LiveRelay) {
  const { streamTokenHash: _hidden, ...rest } = r;
  return { ...rest, sourceUrl: withoutCredentials(rest.sourceUrl) };
}

/**
 * Live relays and emergency announcements: resolves the stations, checks the source, encodes it once and
 * fans the frames out (agents through the hub, third-party receivers over HTTP, and a recording into the
 * media store). Emergencies repeat and expire as asked.
 */
@Injectable()
export class LiveService implements HubListener, RelayOrigin, OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('Live');
  private readonly active = new Map<string, ActiveRelay>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly hub: LiveHub,
    private readonly clock: Clock,
    private readonly media: MediaService,
    private readonly access: AccessPolicy,
    private readonly sources: LiveSourceFetcher,
    private readonly tts: TtsService,
    private readonly cluster: LiveCluster,
    private readonly presence: StationPresence,
    private readonly leases: LiveRelayLeaseRepository,
    private readonly store: MediaStorage,
  ) {}

  async onModuleInit(): Promise<void> {
    this.hub.setListener(this);
    this.cluster.setOrigin(this);
    await this.store.init();
    // A relay "live" in the database with no encoder is one the previous run left behind; with several
    // instances, only one without a lease (the others' relays go on, or are taken over when their lease runs out).
    const left = await this.cluster.unclaimed(await this.db.getRepository(LiveRelay).find({ select: { id: true, startedAt: true }, where: { status: 'live' } }));
    if (left.length) {
      await this.db.getRepository(LiveRelay).update(
        { id: In(left), status: 'live' },
        { status: 'failed', endedAt: this.clock.nowInstant(), endReason: 'Máy chủ khởi động lại khi đang phát trực tiếp.' },
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.active.values()].map((a) => this.stopActive(a, 'stopped')));
  }

  // ---- starting and stopping ----

  async start(input: StartLive, who: Principal): Promise<{ relay: ReturnType<typeof publicRelay>; streamUrl: string; streamToken: string }> {
    const targets = await this.resolveTargets(input, who);
    const now = this.clock.nowInstant();
    const everyMs = input.kind === 'emergency' && input.sourceKind !== 'mic' && input.repeatEveryHours ? input.repeatEveryHours * 3600_000 : null;
    if (everyMs && (input.repeats || input.intervalSeconds)) {
      throw new LoaError('validation_failed', 'Chọn hoặc phát lại theo chu kỳ giờ, hoặc số lần phát lại, không cả hai.', { fields: [{ field: 'repeatEveryHours', problems: ['with repeats or intervalSeconds'] }] });
    }
    // Repeating by the hour with no end given stops after a week, like the longest expiry.
    if (everyMs && !input.expiresAt) input = { ...input, expiresAt: toInstant(this.clock.now() + MAX_EXPIRY_MS - 60_000) };
    const rounds = everyMs
      ? 1 + Math.floor((Date.parse(input.expiresAt!) - this.clock.now()) / everyMs)
      : input.kind === 'emergency' && input.sourceKind !== 'mic'
        ? 1 + (input.repeats ?? 0)
        : 1;
    const intervalMs = everyMs ?? (input.intervalSeconds ?? 0) * 1000;
    if (input.expiresAt && Date.parse(input.expiresAt) <= this.clock.now()) {
      throw new LoaError('validation_failed', 'Thời điểm hết hạn phải ở tương lai.', { fields: [{ field: 'expiresAt', problems: ['in the past'] }] });
    }
    if (input.expiresAt && Date.parse(input.expiresAt) > this.clock.now() + MAX_EXPIRY_MS) {
      throw new LoaError('validation_failed', 'Thời điểm hết hạn không được quá 7 ngày kể từ bây giờ.', { fields: [{ field: 'expiresAt', problems: ['more than 7 days ahead'] }] });
    }
    const { source, programmeId, url, reopen, credentials } = await this.resolveSource(input, who);

    const token = randomBytes(24).toString('base64url');
    const row = await this.db.transaction(async (m) => {
      const saved = await m.save(
        m.create(LiveRelay, {
          kind: input.kind,
          priority: (input.kind === 'emergency' ? 'emergency' : 'priority') satisfies Priority,
          title: input.title,
          sourceKind: input.sourceKind,
          programmeId,
          sourceUrl: url,
          sourceText: input.sourceKind === 'text' ? (input.text?.trim() ?? null) : null,
          rounds,
          intervalMs,
          roundsAired: 0,
          expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
          status: 'live',
          endReason: null,
          streamTokenHash: hashStreamToken(token),
          recordingSha256: null,
          recordingBytes: null,
          startedBy: who.kind === 'user' ? who.userId : null,
          startedAt: now,
          endedAt: null,
        }),
      );
      // Plain inserts in chunks: nothing to read back into entities, and thousands of stations stay within
      // SQLite's limit on bound parameters. The relay goes on air only after this, so it must be quick.
      for (let i = 0; i < targets.length; i += TARGET_INSERT_CHUNK) {
        await m
          .createQueryBuilder()
          .insert()
          .into(LiveRelayTarget)
          .values(targets.slice(i, i + TARGET_INSERT_CHUNK).map((stationId) => ({ relayId: saved.id, stationId })))
          .updateEntity(false)
          .execute();
      }
      return saved;
    }).catch((err: unknown) => {
      if (source.kind === 'stream') source.body.destroy();
      throw err;
    });

    const a = this.activate(row, targets, source, reopen);
    try {
      await this.cluster.claim(row.id, this.progressOf(a), credentials);
    } catch (err) {
      this.log.error(`relay ${row.id}: lease not written (${(err as Error).message}); no other instance can take it over`);
    }
    this.log.log(`${row.kind} "${row.title}" (${row.id}) on ${targets.length} stations from ${row.sourceKind}`);
    await this.startRound(a, 1);
    return { relay: publicRelay(a.row), streamUrl: `/api/live/relays/${row.id}/stream.mp3?token=${token}`, streamToken: token };
  }

  /** The relay's in-memory state, registered as encoded here, with its expiry and microphone timers. */
  private activate(row: LiveRelay, targets: string[], source: EncoderInput, reopen: (() => Promise<EncoderInput>) | null, recordedBytes = 0): ActiveRelay {
    const recordingPath = this.recordingWorkFile(row.id);
    const a: ActiveRelay = {
      row,
      targets,
      targetSet: new Set(targets),
      roundTargets: targets,
      carried: new Set(),
      carriedRound: new Map(),
      input: source,
      reopen,
      inputUsed: false,
      round: 0,
      onAir: false,
      roundStartedAt: row.startedAt,
      encoder: null,
      seq: 0,
      firstOfRound: true,
      offsetMs: 0,
      roundEndedAt: null,
      listeners: new Set(),
      // A relay taken over appends to what its previous instance recorded, so the stored recording holds it all.
      recording: { path: recordingPath, stream: createWriteStream(recordingPath, { flags: recordedBytes ? 'a' : 'w' }), bytes: recordedBytes, held: 0 },
      statuses: new Map(),
      timers: [],
      stopCause: null,
      micAttached: false,
      finished: null,
    };
    a.recording.stream.on('error', (e) => this.log.error(`recording of relay ${row.id} failed: ${e.message}`));
    a.recording.stream.cork();
    this.active.set(row.id, a);
    if (row.expiresAt) a.timers.push(setTimeout(() => void this.stopActive(a, 'expired'), Math.max(0, Date.parse(row.expiresAt) - this.clock.now())));
    if (source.kind === 'pipe') a.timers.push(setTimeout(() => !a.micAttached && void this.stopActive(a, 'stopped'), MIC_IDLE_MS));
    return a;
  }

  /**
   * The relay's recording while it is live: named by the relay in the store's work folder, which the
   * instances share with the store, so the one that takes a relay over finds it and carries it on.
   */
  private recordingWorkFile(relayId: string): string {
    return join(this.store.tmpDir, `live-${relayId}.mp3`);
  }

  /** How much a dead instance recorded of a relay, 0 when nothing is there. */
  private async recordedSoFar(relayId: string): Promise<number> {
    try {
      return (await stat(this.recordingWorkFile(relayId))).size;
    } catch {
      return 0;
    }
  }

  /** Ends a relay; only someone whose unit reaches every station it airs on may (a province-wide relay is not a commune's to end). */
  async stop(id: string, who: Principal): Promise<ReturnType<typeof publicRelay>> {
    const targets = await this.targetsOf(id);
    await this.access.requireTargets(who, 'read', targets);
    await this.access.requireTargets(who, 'write', targets, 'Buổi phát này có cả các trạm ngoài đơn vị của bạn, nên chỉ cấp trên mới dừng được.');
    const a = this.active.get(id);
    if (!a) {
      const row = await this.get(id);
      if (row.status === 'live' && this.cluster.clustered) return publicRelay(await this.stopElsewhere(row));
      throw new LoaError('conflict', 'Buổi phát trực tiếp này đã kết thúc.', { status: row.status });
    }
    await this.stopActive(a, 'stopped');
    return publicRelay(a.row);
  }

  /**
   * A relay encoded on another instance: that instance is asked to stop it, and its end awaited. Asked
   * again every second, since the relay may change hands meanwhile (its instance died and another took it
   * over); one that nobody holds any more is ended here.
   */
  private async stopElsewhere(row: LiveRelay): Promise<LiveRelay> {
    const until = this.clock.now() + STOP_ELSEWHERE_MS;
    for (let i = 0; ; i++) {
      if (i % 10 === 0) this.cluster.requestStop(row.id);
      await new Promise((r) => setTimeout(r, 100));
      const local = this.active.get(row.id);
      if (local) {
        await this.stopActive(local, 'stopped');
        return local.row;
      }
      const now = await this.get(row.id);
      if (now.status !== 'live') return now;
      if (i % 10 === 5) {
        const ended = await this.leases.endOrphan(row.id, this.clock.nowInstant(), { status: 'stopped', endedAt: this.clock.nowInstant(), endReason: 'Dừng theo yêu cầu.' });
        if (ended) {
          await this.cluster.release(row.id);
          return this.get(row.id);
        }
      }
      if (this.clock.now() > until) throw new LoaError('conflict', 'Máy chủ đang phát buổi này chưa trả lời yêu cầu dừng; hãy thử lại sau ít giây.', { id: row.id });
    }
  }

  async stopRequested(relayId: string): Promise<boolean> {
    const a = this.active.get(relayId);
    if (!a) return false;
    await this.stopActive(a, 'stopped');
    return true;
  }

  encodes(relayId: string): boolean {
    return this.active.has(relayId);
  }

  // ---- leases: carrying a relay on when its instance dies ----

  progress(relayId: string): RelayProgress | null {
    const a = this.active.get(relayId);
    return a ? this.progressOf(a) : null;
  }

  private progressOf(a: ActiveRelay): RelayProgress {
    return { round: a.round, onAir: a.onAir, roundStartedAt: a.roundStartedAt, offsetMs: Math.round(a.offsetMs), seq: a.seq, roundEndedAt: a.roundEndedAt };
  }

  /** Another instance took this relay over: stop encoding it without a live.stop (the agents go on with the new owner) and without ending it. */
  leaseLost(relayId: string): void {
    const a = this.active.get(relayId);
    if (!a) return;
    this.active.delete(relayId);
    for (const t of a.timers) clearTimeout(t);
    const encoder = a.encoder;
    a.encoder = null;
    a.onAir = false;
    a.finished = Promise.resolve();
    encoder?.stop();
    if (a.input.kind === 'stream') a.input.body.destroy();
    for (const res of a.listeners) res.end();
    a.listeners.clear();
    // The recording is the new owner's now, which appends to it: this instance's handle is closed, and what
    // it still held unwritten is dropped rather than written after the new owner's audio.
    a.recording.stream.destroy();
  }

  /**
   * Carries on a relay whose instance died: the same round (so each agent keeps its round, logs the gap
   * once and writes one logbook line), a stored programme from where it got to, a stream URL opened again,
   * a microphone waiting for the browser to connect again; between an emergency's rounds, the next round
   * when it is due.
   */
  async takeOver(lease: LiveRelayLease, credentials: string | null): Promise<void> {
    const row = await this.db.getRepository(LiveRelay).findOneBy({ id: lease.relayId });
    if (!row || row.status !== 'live') {
      await this.cluster.release(lease.relayId);
      return;
    }
    const targets = (await this.db.getRepository(LiveRelayTarget).findBy({ relayId: row.id })).map((t) => t.stationId);
    // A catch-up round for latecomers is not resumed: the next latecomer starts its own.
    const resumeRound = lease.onAir && lease.round >= 1 && lease.round <= row.rounds;
    let source: EncoderInput;
    let reopen: (() => Promise<EncoderInput>) | null = null;
    try {
      if (row.sourceKind === 'url') {
        if (!row.sourceUrl) throw new Error('relay has no stream address');
        reopen = this.streamOpener({ shown: row.sourceUrl, credentials });
        source = await reopen();
      } else if (row.sourceKind === 'mic') source = MIC_INPUT;
      else {
        const programme = row.programmeId ? await this.db.getRepository(Programme).findOneBy({ id: row.programmeId }) : null;
        if (!programme) throw new Error('its programme no longer exists');
        source = await this.programmeInput(programme, resumeRound ? lease.offsetMs : 0);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`relay ${row.id} not taken over: ${message}`);
      await this.db.getRepository(LiveRelay).update({ id: row.id, status: 'live' }, { status: 'failed', endedAt: this.clock.nowInstant(), endReason: `Máy chủ đang phát bị dừng và không mở lại được nguồn phát: ${message}` });
      await this.cluster.release(row.id);
      return;
    }
    const a = this.activate(row, targets, source, reopen, await this.recordedSoFar(row.id));
    a.round = lease.round;
    a.seq = (lease.seq + TAKEOVER_SEQ_JUMP) >>> 0;
    a.roundEndedAt = lease.roundEndedAt;
    a.roundStartedAt = lease.roundStartedAt ?? row.startedAt;
    this.log.log(`relay ${row.id} taken over at round ${lease.round}${resumeRound ? `, ${Math.round(lease.offsetMs)} ms in` : ''}`);
    if (resumeRound) {
      await this.startRound(a, lease.round, targets, { startedAt: a.roundStartedAt, offsetMs: lease.offsetMs });
      return;
    }
    a.inputUsed = false;
    if (a.round >= 1 && a.round < row.rounds) {
      const due = (lease.roundEndedAt ? Date.parse(lease.roundEndedAt) : this.clock.now()) + row.intervalMs;
      a.timers.push(setTimeout(() => void this.startRound(a, a.round + 1).catch((e: Error) => this.log.error(`relay ${row.id}: ${e.message}`)), Math.max(0, due - this.clock.now())));
    } else if (a.round === 0) await this.startRound(a, 1);
    else if (!this.awaitsCatchUp(a)) await this.finish(a, 'ended', null);
  }

  /** A relay whose lease ran out long ago (the whole deployment was down): ended as failed, not resumed. */
  async abandon(relayId: string): Promise<void> {
    const ended = await this.leases.endOrphan(relayId, toInstant(this.clock.now() - 1), {
      status: 'failed',
      endedAt: this.clock.nowInstant(),
      endReason: 'Máy chủ khởi động lại khi đang phát trực tiếp.',
    });
    if (ended) this.log.warn(`relay ${relayId}: no instance renewed its lease for too long; ended as failed`);
  }

  async get(id: string): Promise<LiveRelay> {
    const row = await this.db.getRepository(LiveRelay).findOneBy({ id });
    if (!row) throw new LoaError('not_found', 'Không tìm thấy buổi phát trực tiếp này.', { id });
    return row;
  }

  /** The newest relays that reach at least one station `who` may see. */
  async list(who: Principal, limit = 50) {
    const stations = await this.access.visibleStations(who);
    const q = this.db.getRepository(LiveRelay).createQueryBuilder('r').orderBy('r.startedAt', 'DESC').take(limit);
    if (stations) {
      if (!stations.size) return [];
      q.where((sub) => {
        const reach = sub.subQuery().select('t.relayId').from(LiveRelayTarget, 't').where('t.stationId IN (:...stations)').getQuery();
        return `r.id IN ${reach}`;
      }).setParameter('stations', [...stations]);
    }
    return (await q.getMany()).map(publicRelay);
  }

  /** Whether `who`'s unit reaches every station of the relay (so it may speak on it or stop it). */
  async mayChange(id: string, who: Principal): Promise<boolean> {
    return this.access.may(who, 'write', { kind: 'targets', unitIds: await this.access.unitsOfStations(await this.targetsOf(id)) });
  }

  /** The stations a relay was sent to. */
  async targetsOf(id: string): Promise<string[]> {
    const a = this.active.get(id);
    if (a) return a.targets;
    await this.get(id);
    return (await this.db.getRepository(LiveRelayTarget).findBy({ relayId: id })).map((t) => t.stationId);
  }

  /** Which stations carry the relay now, with their buffer, lag and gaps as they last reported. */
  async status(id: string, who: Principal): Promise<LiveStatusView> {
    await this.access.requireTargets(who, 'read', await this.targetsOf(id));
    const row = await this.get(id);
    const a = this.active.get(id);
    const targetIds = a?.targets ?? (await this.db.getRepository(LiveRelayTarget).findBy({ relayId: id })).map((t) => t.stationId);
    const stations = await this.db.getRepository(Station).findBy({ id: In(targetIds) });
    const now = this.clock.now();
    return {
      relay: publicRelay(a?.row ?? row),
      round: a?.round ?? row.roundsAired,
      onAir: a?.onAir ?? false,
      listeners: a?.listeners.size ?? 0,
      stations: stations.map((s) => {
        const reported = a?.statuses.get(s.id);
        const fresh = reported && now - reported.at <= STATUS_FRESH_MS && reported.status.round === a?.round ? reported.status : null;
        const connected = this.hub.connected(s.id) || this.presence.heldElsewhere(s.id);
        return {
          stationId: s.id,
          stationName: s.name,
          connected,
          carrying: Boolean(a?.onAir && connected && fresh?.playing),
          bufferMs: fresh?.bufferMs ?? null,
          lagMs: fresh?.lagMs ?? null,
          gapMs: reported?.status.gapMs ?? null,
          droppedFrames: this.hub.dropped(s.id),
          reportedAt: reported ? toInstant(reported.at) : null,
        };
      }),
    };
  }

  // ---- HTTP stream and microphone ----

  /** Checks the stream token of a relay on air; the caller then streams with `listen`. */
  authorizeStream(id: string, token: string | undefined): { title: string } {
    const a = this.active.get(id);
    if (!a) throw new LoaError('not_found', 'Buổi phát trực tiếp này không tồn tại hoặc đã kết thúc.', { id });
    const given = Buffer.from(hashStreamToken(token ?? ''), 'hex');
    const expected = Buffer.from(a.row.streamTokenHash, 'hex');
    if (!token || !timingSafeEqual(given, expected)) throw new LoaError('unauthorized', 'Mã nghe luồng phát không đúng.');
    return { title: a.row.title };
  }

  listen(id: string, res: ServerResponse): void {
    const a = this.active.get(id);
    if (!a) {
      res.end();
      return;
    }
    a.listeners.add(res);
    res.on('close', () => a.listeners.delete(res));
  }

  /**
   * A microphone connected to a relay whose source is `mic`: returns where its audio goes, or null. A relay
   * encoded on another instance (one that took it over) gets the audio through the cluster bus.
   */
  attachMic(id: string): { write(chunk: Buffer): boolean; end(): void } | null {
    const a = this.active.get(id);
    if (!a) {
      const elsewhere = this.cluster.micElsewhere(id);
      if (!elsewhere) return null;
      // This instance may itself take the relay over while the microphone is connected to it.
      return {
        write: (chunk) => (this.active.has(id) ? (this.remoteMic(id, chunk), true) : elsewhere.write(chunk)),
        end: () => (this.active.has(id) ? this.remoteMic(id, null) : elsewhere.end()),
      };
    }
    if (a.input.kind !== 'pipe' || a.micAttached || !a.encoder) return null;
    a.micAttached = true;
    const encoder = a.encoder;
    return { write: (chunk) => encoder.write(chunk), end: () => encoder.endInput() };
  }

  remoteMic(relayId: string, chunk: Buffer | null): void {
    const a = this.active.get(relayId);
    if (!a || a.input.kind !== 'pipe' || !a.encoder) return;
    if (chunk === null) {
      a.encoder.endInput();
      return;
    }
    a.micAttached = true;
    // Whole samples only, as from a browser connected here.
    if (chunk.length % 2 === 0) a.encoder.write(chunk);
  }

  // ---- hub events ----

  onAgentConnected(stationId: string): void {
    this.remoteAgentConnected(stationId);
    this.cluster.agentConnected(stationId);
  }

  /** An agent connected, here or on another instance: it may need to join a relay encoded here. */
  remoteAgentConnected(stationId: string): void {
    for (const a of this.active.values()) {
      if (!a.targetSet.has(stationId)) continue;
      if (a.onAir) {
        if (!a.roundTargets.includes(stationId)) {
          if (a.carried.has(stationId)) continue; // another station's catch-up: this one aired it already
          a.roundTargets = [...a.roundTargets, stationId];
        }
        this.cluster.sendControl(a.row.id, [stationId], a.targets, this.startFrame(a));
      } else if (this.awaitsCatchUp(a) && !a.carried.has(stationId)) {
        // An emergency still in force that this station has not aired: it plays it now, on its own.
        this.log.log(`station ${stationId} connected during emergency ${a.row.id}: plays it now`);
        void this.startRound(a, a.round + 1, [stationId]).catch((e: Error) => this.log.error(`relay ${a.row.id}: ${e.message}`));
      }
    }
  }

  /** After its rounds, an emergency from a stored programme stays in force until it expires, for latecomers. */
  private awaitsCatchUp(a: ActiveRelay): boolean {
    return (
      a.row.kind === 'emergency' &&
      a.input.kind === 'file' &&
      a.row.expiresAt !== null &&
      Date.parse(a.row.expiresAt) > this.clock.now() &&
      a.round >= a.row.rounds &&
      !a.stopCause &&
      !a.finished &&
      a.round < 1000
    );
  }

  onAgentStatus(stationId: string, status: LiveStatusFrame): void {
    if (!this.active.has(status.relayId)) this.cluster.forwardStatus(stationId, status);
    else this.remoteAgentStatus(stationId, status);
  }

  remoteAgentStatus(stationId: string, status: LiveStatusFrame): void {
    const a = this.active.get(status.relayId);
    if (!a?.targetSet.has(stationId)) return;
    const known = a.statuses.get(stationId);
    if (known) {
      known.status = status;
      known.at = this.clock.now();
    } else a.statuses.set(stationId, { status, at: this.clock.now() });
    if (status.playing) {
      a.carried.add(stationId);
      a.carriedRound.set(stationId, status.round);
    }
  }

  /**
   * For the alert rules: each station that played the round on air now, and whether it still does (a fresh
   * report of this round, playing, from a connected agent).
   */
  carriage(): RelayCarriage[] {
    const now = this.clock.now();
    const out: RelayCarriage[] = [];
    for (const a of this.active.values()) {
      if (!a.onAir) continue;
      for (const stationId of a.roundTargets) {
        if (a.carriedRound.get(stationId) !== a.round) continue;
        const reported = a.statuses.get(stationId);
        const carrying = this.hub.connected(stationId) && !!reported && now - reported.at <= STATUS_FRESH_MS && reported.status.round === a.round && reported.status.playing;
        out.push({ relayId: a.row.id, title: a.row.title, stationId, carried: true, carrying });
      }
    }
    return out;
  }

  // ---- rounds ----

  private startFrame(a: ActiveRelay): LiveStartFrame {
    return {
      type: 'live.start',
      relayId: a.row.id,
      round: a.round,
      kind: a.row.kind,
      priority: a.row.priority,
      title: a.row.title,
      codec: 'mp3',
      sampleRate: LIVE_SAMPLE_RATE,
      channels: LIVE_CHANNELS,
      startedAt: a.roundStartedAt,
    };
  }

  /** Starts a round; with `resume`, carries on a round another instance began (same round, same instant). */
  private async startRound(a: ActiveRelay, round: number, targets: string[] = a.targets, resume?: { startedAt: string; offsetMs: number }): Promise<void> {
    if (a.stopCause || a.finished || a.onAir) return;
    if (a.inputUsed && a.reopen) {
      try {
        a.input = await a.reopen();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.log.error(`relay ${a.row.id} round ${round}: source not reopened: ${message}`);
        await this.finish(a, 'failed', `Nguồn phát bị lỗi: ${message}`);
        return;
      }
      if (a.stopCause || a.finished || a.onAir) {
        if (a.input.kind === 'stream') a.input.body.destroy();
        return;
      }
    }
    a.inputUsed = true;
    a.round = round;
    a.roundTargets = targets;
    a.onAir = true;
    a.firstOfRound = !resume;
    a.roundStartedAt = resume?.startedAt ?? this.clock.nowInstant();
    // A stored programme resumes where the last instance got to; a stream or microphone is live, so its count starts again.
    a.offsetMs = resume && a.input.kind === 'file' ? resume.offsetMs : 0;
    a.roundEndedAt = null;
    a.row.roundsAired = round;
    if (!resume) await this.db.getRepository(LiveRelay).update({ id: a.row.id }, { roundsAired: round });
    this.cluster.sendControl(a.row.id, a.roundTargets, a.targets, this.startFrame(a));
    const encoder = new LiveEncoder(
      this.sources.processes,
      a.input,
      () => this.clock.now(),
      (g) => this.onGroup(a, g),
      (error) => void this.onRoundEnd(a, encoder, error),
    );
    a.encoder = encoder;
    encoder.start();
  }

  private onGroup(a: ActiveRelay, g: EncodedGroup): void {
    // Cut off from the database past its lease: another instance may be taking the relay over.
    if (!this.cluster.mayEmit(a.row.id)) return;
    a.offsetMs += g.durationMs;
    const message = encodeLiveAudio({ relayId: a.row.id, seq: a.seq, at: g.at, first: a.firstOfRound, payload: g.payload });
    a.seq = (a.seq + 1) >>> 0;
    a.firstOfRound = false;
    this.cluster.sendAudio(a.row.id, a.roundTargets, message);
    for (const res of a.listeners) {
      if (res.writableLength > MAX_LISTENER_BUFFER) {
        this.log.warn(`HTTP listener of relay ${a.row.id} too slow: disconnected`);
        res.destroy();
        a.listeners.delete(res);
      } else res.write(g.payload);
    }
    const recording = a.recording;
    recording.bytes += g.payload.length;
    recording.stream.write(g.payload);
    if (++recording.held >= RECORDING_BATCH) {
      recording.held = 0;
      recording.stream.uncork();
      recording.stream.cork();
    }
  }

  private async onRoundEnd(a: ActiveRelay, encoder: LiveEncoder, error: string | null): Promise<void> {
    if (a.encoder !== encoder) return;
    a.encoder = null;
    a.onAir = false;
    if (!a.stopCause && !this.cluster.mayEmit(a.row.id)) {
      // Its live.stop and its end wait for the lease: renewed, the round ends as it would have; lost, the
      // instance that took the relay over ends it.
      a.endWithoutLease = error;
      this.log.warn(`relay ${a.row.id} round ${a.round} ended here while the lease had run out: its end waits for the lease`);
      return;
    }
    await this.endRound(a, error);
  }

  leaseKept(relayId: string): void {
    const a = this.active.get(relayId);
    if (!a || a.endWithoutLease === undefined) return;
    const error = a.endWithoutLease;
    a.endWithoutLease = undefined;
    void this.endRound(a, error).catch((e: Error) => this.log.error(`relay ${relayId}: ${e.message}`));
  }

  private async endRound(a: ActiveRelay, error: string | null): Promise<void> {
    a.roundEndedAt = this.clock.nowInstant();
    const reason: LiveStopFrame['reason'] = error ? 'failed' : (a.stopCause ?? 'ended');
    const stop: LiveStopFrame = { type: 'live.stop', relayId: a.row.id, round: a.round, reason };
    this.cluster.sendControl(a.row.id, a.roundTargets, a.targets, stop);
    if (error) {
      this.log.error(`relay ${a.row.id} round ${a.round} failed: ${error}`);
      await this.finish(a, 'failed', `Nguồn phát bị lỗi: ${error}`);
      return;
    }
    if (a.stopCause) {
      await this.finish(a, 'stopped', a.stopCause === 'expired' ? 'Hết hạn.' : 'Dừng theo yêu cầu.');
      return;
    }
    if (this.awaitsCatchUp(a)) return; // ends at its expiry
    if (a.round < a.row.rounds) {
      a.timers.push(setTimeout(() => void this.startRound(a, a.round + 1).catch((e: Error) => this.log.error(`relay ${a.row.id}: ${e.message}`)), a.row.intervalMs));
      return;
    }
    await this.finish(a, 'ended', null);
  }

  private async stopActive(a: ActiveRelay, cause: StopCause): Promise<void> {
    if (a.finished) return a.finished;
    a.stopCause ??= cause;
    if (a.encoder) {
      a.encoder.stop(); // calls onRoundEnd, which finishes
      await new Promise((r) => setImmediate(r));
    }
    // An emergency that expires between airings has done what it was for: it ended, it was not cut.
    const status = cause === 'expired' && a.round >= a.row.rounds ? 'ended' : 'stopped';
    await (a.finished ?? this.finish(a, status, cause === 'expired' ? 'Hết hạn.' : 'Dừng theo yêu cầu.'));
  }

  private finish(a: ActiveRelay, status: LiveRelayStatus, reason: string | null): Promise<void> {
    a.finished ??= this.doFinish(a, status, reason);
    return a.finished;
  }

  private async doFinish(a: ActiveRelay, status: LiveRelayStatus, reason: string | null): Promise<void> {
    for (const t of a.timers) clearTimeout(t);
    for (const res of a.listeners) res.end();
    a.listeners.clear();
    let recording: { sha256: string; size: number } | null = null;
    await new Promise<void>((resolve) => a.recording.stream.end(resolve));
    try {
      if (a.recording.bytes > 0) recording = await this.store.importFile(a.recording.path, 'mp3');
      else await rm(a.recording.path, { force: true });
    } catch (e) {
      this.log.error(`recording of relay ${a.row.id} not stored: ${(e as Error).message}`);
    }
    const patch = {
      status,
      endedAt: this.clock.nowInstant(),
      endReason: reason,
      recordingSha256: recording?.sha256 ?? null,
      recordingBytes: recording?.size ?? null,
    };
    Object.assign(a.row, patch);
    await this.db.getRepository(LiveRelay).update({ id: a.row.id }, patch);
    this.active.delete(a.row.id);
    await this.cluster.release(a.row.id);
    this.log.log(`relay ${a.row.id} ${status}${reason ? `: ${reason}` : ''}`);
  }

  /** Where the recording of a finished relay lies. */
  async recordingPath(id: string, who: Principal): Promise<string> {
    await this.access.requireTargets(who, 'read', await this.targetsOf(id));
    const row = await this.get(id);
    if (!row.recordingSha256) throw new LoaError('not_found', 'Buổi phát này chưa có bản ghi âm (đang phát hoặc không có âm thanh).', { id });
    return this.store.pathOf(row.recordingSha256, 'mp3');
  }

  // ---- inputs ----

  /** The stations named, and every station under the units named, as the schedule resolves a slot's targets. */
  private async resolveTargets(input: StartLive, who: Principal): Promise<string[]> {
    const [stations, units] = await Promise.all([
      this.db.getRepository(Station).find({ select: { id: true, unitId: true } }),
      this.db.getRepository(Unit).find({ select: { id: true, parentId: true } }),
    ]);
    const missing = (input.stationIds ?? []).filter((id) => !stations.some((s) => s.id === id));
    if (missing.length) throw new LoaError('not_found', 'Có trạm không tồn tại trong danh sách đã chọn.', { missing });
    const missingUnits = (input.unitIds ?? []).filter((id) => !units.some((u) => u.id === id));
    if (missingUnits.length) throw new LoaError('not_found', 'Không tìm thấy đơn vị này.', { missing: missingUnits });
    const refs = [...(input.stationIds ?? []).map((refId) => ({ kind: 'station' as const, refId })), ...(input.unitIds ?? []).map((refId) => ({ kind: 'unit' as const, refId }))];
    const ids = [...resolveTargets(refs, { stations, units, groupMembers: [], clusters: [] }).keys()];
    if (ids.length === 0) throw new LoaError('validation_failed', 'Hãy chọn ít nhất một trạm hoặc một đơn vị có trạm.');
    const message =
      who.kind === 'user' && who.role === 'operator' ? 'Cán bộ trạm chỉ được phát thông báo khẩn cấp trên các trạm thuộc đơn vị của mình.' : 'Bạn chỉ phát trực tiếp được trên các trạm thuộc đơn vị mình.';
    await this.access.requireTargets(who, 'write', ids, message);
    return ids;
  }

  private async resolveSource(
    input: StartLive,
    who: Principal,
  ): Promise<{ source: EncoderInput; programmeId: string | null; url: string | null; reopen: (() => Promise<EncoderInput>) | null; credentials: string | null }> {
    switch (input.sourceKind) {
      case 'programme': {
        if (!input.programmeId) throw new LoaError('validation_failed', 'Hãy chọn chương trình để phát.', { fields: [{ field: 'programmeId', problems: ['required'] }] });
        const found = await this.db.getRepository(Programme).findOneBy({ id: input.programmeId });
        // Another unit's own programme is not there for this caller.
        const [programme] = found ? await this.access.filterOwned(who, [found], (p) => p.createdBy) : [];
        if (!programme) throw new LoaError('not_found', 'Không tìm thấy chương trình này.', { id: input.programmeId });
        return { source: await this.programmeInput(programme), programmeId: programme.id, url: null, reopen: null, credentials: null };
      }
      case 'url': {
        if (!input.url) throw new LoaError('validation_failed', 'Hãy nhập địa chỉ luồng phát.', { fields: [{ field: 'url', problems: ['required'] }] });
        const url = parseStreamUrl(input.url);
        const open = this.streamOpener(url);
        return { source: await open(), programmeId: null, url: url.shown, reopen: open, credentials: url.credentials };
      }
      case 'mic':
        return { source: MIC_INPUT, programmeId: null, url: null, reopen: null, credentials: null };
      case 'text': {
        const text = input.text?.trim();
        if (!text) throw new LoaError('validation_failed', 'Hãy nhập nội dung cần đọc.', { fields: [{ field: 'text', problems: ['required'] }] });
        const { programme, asset } = await this.speak(input.kind, input.title, text, who);
        const file = await this.media.fileFor(asset.sha256);
        const gain = await this.media.liveGain(asset);
        return { source: { kind: 'file', path: file.path, format: 'mp3', gain }, programmeId: programme.id, url: null, reopen: null, credentials: null };
      }
    }
  }

  /** A stored programme's broadcast file, with the gain that brings its live airing to the loudness target. */
  private async programmeInput(programme: Programme, startMs = 0): Promise<EncoderInput> {
    const asset = await this.media.requireReady(programme.mediaAssetId);
    const file = await this.media.fileFor(asset.sha256);
    const gain = await this.media.liveGain(asset);
    return { kind: 'file', path: file.path, format: 'mp3', gain, ...(startMs > 0 ? { startMs } : {}) };
  }

  private streamOpener(url: StreamUrl): () => Promise<EncoderInput> {
    return async () => ({ kind: 'stream', ...(await this.sources.open(url)) });
  }

  /**
   * Reads the text out with the speech engine, normalised like any upload, and keeps it as a programme:
   * the logbook names it, latecomers to an emergency hear it, and staff can air it again.
   */
  private async speak(kind: LiveKind, title: string, text: string, who: Principal): Promise<{ programme: Programme; asset: ReadyMediaAsset }> {
    const userId = who.kind === 'user' ? who.userId : null;
    const chuyenMuc = kind === 'emergency' ? 'Thông báo khẩn cấp' : 'Tin bài';
    const accepted = await this.tts.speak(text, undefined, userId, chuyenMuc);
    const asset = await this.media.settled(accepted.id, SPEECH_READY_MS);
    if (!isReady(asset)) {
      throw new LoaError('media_not_ready', 'Chưa đọc được văn bản thành tiếng để phát. Hãy thử lại, hoặc chọn một chương trình đã có.', {
        id: asset.id,
        status: asset.status,
      });
    }
    const programmes = this.db.getRepository(Programme);
    const programme = await programmes.save(
      programmes.create({ title, chuyenMuc, chuyenMucId: null, topicId: null, description: text, spokenText: text, mediaAssetId: asset.id, createdBy: userId, createdAt: this.clock.nowInstant() }),
    );
    return { programme, asset };
  }
}
