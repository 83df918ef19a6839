import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { binaryFrame, textFrame } from './ws-frame';

describe('binaryFrame', () => {
  it('is read by a real ws client as the same binary message, at every length encoding, in order with text frames', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await once(server, 'listening');
    const accepted = new Promise<{ ws: WebSocket; transport: Duplex }>((resolve) => server.once('connection', (ws, req) => resolve({ ws, transport: req.socket })));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, { perMessageDeflate: false });
    const got: { data: Buffer; binary: boolean }[] = [];
    client.on('message', (data, binary) => got.push({ data: data as Buffer, binary }));
    await once(client, 'open');
    const { ws, transport } = await accepted;

    const sizes = [0, 1, 125, 126, 127, 836, 65535, 65536, 200_000];
    const payloads = sizes.map((n, i) => Buffer.alloc(n, i + 1));
    for (const [i, p] of payloads.entries()) {
      transport.write(binaryFrame(p));
      if (i % 2) transport.write(textFrame(`chữ ${i}`));
      else ws.send(`chữ ${i}`);
    }
    const deadline = Date.now() + 10_000;
    while (got.length < sizes.length * 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

    expect(got).toHaveLength(sizes.length * 2);
    payloads.forEach((p, i) => {
      expect(got[2 * i].binary).toBe(true);
      expect(got[2 * i].data.equals(p)).toBe(true);
      expect(got[2 * i + 1]).toEqual({ data: Buffer.from(`chữ ${i}`), binary: false });
    });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    client.close();
    await once(client, 'close');
    server.close();
  });

  it('puts the length where RFC 6455 says', () => {
    expect([...binaryFrame(Buffer.alloc(5)).subarray(0, 2)]).toEqual([0x82, 5]);
    expect([...textFrame('đ')]).toEqual([0x81, 2, 0xc4, 0x91]);
    expect([...binaryFrame(Buffer.alloc(300)).subarray(0, 4)]).toEqual([0x82, 126, 0x01, 0x2c]);
    expect([...binaryFrame(Buffer.alloc(70_000)).subarray(0, 10)]).toEqual([0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70]);
  });
});
