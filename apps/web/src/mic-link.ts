/** What the microphone link needs of a browser WebSocket (a fake one in the specs). */
export interface MicSocket {
  readonly readyState: number;
  binaryType: string;
  onopen: ((e: Event) => void) | null;
  onclose: ((e: CloseEvent) => void) | null;
  send(data: ArrayBuffer | string): void;
  close(code?: number): void;
}

/** Close codes by which the server refuses the microphone for good: signed out, not allowed, relay over, taken. */
export const MIC_REFUSALS = new Set([4401, 4403, 4404, 4409]);

/**
 * How long the page keeps trying after its socket dropped. The instance that took a relay over from a dead
 * one waits this long for the microphone before it ends the relay, whichever instance the browser reaches.
 */
export const MIC_RECONNECT_WINDOW_MS = 30_000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 4_000;
const WS_OPEN = 1;

export interface MicLinkOptions {
  open(): MicSocket;
  /** Told when the link drops (true) and when it is back (false), so the page can say so. */
  onReconnecting(reconnecting: boolean): void;
  /** The link ended: `code` is the last close code, null when the page stopped it. */
  onEnd(code: number | null): void;
  now?: () => number;
  random?: () => number;
}

/**
 * The microphone's socket to the server, opened again when it drops for any reason other than a refusal
 * (the instance encoding the relay died, the network blinked): the server that carries the relay on accepts
 * the microphone within the reconnect window. Audio captured while it is down is not kept: a live voice
 * that arrives seconds late is worse than a gap.
 */
export class MicLink {
  private socket: MicSocket | null = null;
  private stopped = false;
  private droppedAt = 0;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly o: MicLinkOptions) {
    this.now = o.now ?? (() => Date.now());
    this.random = o.random ?? Math.random;
    this.connect();
  }

  /** Sends a piece of PCM when the socket is open; dropped otherwise. */
  send(pcm: ArrayBuffer): void {
    if (this.socket?.readyState === WS_OPEN) this.socket.send(pcm);
  }

  /** Ends the relay after what was sent has aired (or at once when the socket is down). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const s = this.socket;
    if (s && s.readyState === WS_OPEN) {
      s.send('end');
      s.close(1000);
      return;
    }
    s?.close();
    this.socket = null;
    this.o.onEnd(null);
  }

  private connect(): void {
    const s = this.o.open();
    s.binaryType = 'arraybuffer';
    this.socket = s;
    s.onopen = () => {
      if (this.socket !== s) return;
      if (this.droppedAt) this.o.onReconnecting(false);
      this.droppedAt = 0;
      this.attempt = 0;
    };
    s.onclose = (e) => {
      if (this.socket !== s) return;
      this.socket = null;
      if (this.stopped) return this.o.onEnd(null);
      const now = this.now();
      if (MIC_REFUSALS.has(e.code) || (this.droppedAt && now - this.droppedAt >= MIC_RECONNECT_WINDOW_MS)) return this.o.onEnd(e.code);
      if (!this.droppedAt) {
        this.droppedAt = now;
        this.o.onReconnecting(true);
      }
      // Jittered, so many consoles of one dead instance do not all knock at once; never past the window.
      const delay = Math.min(FIRST_RETRY_MS + Math.floor(this.random() * Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.attempt++)), Math.max(0, this.droppedAt + MIC_RECONNECT_WINDOW_MS - now));
      this.retry = setTimeout(() => {
        this.retry = null;
        if (!this.stopped) this.connect();
      }, delay);
    };
  }
}
