import type { INestApplication } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { startInProcessServer } from '../../../../test/support/in-process';
import { LIVE_MIC_WS_PATH, MicCloseCode } from './live-mic.gateway';

/** What the server writes to its log while a client it has not signed in misbehaves on the microphone socket. */
describe('the microphone socket before sign-in', () => {
  let dir: string;
  let app: INestApplication;
  let base: string;
  const logged: string[] = [];
  const spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    ({ dir, app } = await startInProcessServer('loa-mic-refusal-', { LOG_LEVEL: 'warn' }));
    base = (await app.getUrl()).replace(/^http/, 'ws').replace('[::1]', '127.0.0.1');
    for (const stream of [process.stdout, process.stderr]) {
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
          return true;
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const s of spies) s.mockRestore();
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens a socket, sends `payload` at once, and resolves with the close code. */
  async function sendAndClose(query: string, payload: Buffer): Promise<number> {
    const socket = new WebSocket(`${base}${LIVE_MIC_WS_PATH}${query}`);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send(payload);
    return Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 10_000).unref())]);
  }

  /**
   * The upgrade request and, in the same write, the header of a masked binary frame announcing 2 MiB: the
   * server meets the oversized message before it has looked at the (missing) token. Resolves with the close
   * code of the server's first close frame.
   */
  function oversizedAtOnce(): Promise<number> {
    const { hostname, port } = new URL(base);
    const frame = Buffer.alloc(14);
    frame[0] = 0x82;
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(2 * 1024 * 1024), 2);
    const request =
      `GET ${LIVE_MIC_WS_PATH} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.alloc(16, 7).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(Buffer.concat([Buffer.from(request), frame])));
      let got = Buffer.alloc(0);
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(-1);
      }, 10_000);
      socket.on('data', (chunk) => {
        got = Buffer.concat([got, chunk]);
        const end = got.indexOf('\r\n\r\n');
        // After the 101 answer: an unmasked close frame, 0x88, its length, then the code.
        if (end >= 0 && got.length >= end + 8 && got[end + 4] === 0x88) {
          clearTimeout(timer);
          socket.destroy();
          resolve(got.readUInt16BE(end + 6));
        }
      });
      socket.on('error', reject);
    });
  }

  it('closes an oversized message from a client with no token with a close code and one WARN line, no ERROR and no stack', async () => {
    logged.length = 0;
    const code = await oversizedAtOnce();
    expect([1009, MicCloseCode.Unauthorized]).toContain(code);
    await new Promise((r) => setTimeout(r, 300));
    const text = logged.join('');
    expect(text).not.toMatch(/ERROR/);
    expect(text).not.toMatch(/\n\s+at /);
    const warnings = text.split('\n').filter((l) => /WARN/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/microphone/i);
  }, 60_000);

  it('refuses a client with no token with 4401, quietly', async () => {
    logged.length = 0;
    const code = await sendAndClose('', Buffer.alloc(64));
    expect(code).toBe(MicCloseCode.Unauthorized);
    await new Promise((r) => setTimeout(r, 300));
    expect(logged.join('')).not.toMatch(/ERROR|\n\s+at /);
  }, 60_000);
});
