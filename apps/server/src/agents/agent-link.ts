import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import { type AgentHealth, fromInstant, PROTOCOL_VERSION, type ServerToAgent, type StatusFrame } from '@loa/protocol';

/** One connected station agent, as the gateway sees it. */
export class AgentLink {
  status: Omit<StatusFrame, 'type'> | null = null;
  agentVersion: string | null = null;
  /** The box's own last report (disk, clock, temperature, missing files). */
  health: AgentHealth | null = null;
  /** When its last frame arrived, epoch ms: noted for every frame, formatted only when asked. */
  lastFrameMs: number;
  /** Frames are handled one after another, so an agent's events are stored in the order it sent them. */
  private queue: Promise<void> = Promise.resolve();
  alive = true;

  constructor(
    readonly socket: WebSocket,
    /** The TCP connection under `socket`, where live audio framed once for every agent is written. */
    readonly transport: Writable,
    readonly stationId: string,
    readonly stationName: string,
    readonly remote: string,
    readonly connectedAt: string,
  ) {
    this.lastFrameMs = fromInstant(connectedAt);
  }

  send(frame: ServerToAgent): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work, work);
  }

  welcome(serverTime: string): void {
    this.send({ type: 'welcome', protocol: PROTOCOL_VERSION, stationId: this.stationId, stationName: this.stationName, serverTime });
  }
}
