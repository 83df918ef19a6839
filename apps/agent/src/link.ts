import WebSocket from 'ws';
import { CloseCode, parseServerFrame, type AgentToServer, type ServerToAgent } from '@loa/protocol';
import { SyncedClock, type Clock } from './clock';
import { errorText, type Logger } from './log';

export interface LinkOptions {
  /** The agent endpoint of each server instance, tried in turn: a drop or a failed attempt moves to the next. */
  urls: readonly string[];
  token: string;
  log: Logger;
  /** Called on every validated frame. */
  onFrame: (frame: ServerToAgent) => void;
  onOpen: () => void;
  /** Binary messages: live audio (libs/protocol/src/live.ts). */
  onBinary?: (data: Buffer) => void;
  onClose?: () => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** After this long connected, the next drop starts the backoff from scratch. */
  stableAfterMs?: number;
  /** Wait between attempts while the server refuses the token: an operator has to fix it first. */
  refusedRetryMs?: number;
  random?: () => number;
  /** The agent's clock: how long the link stayed up and when a warning was last written are read on its local time. */
  clock?: Clock;
}

/** Full jitter: a random wait in [0, min(cap, base·2^attempt)], so many stations don't reconnect in step. */
/** The link's reconnection pacing unless told otherwise: full jitter from 0.5 s up to 30 s, reset after 30 s connected. */
export const LINK_BACKOFF = { backoffBaseMs: 500, backoffMaxMs: 30_000, stableAfterMs: 30_000 } as const;

export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

/**
 * The WebSocket to the server, kept open for as long as the agent runs. Never throws and never gives up:
 * a station may be offline for days, or its token may be fixed by an operator at any time.
 */
export class Link {
  private ws: WebSocket | null = null;
  private index = 0;
  private attempt = 0;
  private openedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private refused = false;
  private lastWarning = '';
  private lastWarningAt = 0;
  private readonly o: Required<Omit<LinkOptions, 'onClose' | 'onBinary'>> & Pick<LinkOptions, 'onClose' | 'onBinary'>;

  constructor(options: LinkOptions) {
    if (options.urls.length === 0) throw new Error('no server URL');
    this.o = { ...LINK_BACKOFF, refusedRetryMs: 60_000, random: Math.random, clock: new SyncedClock(), ...options };
  }

  /** Which of `urls` the link is on (connected, or trying); files are fetched from that server too. */
  get serverIndex(): number {
    return this.index;
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Sends if connected; returns false otherwise (the caller keeps what must not be lost). */
  send(frame: AgentToServer): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
      ws.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      ws.close(1000, 'agent stopping');
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const url = this.o.urls[this.index];
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${this.o.token}` },
      handshakeTimeout: 15_000,
      maxPayload: 8 * 1024 * 1024,
    });
    this.ws = ws;
    ws.on('open', () => {
      this.openedAt = this.o.clock.localNow();
      if (this.refused) this.o.log.info('Máy chủ đã chấp nhận mã trạm.');
      this.refused = false;
      this.lastWarning = '';
      this.o.log.info(`Đã kết nối máy chủ ${url}`);
      this.o.onOpen();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        this.onBinary(data);
        return;
      }
      const parsed = parseServerFrame(data);
      if (!parsed.ok) {
        this.o.log.warn(`Bỏ qua gói tin không hợp lệ từ máy chủ: ${parsed.message} ${(parsed.issues ?? []).join('; ')}`);
        return;
      }
      try {
        this.o.onFrame(parsed.frame);
      } catch (e) {
        this.o.log.error(`Lỗi khi xử lý gói tin "${parsed.frame.type}": ${errorText(e)}`);
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      // The upgrade was refused with a plain HTTP status: read it like the matching close code.
      const code = res.statusCode === 401 ? CloseCode.Unauthorized : res.statusCode === 403 ? CloseCode.Revoked : 1006;
      res.resume();
      ws.terminate();
      this.handleClose(ws, code, `HTTP ${res.statusCode}`);
    });
    ws.on('error', (e) => {
      if (ws.readyState !== WebSocket.OPEN) this.warnOnce(`Không kết nối được máy chủ: ${errorText(e)}`);
    });
    ws.on('close', (code, reason) => this.handleClose(ws, code, reason.toString()));
  }

  private onBinary(data: WebSocket.RawData): void {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    try {
      this.o.onBinary?.(buf);
    } catch (e) {
      this.o.log.error(`Lỗi khi xử lý âm thanh trực tiếp: ${errorText(e)}`);
    }
  }

  /** Offline for days means thousands of attempts: repeat the same complaint only every ten minutes. */
  private warnOnce(message: string): void {
    const now = this.o.clock.localNow();
    if (message === this.lastWarning && now - this.lastWarningAt < 10 * 60_000) return;
    this.lastWarning = message;
    this.lastWarningAt = now;
    this.o.log.warn(message);
  }

  private handleClose(ws: WebSocket, code: number, reason: string): void {
    if (this.ws !== ws) return;
    this.ws = null;
    const wasOpen = this.openedAt > 0;
    if (wasOpen && this.o.clock.localNow() - this.openedAt >= this.o.stableAfterMs) this.attempt = 0;
    this.openedAt = 0;
    if (wasOpen) this.o.onClose?.();
    if (this.stopped) return;

    let delay: number;
    if (code === CloseCode.Unauthorized || code === CloseCode.Revoked) {
      this.refused = true;
      this.o.log.error(
        code === CloseCode.Unauthorized
          ? 'Máy chủ từ chối mã trạm (LOA_STATION_TOKEN sai hoặc không tồn tại). Trạm vẫn phát theo lịch đã lưu; hãy kiểm tra lại mã trạm.'
          : 'Mã trạm đã bị thu hồi hoặc đổi trên máy chủ. Trạm vẫn phát theo lịch đã lưu; hãy cập nhật mã trạm mới.',
      );
      delay = this.o.refusedRetryMs / 2 + backoffDelay(0, this.o.refusedRetryMs / 2, this.o.refusedRetryMs, this.o.random);
    } else {
      if (code === CloseCode.Replaced) this.o.log.warn('Một kết nối khác của trạm này đã thay thế kết nối hiện tại.');
      else if (wasOpen) this.o.log.warn(`Mất kết nối máy chủ (mã ${code}${reason ? `: ${reason}` : ''})`);
      // The instance that dropped or refused the connection may be gone: the next try goes to the next one.
      // Replaced means this station is connected elsewhere, which is no reason to move.
      if (code !== CloseCode.Replaced) this.index = (this.index + 1) % this.o.urls.length;
      delay = backoffDelay(this.attempt, this.o.backoffBaseMs, this.o.backoffMaxMs, this.o.random);
      if (code === CloseCode.Replaced) delay = Math.max(delay, this.o.backoffMaxMs / 2);
      this.attempt = Math.min(this.attempt + 1, 30);
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }
}
