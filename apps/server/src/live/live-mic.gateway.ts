import { Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { bearer } from '../auth/auth.guard';
import { AuthService } from '../auth/auth.service';
import { SessionRevocations } from '../auth/sessions';
import { LoaError } from '../common/errors';
import { LiveMicrophone } from './live-mic';
import { LiveQueries } from './live-queries';

/** Where a staff browser sends its microphone for a relay or emergency started with `sourceKind: "mic"`. */
export const LIVE_MIC_WS_PATH = '/api/live/mic';

export const MicCloseCode = {
  Unauthorized: 4401,
  Forbidden: 4403,
  NotFound: 4404,
  Busy: 4409,
} as const;

/** Ten seconds of 48 kHz mono 16-bit PCM: a browser sends 20–100 ms at a time. */
const MAX_MIC_MESSAGE = 960 * 1024;

/**
 * The staff microphone. Signed in with the user's access token (`?access_token=` since browsers cannot
 * set headers on a WebSocket), bound to one relay by `?relayId=`. Binary messages are raw PCM, 16-bit
 * little-endian, mono, 48 kHz (what an AudioWorklet gives after converting its floats); the text message
 * `end` ends the relay after what was sent has aired, as does closing the socket.
 */
@WebSocketGateway({ path: LIVE_MIC_WS_PATH, maxPayload: MAX_MIC_MESSAGE })
export class LiveMicGateway implements OnGatewayConnection {
  private readonly log = new Logger('LiveMic');

  constructor(
    private readonly auth: AuthService,
    private readonly live: LiveQueries,
    private readonly mic: LiveMicrophone,
    private readonly sessions: SessionRevocations,
  ) {}

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    const early: RawData[] = [];
    const hold = (data: RawData) => early.push(data);
    socket.on('message', hold);
    // A client's protocol error (an oversized message, a bad frame) is its fault, not the server's: one line, no stack.
    socket.on('error', (err) => this.log.warn(`microphone socket from ${req.socket.remoteAddress ?? '?'} closed: ${err.message}`));
    const url = new URL(req.url ?? '/', 'http://x');
    const token = bearer(req.headers['authorization']) ?? url.searchParams.get('access_token');
    const relayId = url.searchParams.get('relayId') ?? '';

    void this.open(token, relayId)
      .then((opened) => {
        if (typeof opened === 'number') {
          socket.close(opened, 'refused');
          return;
        }
        const { sink, userId } = opened;
        // Signing out, or an account change, silences the microphone at once.
        const revoked = this.sessions.of(userId).subscribe(() => socket.close(MicCloseCode.Unauthorized, 'session ended'));
        socket.on('close', () => revoked.unsubscribe());
        socket.off('message', hold);
        const onMessage = (data: RawData, isBinary: boolean) => {
          const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
          if (!isBinary) {
            if (buf.toString('utf8').trim() === 'end') sink.end();
            return;
          }
          // Whole samples only: an odd byte would shift every sample after it.
          if (buf.length % 2 === 0) sink.write(buf);
        };
        socket.on('message', onMessage);
        socket.on('close', () => sink.end());
        for (const data of early) onMessage(data, Buffer.isBuffer(data) || Array.isArray(data) || data instanceof ArrayBuffer);
        this.log.log(`microphone connected to relay ${relayId}`);
      })
      .catch((err: Error) => {
        this.log.error(`microphone connection failed: ${err.message}`);
        socket.close(1011, 'server error');
      });
  }

  /** The microphone's sink, or the close code that refuses it. */
  private async open(token: string | null, relayId: string): Promise<{ sink: { write(b: Buffer): boolean; end(): void }; userId: string } | number> {
    if (!token) return MicCloseCode.Unauthorized;
    let who;
    try {
      who = await this.auth.authenticate(token);
    } catch (e) {
      if (e instanceof LoaError) return MicCloseCode.Unauthorized;
      throw e;
    }
    if (who.kind !== 'user' || !['admin', 'editor', 'operator'].includes(who.role)) return MicCloseCode.Forbidden;
    if (!/^[0-9a-f-]{36}$/i.test(relayId)) return MicCloseCode.NotFound;
    const row = await this.live.get(relayId).catch(() => null);
    if (!row || row.sourceKind !== 'mic' || row.status !== 'live') return MicCloseCode.NotFound;
    // Only whoever started it (or an admin whose unit reaches all its stations) speaks on a relay.
    if (row.startedBy !== who.userId && (who.role !== 'admin' || !(await this.live.mayChange(relayId, who)))) return MicCloseCode.Forbidden;
    const sink = this.mic.attach(relayId);
    return sink ? { sink, userId: who.userId } : MicCloseCode.Busy;
  }
}
