import type { ServerResponse } from 'node:http';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { ProcessRunner } from '@loa/process';
import { encodeLiveAudio, fromInstant, type LiveStopFrame } from '@loa/protocol';
import { Clock } from '../common/clock';
import { LiveCluster } from './live-cluster';
import { LiveEncoder, type EncodedGroup, type EncoderInput } from './live-encoder';
import { LiveRecordings } from './live-recording';
import { LiveRelayRepository } from './live-relay.repository';
import type { LiveRelay, LiveRelayStatus } from './live-relay.entity';
import { ActiveRelays, awaitsCatchUp, startFrame, type ActiveRelay, type StopCause } from './live-state';

/** A listener of the HTTP stream further behind than this is dropped rather than buffered without end. */
const MAX_LISTENER_BUFFER = 256 * 1024;
/** A microphone relay nobody feeds ends after this long. */
export const MIC_IDLE_MS = 30_000;

/**
 * The rounds of the relays encoded here: each round encodes the source once and fans the groups out
 * (agents through the cluster link, HTTP listeners, the recording); between an emergency's rounds it waits
 * its interval; a relay ends when its rounds are done, it expires, it is stopped or its source fails.
 */
@Injectable()
export class LiveRounds {
  private readonly log = new Logger('Live');

  constructor(
    private readonly active: ActiveRelays,
    private readonly relays: LiveRelayRepository,
    private readonly cluster: LiveCluster,
    private readonly recordings: LiveRecordings,
    private readonly clock: Clock,
    @Optional() private readonly processes: ProcessRunner = new ProcessRunner(),
  ) {}

  /** The relay's in-memory state, registered as encoded here, with its expiry and microphone timers. */
  activate(row: LiveRelay, targets: string[], source: EncoderInput, reopen: (() => Promise<EncoderInput>) | null, recordedBytes = 0): ActiveRelay {
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
      listeners: new Set<ServerResponse>(),
      recording: this.recordings.open(row.id, recordedBytes),
      statuses: new Map(),
      timers: [],
      stopCause: null,
      micAttached: false,
      finished: null,
    };
    this.active.add(a);
    if (row.expiresAt) a.timers.push(setTimeout(() => void this.stopActive(a, 'expired'), Math.max(0, fromInstant(row.expiresAt) - this.clock.now())));
    if (source.kind === 'pipe') a.timers.push(setTimeout(() => !a.micAttached && void this.stopActive(a, 'stopped'), MIC_IDLE_MS));
    return a;
  }

  /** Starts a round; with `resume`, carries on a round another instance began (same round, same instant). */
  async startRound(a: ActiveRelay, round: number, targets: string[] = a.targets, resume?: { startedAt: string; offsetMs: number }): Promise<void> {
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
    if (!resume) await this.relays.update(a.row.id, { roundsAired: round });
    this.cluster.sendControl(a.row.id, a.roundTargets, a.targets, startFrame(a));
    const encoder = new LiveEncoder(
      this.processes,
      a.input,
      () => this.clock.now(),
      (g) => this.onGroup(a, g),
      (error) => void this.onRoundEnd(a, encoder, error),
    );
    a.encoder = encoder;
    encoder.start();
  }

  /** Starts the next round after the relay's interval, counted from `from` (now when not given). */
  scheduleNextRound(a: ActiveRelay, from = this.clock.now()): void {
    const start = () => void this.startRound(a, a.round + 1).catch((e: Error) => this.log.error(`relay ${a.row.id}: ${e.message}`));
    a.timers.push(setTimeout(start, Math.max(0, from + a.row.intervalMs - this.clock.now())));
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
    this.recordings.write(a.recording, g.payload);
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

  /** The lease was renewed: a round end held back while it had run out goes on now. */
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
    if (awaitsCatchUp(a, this.clock.now())) return; // ends at its expiry
    if (a.round < a.row.rounds) {
      this.scheduleNextRound(a);
      return;
    }
    await this.finish(a, 'ended', null);
  }

  /** Stops a relay encoded here: the round on air ends (with its live.stop), then the relay. */
  async stopActive(a: ActiveRelay, cause: StopCause): Promise<void> {
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

  /** Ends the relay once: its timers and listeners go, its recording is stored, its row and lease are closed. */
  finish(a: ActiveRelay, status: LiveRelayStatus, reason: string | null): Promise<void> {
    a.finished ??= this.doFinish(a, status, reason);
    return a.finished;
  }

  private async doFinish(a: ActiveRelay, status: LiveRelayStatus, reason: string | null): Promise<void> {
    for (const t of a.timers) clearTimeout(t);
    for (const res of a.listeners) res.end();
    a.listeners.clear();
    const recording = await this.recordings.keep(a.recording);
    const patch = {
      status,
      endedAt: this.clock.nowInstant(),
      endReason: reason,
      recordingSha256: recording?.sha256 ?? null,
      recordingBytes: recording?.size ?? null,
    };
    Object.assign(a.row, patch);
    await this.relays.update(a.row.id, patch);
    await this.relays.forgetCarriage(a.row.id).catch((err: Error) => this.log.warn(`relay ${a.row.id}: who played it not forgotten: ${err.message}`));
    this.active.delete(a.row.id);
    await this.cluster.release(a.row.id);
    this.log.log(`relay ${a.row.id} ${status}${reason ? `: ${reason}` : ''}`);
  }

  /**
   * Another instance took this relay over: stop encoding it without a live.stop (the agents go on with the
   * new owner) and without ending it.
   */
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
    this.recordings.drop(a.recording);
  }
}
