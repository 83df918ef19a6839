import { Injectable, Logger } from '@nestjs/common';
import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { LiveStartFrame, LiveStatusFrame, LiveStopFrame } from '@loa/protocol';
import { Clock } from '../common/clock';
import { binaryFrame, textFrame } from './ws-frame';

/** What the hub needs of an agent's connection. */
export interface LiveLink {
  readonly stationId: string;
  readonly stationName: string;
  readonly socket: WebSocket;
  /**
   * The TCP connection under `socket` (the upgrade request's socket). Live audio, framed once for every
   * agent, is written straight to it; everything else goes through `socket`, and both write in order.
   */
  readonly transport: Pick<Writable, 'write'>;
}

/** Above this much unsent audio an agent is behind: it gets no more frames until it drains (cut to the live point). */
export const MAX_BUFFERED_BYTES = 48 * 1024;
/** Below this it gets frames again. */
const RESUME_BUFFERED_BYTES = 8 * 1024;
/** Behind this long, or silent this long while a round is on air, and the agent is disconnected; it resyncs on return. */
export const STUCK_AFTER_MS = 6000;
/**
 * Audio groups come every ~100 ms while a round is on air. A longer gap between two of them means this
 * instance did not run (its event loop stalled: a long collection, a starved CPU) or the groups did not
 * reach it (the bus link paused): the agents' reports and acknowledged bytes then wait unread in the
 * sockets, and none of them is judged silent or behind for that time.
 */
export const STALL_MS = 1000;

interface Carrier {
  link: LiveLink;
  /** Since when frames are withheld from it, or 0. */
  behindSince: number;
  dropped: number;
  /** Last live.status, or when the round started for it. */
  lastStatusAt: number;
  status: LiveStatusFrame | null;
}

export interface HubListener {
  onAgentConnected(stationId: string): void;
  onAgentStatus(stationId: string, status: LiveStatusFrame): void;
}

/**
 * The live side of the agents' WebSocket: which agents are connected, and the fan-out of encoded audio to
 * them. Each send is non-blocking; a connection whose send buffer fills is skipped (it rejoins at the live
 * point once it drains), and one that stays behind or stops answering is disconnected, so one slow commune
 * never holds back the rest.
 */
@Injectable()
export class LiveHub {
  private readonly log = new Logger('LiveHub');
  private readonly carriers = new Map<string, Carrier>();
  /** Bumped whenever an agent comes or goes: the audiences below are looked up again after it changes. */
  private generation = 0;
  /**
   * The connected carriers of a list of stations (a round's targets), found once and reused for every
   * frame while nobody connects or leaves, so the fan-out loop does no lookups of its own.
   */
  private readonly audiences = new WeakMap<readonly string[], { generation: number; carriers: Carrier[] }>();
  private listener: HubListener | null = null;
  /** When the fan-out last ran, and when it last came back from a stall (its agents' watchdogs count from there). */
  private lastFanoutAt = 0;
  /** When a live.start was last sent. */
  private lastStartAt = 0;
  private excusedFrom = 0;
  private stalls = 0;

  constructor(private readonly clock: Clock) {}

  setListener(listener: HubListener): void {
    this.listener = listener;
  }

  /** An agent connected (or reconnected): it may need to join what is live now. */
  attach(link: LiveLink): void {
    this.carriers.set(link.stationId, { link, behindSince: 0, dropped: 0, lastStatusAt: this.clock.now(), status: null });
    this.generation++;
    this.listener?.onAgentConnected(link.stationId);
  }

  detach(link: LiveLink): void {
    if (this.carriers.get(link.stationId)?.link === link) {
      this.carriers.delete(link.stationId);
      this.generation++;
    }
  }

  connected(stationId: string): boolean {
    return this.carriers.has(stationId);
  }

  onStatus(stationId: string, status: LiveStatusFrame): void {
    const c = this.carriers.get(stationId);
    if (!c) return;
    c.lastStatusAt = this.clock.now();
    c.status = status;
    this.listener?.onAgentStatus(stationId, status);
  }

  /** Frames dropped for this agent since it connected. */
  dropped(stationId: string): number {
    return this.carriers.get(stationId)?.dropped ?? 0;
  }

  /** Sends a live.start or live.stop to every connected target, framed once like the audio that follows it. */
  sendControl(stationIds: Iterable<string>, frame: LiveStartFrame | LiveStopFrame): void {
    const framed = textFrame(JSON.stringify(frame));
    const now = this.clock.now();
    for (const id of stationIds) {
      const c = this.carriers.get(id);
      if (!c || c.link.socket.readyState !== c.link.socket.OPEN) continue;
      if (frame.type === 'live.start') {
        c.lastStatusAt = now;
        c.behindSince = 0;
      }
      c.link.transport.write(framed);
    }
    // The pause before a round (since the last relay, or between rounds) is no stall of this instance: the
    // gap before the round's first group counts from its live.start.
    if (frame.type === 'live.start') this.lastStartAt = now;
  }

  private audience(stationIds: readonly string[]): Carrier[] {
    const known = this.audiences.get(stationIds);
    if (known?.generation === this.generation) return known.carriers;
    const carriers: Carrier[] = [];
    for (const id of stationIds) {
      const c = this.carriers.get(id);
      if (c) carriers.push(c);
    }
    this.audiences.set(stationIds, { generation: this.generation, carriers });
    return carriers;
  }

  /**
   * Sends one binary audio message to every connected target; returns how many got it. The message is
   * framed once and the same bytes are written to every connection (the agents' endpoint has no
   * permessage-deflate, so nothing is compressed per agent). Give the same array for every frame of a
   * round: its carriers are then found only once.
   */
  sendAudio(stationIds: readonly string[], message: Buffer): number {
    const now = this.clock.now();
    this.noteStall(now);
    const framed = binaryFrame(message);
    let sent = 0;
    for (const c of this.audience(stationIds)) {
      const socket = c.link.socket;
      if (socket.readyState !== socket.OPEN) continue;
      const buffered = socket.bufferedAmount;
      if (c.behindSince) {
        if (buffered > RESUME_BUFFERED_BYTES) {
          c.dropped++;
          if (now - Math.max(c.behindSince, this.excusedFrom) > STUCK_AFTER_MS) this.drop(c, `không nhận kịp âm thanh trực tiếp trong ${Math.round((now - c.behindSince) / 1000)} giây`);
          continue;
        }
        this.log.warn(`agent of "${c.link.stationName}" caught up: rejoins at the live point after ${c.dropped} dropped frames`);
        c.behindSince = 0;
      } else if (buffered > MAX_BUFFERED_BYTES) {
        c.behindSince = now;
        c.dropped++;
        this.log.warn(`agent of "${c.link.stationName}" is behind (${buffered} bytes unsent): frames withheld until it drains`);
        continue;
      }
      if (now - Math.max(c.lastStatusAt, this.excusedFrom) > STUCK_AFTER_MS) {
        this.drop(c, `không báo trạng thái trực tiếp trong ${Math.round((now - c.lastStatusAt) / 1000)} giây`);
        continue;
      }
      c.link.transport.write(framed);
      sent++;
    }
    return sent;
  }

  /** How often the fan-out came back from a stall since this instance started. */
  stallCount(): number {
    return this.stalls;
  }

  /**
   * A gap since the last group that no agent caused: from now on each agent's silence or backlog counts
   * afresh, and the reports that waited in the sockets are read before anyone is judged. A round's first
   * group is measured from its live.start, not from the previous round's last group.
   */
  private noteStall(now: number): void {
    const gap = now - Math.max(this.lastFanoutAt, this.lastStartAt);
    if (this.lastFanoutAt && gap > STALL_MS) {
      this.excusedFrom = now;
      this.stalls++;
      if (gap < 30_000) this.log.warn(`live fan-out resumed after ${gap} ms without audio groups (this instance stalled, or the groups were held up on their way): agents' watchdogs start again`);
    }
    this.lastFanoutAt = now;
  }

  /** Disconnects an agent that cannot keep up; it reconnects by itself and joins at the live point. */
  private drop(c: Carrier, why: string): void {
    this.log.warn(`agent of "${c.link.stationName}" disconnected to resync: ${why}`);
    if (this.carriers.get(c.link.stationId) === c) {
      this.carriers.delete(c.link.stationId);
      this.generation++;
    }
    c.link.socket.terminate();
  }
}
