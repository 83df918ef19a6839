import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { Subject, Subscription } from 'rxjs';
import type { RawData, WebSocket } from 'ws';
import { AGENT_WS_PATH, AgentToServer, CloseCode, MAX_FRAME_BYTES, parseAgentFrame, toInstant } from '@loa/protocol';
import type { AgentStatusView } from '@loa/api-types';
import { AccessPolicy } from '../access/access-policy';
import { bearer } from '../auth/auth.guard';
import type { Principal } from '../auth/principal';
import { STATION_TOKEN_PREFIX } from '../auth/password';
import { StationPresence } from '../cluster/station-presence';
import { Clock } from '../common/clock';
import { DomainEvents } from '../common/events';
import { Sweep } from '../common/sweep';
import { LiveHub } from '../live/live-hub';
import { PlaybackService } from '../playback/playback.service';
import { ScheduleQueries } from '../schedule/schedule-queries.service';
import { StationsService } from '../stations/stations.service';
import { AgentLink } from './agent-link';

/** Each agent is pinged once in this period; the pings are spread over it, a slice a second. */
const PING_INTERVAL_MS = 30_000;
/** Snapshots slide with time: each agent gets a fresh one this often even when nothing changed, spread the same way. */
const REFRESH_INTERVAL_MS = 15 * 60_000;

/**
 * The station agents' WebSocket. It authenticates each connection by its station token, keeps one
 * link per station, validates every inbound frame, and pushes schedule snapshots when they change.
 */
@WebSocketGateway({ path: AGENT_WS_PATH, maxPayload: 2 * MAX_FRAME_BYTES })
export class AgentGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('AgentGateway');
  private readonly links = new Map<string, AgentLink>();
  private readonly bySocket = new WeakMap<WebSocket, AgentLink>();
  /** When each agent that went away sent its last frame, epoch ms: an offline station's last sign of life. */
  private readonly departed = new Map<string, number>();
  private subscription?: Subscription;
  private presenceChanges?: Subscription;
  private readonly sweeps = [
    new Sweep(() => this.links.values(), PING_INTERVAL_MS, (link) => this.ping(link)),
    new Sweep(() => this.links.values(), REFRESH_INTERVAL_MS, (link) => this.pushSnapshot(link.stationId)),
  ];
  private readonly changed = new Subject<void>();
  /** Fires when an agent connects, goes away or reports a new status; completes when the server stops. */
  readonly statusChanges = this.changed.asObservable();

  constructor(
    private readonly stations: StationsService,
    private readonly schedule: ScheduleQueries,
    private readonly playback: PlaybackService,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly live: LiveHub,
    private readonly access: AccessPolicy,
    private readonly presence: StationPresence,
  ) {}

  onModuleInit(): void {
    this.subscription = this.events.stream.subscribe((event) => {
      switch (event.type) {
        case 'schedule.changed':
          for (const id of new Set(event.stationIds)) this.pushSnapshot(id);
          return;
        case 'station.token-revoked':
          this.links.get(event.stationId)?.socket.close(CloseCode.Revoked, 'token revoked');
          return;
        case 'station.created':
        case 'stations.changed':
          return;
      }
    });
    for (const sweep of this.sweeps) sweep.start();
    this.presence.setLocalViews(() => this.localStatuses());
    this.presenceChanges = this.presence.changes.subscribe(() => this.changed.next());
  }

  onModuleDestroy(): void {
    // Ends the staff's open status streams, so the HTTP server can close behind them.
    this.changed.complete();
    this.subscription?.unsubscribe();
    this.presenceChanges?.unsubscribe();
    for (const sweep of this.sweeps) sweep.stop();
    for (const link of this.links.values()) link.socket.close(1001, 'server shutting down');
  }

  /** The statuses of the stations `who` may see. */
  statusesFor(who: Principal) {
    return this.access.filterByStation(who, this.statuses(), (a) => a.stationId);
  }

  /** Connected agents, on this instance or another, and what they last reported. */
  statuses(): AgentStatusView[] {
    const here = this.localStatuses();
    return [...here, ...this.presence.statusesElsewhere().filter((v) => !this.links.has(v.stationId))];
  }

  /** The agents this instance holds. */
  private localStatuses(): AgentStatusView[] {
    return [...this.links.values()].map((l) => this.view(l));
  }

  private view(l: AgentLink): AgentStatusView {
    return {
      stationId: l.stationId,
      stationName: l.stationName,
      connectedAt: l.connectedAt,
      lastFrameAt: toInstant(l.lastFrameMs),
      agentVersion: l.agentVersion,
      status: l.status,
    };
  }

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    // Frames that arrive while the token is being checked wait in order.
    const early: RawData[] = [];
    const hold = (data: RawData) => early.push(data);
    socket.on('message', hold);
    socket.on('error', (err) => this.log.warn(`agent socket error: ${err.message}`));

    const token = bearer(req.headers['authorization']) ?? new URL(req.url ?? '/', 'http://x').searchParams.get('token');
    const remote = req.socket.remoteAddress ?? '?';
    void this.authenticate(token)
      .then((station) => {
        if (!station) {
          this.log.warn(`agent from ${remote} refused: missing or unknown token`);
          socket.close(CloseCode.Unauthorized, 'invalid token');
          return;
        }
        if (socket.readyState !== socket.OPEN) return;
        const previous = this.links.get(station.id);
        if (previous) previous.socket.close(CloseCode.Replaced, 'replaced by a newer connection');
        const link = new AgentLink(socket, req.socket, station.id, station.name, remote, this.clock.nowInstant());
        this.links.set(station.id, link);
        this.departed.delete(station.id);
        this.bySocket.set(socket, link);
        socket.on('pong', () => (link.alive = true));
        socket.off('message', hold);
        socket.on('message', (data) => this.onFrame(link, data));
        this.log.log(`agent of "${station.name}" connected from ${remote}`);
        link.welcome(this.clock.nowInstant());
        this.live.attach(link);
        this.presence.hold(this.view(link));
        this.changed.next();
        this.stations.markSeen(station.id, null);
        for (const data of early) this.onFrame(link, data);
      })
      .catch((err: Error) => {
        this.log.error(`agent authentication failed: ${err.message}`);
        socket.close(1011, 'server error');
      });
  }

  /** Whether a station's agent holds a connection to this instance now. */
  isConnected(stationId: string): boolean {
    return this.links.has(stationId);
  }

  /** The last frame of each station whose agent went away since this instance started, epoch ms. */
  departures(): ReadonlyMap<string, number> {
    return this.departed;
  }

  /** What a connected agent last said about its box; null when it is not connected here or sent nothing yet. */
  healthOf(stationId: string): AgentLink['health'] {
    return this.links.get(stationId)?.health ?? null;
  }

  handleDisconnect(socket: WebSocket): void {
    const link = this.bySocket.get(socket);
    if (link && this.links.get(link.stationId) === link) {
      this.links.delete(link.stationId);
      this.departed.set(link.stationId, link.lastFrameMs);
      this.live.detach(link);
      this.presence.release(link.stationId);
      this.log.log(`agent of "${link.stationName}" disconnected`);
      this.changed.next();
    }
  }

  private async authenticate(token: string | null) {
    if (!token || !token.startsWith(STATION_TOKEN_PREFIX)) return null;
    return this.stations.findByToken(token);
  }

  private onFrame(link: AgentLink, data: RawData): void {
    const receivedAt = this.clock.now();
    link.lastFrameMs = receivedAt;
    const parsed = parseAgentFrame(data);
    if (!parsed.ok) {
      link.send({ type: 'error', code: parsed.code, message: parsed.message, ...(parsed.issues ? { issues: parsed.issues } : {}) });
      return;
    }
    const frame = parsed.frame;
    if (frame.type === 'live.status') {
      // Live status is light and frequent: kept in memory, outside the queue.
      this.live.onStatus(link.stationId, frame);
      return;
    }
    if (frame.type === 'clock.ping') {
      // Answered at once, outside the queue, so the round trip measures the network and not our work.
      link.send({ type: 'clock.pong', id: frame.id, t0: frame.t0, t1: receivedAt, t2: this.clock.now() });
      return;
    }
    link.enqueue(() =>
      this.handle(link, frame).catch((err: Error) => {
        this.log.error(`station ${link.stationId}: ${frame.type} failed: ${err.stack ?? err.message}`);
        link.send({ type: 'error', code: 'internal', message: 'Máy chủ gặp lỗi khi xử lý gói tin; trạm sẽ gửi lại sau.' });
      }),
    );
  }

  private async handle(link: AgentLink, frame: Exclude<AgentToServer, { type: 'clock.ping' | 'live.status' }>): Promise<void> {
    switch (frame.type) {
      case 'hello':
        link.agentVersion = frame.agentVersion;
        this.presence.hold(this.view(link));
        this.stations.markSeen(link.stationId, frame.agentVersion);
        link.send({ type: 'schedule', snapshot: await this.schedule.snapshotFor(link.stationId) });
        return;
      case 'events': {
        const result = await this.playback.ingest(link.stationId, frame.events);
        link.send({ type: 'ack', ids: result.acked });
        if (result.rejected.length) {
          link.send({
            type: 'error',
            code: 'invalid_frame',
            message: 'Có sự kiện phát sóng không thuộc lịch của trạm này; máy chủ đã bỏ qua.',
            issues: result.rejected.map((r) => `${r.id}: ${r.why}`),
          });
        }
        return;
      }
      case 'status': {
        const { type: _type, ...status } = frame;
        const before = link.status?.capture?.deadAir;
        link.status = status;
        this.presence.hold(this.view(link));
        try {
          await this.playback.deadAirChanged(link.stationId, before, status.capture?.deadAir);
        } catch (err) {
          this.log.error(`dead air for station ${link.stationId} not stored: ${(err as Error).message}`);
        }
        this.changed.next();
        this.stations.markSeen(link.stationId, null, {
          scheduleVersion: status.scheduleVersion,
          cacheReady: status.cacheReady,
          missingFiles: status.missingFiles,
          output: status.output ?? null,
        });
        return;
      }
      case 'health':
        link.health = frame.health;
        this.stations.markHealthy(link.stationId, frame.health);
        return;
    }
  }

  private pushSnapshot(stationId: string): void {
    const link = this.links.get(stationId);
    if (!link) return;
    link.enqueue(async () => {
      try {
        // Built with the other stations' of the same change, a few hundred per batch, one batch at a time.
        link.send({ type: 'schedule', snapshot: await this.schedule.snapshotFor(stationId) });
      } catch (err) {
        this.log.error(`snapshot for station ${stationId} failed: ${(err as Error).message}`);
      }
    });
  }

  /** A link that did not answer the previous ping is dead: dropped, so the agent reconnects. */
  private ping(link: AgentLink): void {
    if (this.links.get(link.stationId) !== link || link.socket.readyState !== link.socket.OPEN) return;
    if (!link.alive) {
      link.socket.terminate();
      return;
    }
    link.alive = false;
    link.socket.ping();
  }
}
