import { Injectable, Logger } from '@nestjs/common';
import { fromInstant, toInstant } from '@loa/protocol';
import { Clock } from '../common/clock';
import { LiveCluster } from './live-cluster';
import type { EncoderInput } from './live-encoder';
import { LiveInputs } from './live-inputs';
import { LiveRecordings } from './live-recording';
import { LiveRelayLeaseRepository, type RelayProgress } from './live-relay-lease.repository';
import type { LiveRelayLease } from './live-relay.entity';
import { LiveRelayRepository } from './live-relay.repository';
import { LiveRounds } from './live-rounds';
import { ActiveRelays, awaitsCatchUp, MIC_INPUT, progressOf } from './live-state';

/**
 * A relay taken over numbers its groups on from its last written sequence plus this, so each agent sees
 * one jump (one gap, logged once) and never mistakes the new groups for the ones it already played.
 */
export const TAKEOVER_SEQ_JUMP = 1000;

/**
 * A relay outlives the instance that encodes it: this instance carries on a relay whose instance died
 * (from its lease's progress), gives one up that another instance took, and ends the relays nobody will
 * carry on (left behind by a restart, or lost by the whole deployment).
 */
@Injectable()
export class LiveTakeover {
  private readonly log = new Logger('Live');

  constructor(
    private readonly active: ActiveRelays,
    private readonly relays: LiveRelayRepository,
    private readonly leases: LiveRelayLeaseRepository,
    private readonly cluster: LiveCluster,
    private readonly rounds: LiveRounds,
    private readonly inputs: LiveInputs,
    private readonly recordings: LiveRecordings,
    private readonly clock: Clock,
  ) {}

  /**
   * A relay "live" in the database with no encoder is one the previous run left behind; with several
   * instances, only one without a lease (the others' relays go on, or are taken over when their lease runs out).
   */
  async endLeftBehind(): Promise<void> {
    const left = await this.cluster.unclaimed(await this.relays.live());
    await this.relays.updateLive(left, { status: 'failed', endedAt: this.clock.nowInstant(), endReason: 'Máy chủ khởi động lại khi đang phát trực tiếp.' });
  }

  progress(relayId: string): RelayProgress | null {
    const a = this.active.get(relayId);
    return a ? progressOf(a) : null;
  }

  /** Another instance took this relay over: stop encoding it without a live.stop (the agents go on with the new owner) and without ending it. */
  leaseLost(relayId: string): void {
    this.rounds.leaseLost(relayId);
  }

  /**
   * Carries on a relay whose instance died: the same round (so each agent keeps its round, logs the gap
   * once and writes one logbook line), a stored programme from where it got to, a stream URL opened again,
   * a microphone waiting for the browser to connect again; between an emergency's rounds, the next round
   * when it is due.
   */
  async takeOver(lease: LiveRelayLease, credentials: string | null): Promise<void> {
    const row = await this.relays.find(lease.relayId);
    if (!row || row.status !== 'live') {
      await this.cluster.release(lease.relayId);
      return;
    }
    const targets = await this.relays.targets(row.id);
    // A catch-up round for latecomers is not resumed: the next latecomer starts its own.
    const resumeRound = lease.onAir && lease.round >= 1 && lease.round <= row.rounds;
    let source: EncoderInput;
    let reopen: (() => Promise<EncoderInput>) | null = null;
    try {
      if (row.sourceKind === 'url') {
        if (!row.sourceUrl) throw new Error('relay has no stream address');
        reopen = this.inputs.streamOpener({ shown: row.sourceUrl, credentials });
        source = await reopen();
      } else if (row.sourceKind === 'mic') source = MIC_INPUT;
      else {
        const programme = row.programmeId ? await this.relays.programme(row.programmeId) : null;
        if (!programme) throw new Error('its programme no longer exists');
        source = await this.inputs.programmeInput(programme, resumeRound ? lease.offsetMs : 0);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error(`relay ${row.id} not taken over: ${message}`);
      await this.relays.updateLive([row.id], { status: 'failed', endedAt: this.clock.nowInstant(), endReason: `Máy chủ đang phát bị dừng và không mở lại được nguồn phát: ${message}` });
      await this.cluster.release(row.id);
      return;
    }
    // Who played it already, as their instances wrote it: a catch-up is not given to them a second time.
    const carried = await this.relays.carriedBy(row.id);
    const a = this.rounds.activate(row, targets, source, reopen, await this.recordings.recordedSoFar(row.id));
    for (const stationId of carried) a.carried.add(stationId);
    a.round = lease.round;
    a.seq = (lease.seq + TAKEOVER_SEQ_JUMP) >>> 0;
    a.roundEndedAt = lease.roundEndedAt;
    a.roundStartedAt = lease.roundStartedAt ?? row.startedAt;
    this.log.log(`relay ${row.id} taken over at round ${lease.round}${resumeRound ? `, ${Math.round(lease.offsetMs)} ms in` : ''}`);
    if (resumeRound) {
      await this.rounds.startRound(a, lease.round, targets, { startedAt: a.roundStartedAt, offsetMs: lease.offsetMs });
      return;
    }
    a.inputUsed = false;
    if (a.round >= 1 && a.round < row.rounds) this.rounds.scheduleNextRound(a, lease.roundEndedAt ? fromInstant(lease.roundEndedAt) : this.clock.now());
    else if (a.round === 0) await this.rounds.startRound(a, 1);
    else if (!awaitsCatchUp(a, this.clock.now())) await this.rounds.finish(a, 'ended', null);
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
}

