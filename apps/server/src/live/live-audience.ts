import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import type { LiveStatusFrame } from '@loa/protocol';
import type { RelayCarriage } from '../alerts/alert-rules';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { LiveCluster } from './live-cluster';
import { LiveHub } from './live-hub';
import { LiveRelayRepository } from './live-relay.repository';
import { LiveRounds } from './live-rounds';
import { ActiveRelays, awaitsCatchUp, hashStreamToken, startFrame, STATUS_FRESH_MS, type ActiveRelay } from './live-state';

/** Stations' first reports of playing a relay are written together, this long after the first of them. */
const CARRIAGE_FLUSH_MS = 200;

/**
 * Who hears the relays encoded here. An agent that connects mid-round joins it; one that connects while an
 * emergency is still in force and has not aired it plays it on its own (catch-up). The agents' reports say
 * which station carries what, for the status page and the alert rules; third-party receivers listen over
 * HTTP with the relay's stream token.
 *
 * Which station played which relay is written to the database by the instance holding its agent
 * (live_relay_carriage), so a catch-up is decided alike by whichever instance encodes the emergency, also
 * one that took it over from an instance that died. An agent that connects here while an emergency it has
 * not played is in force, encoded nowhere for the moment (its instance died, no survivor has taken it
 * over yet), is announced again to the instance that takes it over.
 */
@Injectable()
export class LiveAudience {
  private readonly log = new Logger('Live');
  /** Per relay, the stations held here whose report of playing it is written (or on its way). */
  private readonly noted = new Map<string, Set<string>>();
  private unwritten: { relayId: string; stationId: string }[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  /** Per emergency encoded elsewhere, the stations held here that connected without having played it. */
  private readonly awaiting = new Map<string, Set<string>>();

  constructor(
    private readonly active: ActiveRelays,
    private readonly rounds: LiveRounds,
    private readonly cluster: LiveCluster,
    private readonly hub: LiveHub,
    private readonly clock: Clock,
    private readonly relays: LiveRelayRepository,
  ) {}

  /** An agent connected here: relays encoded here may need it, and so may those encoded elsewhere. */
  onAgentConnected(stationId: string): void {
    this.remoteAgentConnected(stationId);
    this.cluster.agentConnected(stationId);
    if (this.cluster.clustered) void this.noteAwaiting(stationId);
  }

  /**
   * An agent connected, here or on another instance: it may need to join a relay encoded here (`relayId`:
   * only that one, when announced again for it).
   */
  remoteAgentConnected(stationId: string, relayId?: string): void {
    for (const a of this.active.all()) {
      if (relayId !== undefined && a.row.id !== relayId) continue;
      if (!a.targetSet.has(stationId)) continue;
      if (a.onAir && (a.round <= a.row.rounds || a.roundTargets.includes(stationId))) this.join(a, stationId);
      else if ((a.onAir || awaitsCatchUp(a, this.clock.now())) && !a.carried.has(stationId)) void this.catchUp(a, stationId);
    }
  }

  /** The station joins the round on air. */
  private join(a: ActiveRelay, stationId: string): void {
    if (!a.roundTargets.includes(stationId)) a.roundTargets = [...a.roundTargets, stationId];
    this.cluster.sendControl(a.row.id, [stationId], a.targets, startFrame(a));
  }

  /**
   * An emergency in force after its rounds, to a station that connected: it plays it on its own, or joins
   * the catch-up of another station on air, unless it played the emergency already (as its instance wrote,
   * whichever instance encoded it then).
   */
  private async catchUp(a: ActiveRelay, stationId: string): Promise<void> {
    try {
      if (await this.relays.hasCarried(a.row.id, stationId)) {
        a.carried.add(stationId);
        return;
      }
    } catch (err) {
      this.log.warn(`relay ${a.row.id}: whether station ${stationId} played it is unknown (${(err as Error).message}); it plays it`);
    }
    if (a.carried.has(stationId) || !this.active.has(a.row.id)) return;
    if (a.onAir) {
      this.join(a, stationId);
      return;
    }
    if (!awaitsCatchUp(a, this.clock.now())) return;
    // An emergency still in force that this station has not aired: it plays it now, on its own.
    this.log.log(`station ${stationId} connected during emergency ${a.row.id}: plays it now`);
    await this.rounds.startRound(a, a.round + 1, [stationId]).catch((e: Error) => this.log.error(`relay ${a.row.id}: ${e.message}`));
  }

  /** Emergencies in force that the station, connected here, has not played and that are encoded elsewhere (or nowhere, for now). */
  private async noteAwaiting(stationId: string): Promise<void> {
    let ids: string[];
    try {
      ids = await this.relays.uncarriedEmergencies(stationId, this.clock.nowInstant());
    } catch (err) {
      this.log.warn(`emergencies station ${stationId} has not played not read: ${(err as Error).message}`);
      return;
    }
    for (const id of ids) {
      if (this.active.has(id)) continue;
      const waiting = this.awaiting.get(id) ?? new Set<string>();
      waiting.add(stationId);
      this.awaiting.set(id, waiting);
    }
  }

  /**
   * The relay has a new encoding instance (it took it over from one that died): the agents held here
   * that wait for it are announced to it again, since their first announcement may have reached nobody.
   */
  announceAwaiting(relayId: string): void {
    const waiting = this.awaiting.get(relayId);
    if (!waiting) return;
    for (const stationId of [...waiting]) {
      if (!this.hub.connected(stationId)) {
        waiting.delete(stationId);
        continue;
      }
      if (this.active.has(relayId)) this.remoteAgentConnected(stationId, relayId);
      else this.cluster.agentConnected(stationId, relayId);
    }
  }

  /** The relay ended: what was kept for it here goes. */
  relayEnded(relayId: string): void {
    this.noted.delete(relayId);
    this.awaiting.delete(relayId);
  }

  /** A report from an agent connected here: kept when the relay is encoded here, sent to its instance otherwise. */
  onAgentStatus(stationId: string, status: LiveStatusFrame): void {
    if (status.playing) this.noteCarried(status.relayId, stationId);
    if (!this.active.has(status.relayId)) this.cluster.forwardStatus(stationId, status);
    else this.remoteAgentStatus(stationId, status);
  }

  /** The station held here plays the relay: written once, with the others' first reports of the moment. */
  private noteCarried(relayId: string, stationId: string): void {
    let stations = this.noted.get(relayId);
    if (stations?.has(stationId)) return;
    if (!stations) this.noted.set(relayId, (stations = new Set()));
    stations.add(stationId);
    this.awaiting.get(relayId)?.delete(stationId);
    this.unwritten.push({ relayId, stationId });
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => void this.writeCarriage(), CARRIAGE_FLUSH_MS);
    this.flushTimer.unref();
  }

  private async writeCarriage(): Promise<void> {
    this.flushTimer = null;
    const rows = this.unwritten;
    this.unwritten = [];
    try {
      await this.relays.recordCarriage(rows, this.clock.nowInstant());
    } catch (err) {
      // Written with the station's next report instead.
      this.log.warn(`which stations play live relays not written: ${(err as Error).message}`);
      for (const r of rows) this.noted.get(r.relayId)?.delete(r.stationId);
    }
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
    for (const a of this.active.all()) {
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
}
