import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { fromInstant, type LiveStatusFrame, type Priority, toInstant } from '@loa/protocol';
import { AccessPolicy } from '../access/access-policy';
import type { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { LiveAudience } from './live-audience';
import { LiveCluster, type RelayOrigin } from './live-cluster';
import { LiveHub, type HubListener } from './live-hub';
import { LiveInputs } from './live-inputs';
import { LiveMicrophone } from './live-mic';
import { LiveQueries } from './live-queries';
import { LiveRecordings } from './live-recording';
import { LiveRelayLeaseRepository, type RelayProgress } from './live-relay-lease.repository';
import type { LiveRelay, LiveRelayLease } from './live-relay.entity';
import { LiveRelayRepository } from './live-relay.repository';
import { LiveRounds } from './live-rounds';
import type { StartedRelay } from '@loa/api-types';
import { ActiveRelays, hashStreamToken, progressOf, publicRelay, type PublicRelay, type StartLive } from './live-state';
import { LiveTakeover } from './live-takeover';

export { hashStreamToken, publicRelay, type StartLive } from './live-state';

/** An emergency lasts at most a week (and a timer cannot wait much longer than three weeks). */
const MAX_EXPIRY_MS = 7 * 24 * 3600_000;
/** How long a stop asked of another instance may take before the caller is told to try again. */
const STOP_ELSEWHERE_MS = 10_000;

/**
 * Live relays and emergency announcements: starts a relay (its stations, its source, its rounds and
 * expiry) and stops it, here or on the instance that encodes it. The rounds, the audience, the microphone,
 * taking a relay over and reading relays each have their own class; this one also answers the hub and the
 * other instances for them.
 */
@Injectable()
export class LiveService implements HubListener, RelayOrigin, OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('Live');

  constructor(
    private readonly active: ActiveRelays,
    private readonly relays: LiveRelayRepository,
    private readonly leases: LiveRelayLeaseRepository,
    private readonly hub: LiveHub,
    private readonly cluster: LiveCluster,
    private readonly access: AccessPolicy,
    private readonly inputs: LiveInputs,
    private readonly rounds: LiveRounds,
    private readonly audience: LiveAudience,
    private readonly mic: LiveMicrophone,
    private readonly takeover: LiveTakeover,
    private readonly queries: LiveQueries,
    private readonly recordings: LiveRecordings,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    this.hub.setListener(this);
    this.cluster.setOrigin(this);
    await this.recordings.init();
    await this.takeover.endLeftBehind();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.active.all().map((a) => this.rounds.stopActive(a, 'stopped')));
  }

  async start(input: StartLive, who: Principal): Promise<StartedRelay> {
    const targets = await this.inputs.targets(input, who);
    const now = this.clock.nowInstant();
    const everyMs = input.kind === 'emergency' && input.sourceKind !== 'mic' && input.repeatEveryHours ? input.repeatEveryHours * 3600_000 : null;
    if (everyMs && (input.repeats || input.intervalSeconds)) {
      throw new LoaError('validation_failed', 'Chọn hoặc phát lại theo chu kỳ giờ, hoặc số lần phát lại, không cả hai.', { fields: [{ field: 'repeatEveryHours', problems: ['with repeats or intervalSeconds'] }] });
    }
    // Repeating by the hour with no end given stops after a week, like the longest expiry.
    if (everyMs && !input.expiresAt) input = { ...input, expiresAt: toInstant(this.clock.now() + MAX_EXPIRY_MS - 60_000) };
    const rounds = everyMs
      ? 1 + Math.floor((fromInstant(input.expiresAt!) - this.clock.now()) / everyMs)
      : input.kind === 'emergency' && input.sourceKind !== 'mic'
        ? 1 + (input.repeats ?? 0)
        : 1;
    const intervalMs = everyMs ?? (input.intervalSeconds ?? 0) * 1000;
    if (input.expiresAt && fromInstant(input.expiresAt) <= this.clock.now()) {
      throw new LoaError('validation_failed', 'Thời điểm hết hạn phải ở tương lai.', { fields: [{ field: 'expiresAt', problems: ['in the past'] }] });
    }
    if (input.expiresAt && fromInstant(input.expiresAt) > this.clock.now() + MAX_EXPIRY_MS) {
      throw new LoaError('validation_failed', 'Thời điểm hết hạn không được quá 7 ngày kể từ bây giờ.', { fields: [{ field: 'expiresAt', problems: ['more than 7 days ahead'] }] });
    }
    const { source, programmeId, url, reopen, credentials } = await this.inputs.source(input, who);

    const token = randomBytes(24).toString('base64url');
    const row = await this.relays
      .create(
        {
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
          expiresAt: input.expiresAt ?? null,
          status: 'live',
          endReason: null,
          streamTokenHash: hashStreamToken(token),
          recordingSha256: null,
          recordingBytes: null,
          startedBy: who.kind === 'user' ? who.userId : null,
          startedAt: now,
          endedAt: null,
        },
        targets,
      )
      .catch((err: unknown) => {
        if (source.kind === 'stream') source.body.destroy();
        throw err;
      });

    const a = this.rounds.activate(row, targets, source, reopen);
    try {
      await this.cluster.claim(row.id, progressOf(a), credentials);
    } catch (err) {
      this.log.error(`relay ${row.id}: lease not written (${(err as Error).message}); no other instance can take it over`);
    }
    this.log.log(`${row.kind} "${row.title}" (${row.id}) on ${targets.length} stations from ${row.sourceKind}`);
    await this.rounds.startRound(a, 1);
    return { relay: publicRelay(a.row), streamUrl: `/api/live/relays/${row.id}/stream.mp3?token=${token}`, streamToken: token };
  }

  /** Ends a relay; only someone whose unit reaches every station it airs on may (a province-wide relay is not a commune's to end). */
  async stop(id: string, who: Principal): Promise<PublicRelay> {
    const targets = await this.queries.targetsOf(id);
    await this.access.requireTargets(who, 'read', targets);
    await this.access.requireTargets(who, 'write', targets, 'Buổi phát này có cả các trạm ngoài đơn vị của bạn, nên chỉ cấp trên mới dừng được.');
    const a = this.active.get(id);
    if (!a) {
      const row = await this.queries.get(id);
      if (row.status === 'live' && this.cluster.clustered) return publicRelay(await this.stopElsewhere(row));
      throw new LoaError('conflict', 'Buổi phát trực tiếp này đã kết thúc.', { status: row.status });
    }
    await this.rounds.stopActive(a, 'stopped');
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
        await this.rounds.stopActive(local, 'stopped');
        return local.row;
      }
      const now = await this.queries.get(row.id);
      if (now.status !== 'live') return now;
      if (i % 10 === 5) {
        const ended = await this.leases.endOrphan(row.id, this.clock.nowInstant(), { status: 'stopped', endedAt: this.clock.nowInstant(), endReason: 'Dừng theo yêu cầu.' });
        if (ended) {
          await this.cluster.release(row.id);
          return this.queries.get(row.id);
        }
      }
      if (this.clock.now() > until) throw new LoaError('conflict', 'Máy chủ đang phát buổi này chưa trả lời yêu cầu dừng; hãy thử lại sau ít giây.', { id: row.id });
    }
  }

  // ---- what the hub and the other instances ask of this one ----

  async stopRequested(relayId: string): Promise<boolean> {
    const a = this.active.get(relayId);
    if (!a) return false;
    await this.rounds.stopActive(a, 'stopped');
    return true;
  }

  encodes(relayId: string): boolean {
    return this.active.has(relayId);
  }

  onAgentConnected(stationId: string): void {
    this.audience.onAgentConnected(stationId);
  }

  onAgentStatus(stationId: string, status: LiveStatusFrame): void {
    this.audience.onAgentStatus(stationId, status);
  }

  remoteAgentConnected(stationId: string, relayId?: string): void {
    this.audience.remoteAgentConnected(stationId, relayId);
  }

  announceAwaiting(relayId: string): void {
    this.audience.announceAwaiting(relayId);
  }

  relayEnded(relayId: string): void {
    this.audience.relayEnded(relayId);
  }

  remoteAgentStatus(stationId: string, status: LiveStatusFrame): void {
    this.audience.remoteAgentStatus(stationId, status);
  }

  remoteMic(relayId: string, chunk: Buffer | null): void {
    this.mic.remote(relayId, chunk);
  }

  progress(relayId: string): RelayProgress | null {
    return this.takeover.progress(relayId);
  }

  leaseLost(relayId: string): void {
    this.takeover.leaseLost(relayId);
  }

  leaseKept(relayId: string): void {
    this.rounds.leaseKept(relayId);
  }

  takeOver(lease: LiveRelayLease, credentials: string | null): Promise<void> {
    return this.takeover.takeOver(lease, credentials);
  }

  abandon(relayId: string): Promise<void> {
    return this.takeover.abandon(relayId);
  }
}
