import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import type { LiveStatusFrame } from '@loa/protocol';
import type { RelayCarriage } from '../alerts/alert-rules';
import { Clock } from '../common/clock';
import { LoaError } from '../common/errors';
import { LiveCluster } from './live-cluster';
import { LiveHub } from './live-hub';
import { LiveRounds } from './live-rounds';
import { ActiveRelays, awaitsCatchUp, hashStreamToken, startFrame, STATUS_FRESH_MS } from './live-state';

/**
 * Who hears the relays encoded here. An agent that connects mid-round joins it; one that connects while an
 * emergency is still in force and has not aired it plays it on its own (catch-up). The agents' reports say
 * which station carries what, for the status page and the alert rules; third-party receivers listen over
 * HTTP with the relay's stream token.
 */
@Injectable()
export class LiveAudience {
  private readonly log = new Logger('Live');

  constructor(
    private readonly active: ActiveRelays,
    private readonly rounds: LiveRounds,
    private readonly cluster: LiveCluster,
    private readonly hub: LiveHub,
    private readonly clock: Clock,
  ) {}

  /** An agent connected here: relays encoded here may need it, and so may those encoded elsewhere. */
  onAgentConnected(stationId: string): void {
    this.remoteAgentConnected(stationId);
    this.cluster.agentConnected(stationId);
  }

  /** An agent connected, here or on another instance: it may need to join a relay encoded here. */
  remoteAgentConnected(stationId: string): void {
    for (const a of this.active.all()) {
      if (!a.targetSet.has(stationId)) continue;
      if (a.onAir) {
        if (!a.roundTargets.includes(stationId)) {
          if (a.carried.has(stationId)) continue; // another station's catch-up: this one aired it already
          a.roundTargets = [...a.roundTargets, stationId];
        }
        this.cluster.sendControl(a.row.id, [stationId], a.targets, startFrame(a));
      } else if (awaitsCatchUp(a, this.clock.now()) && !a.carried.has(stationId)) {
        // An emergency still in force that this station has not aired: it plays it now, on its own.
        this.log.log(`station ${stationId} connected during emergency ${a.row.id}: plays it now`);
        void this.rounds.startRound(a, a.round + 1, [stationId]).catch((e: Error) => this.log.error(`relay ${a.row.id}: ${e.message}`));
      }
    }
  }

  /** A report from an agent connected here: kept when the relay is encoded here, sent to its instance otherwise. */
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
