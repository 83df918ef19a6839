import { readFileSync } from 'node:fs';
import { WebSocketServer } from 'ws';
import { encodeLiveAudio, splitMp3 } from '@loa/protocol';

/**
 * The baseline of the fan-out benchmark: a bare `ws` server that broadcasts the same MP3 groups (same
 * header, same ~100 ms grouping, same pace) to the same clients. Whatever Loa spends above this is its own.
 */

type Command = { cmd: 'listen' } | { cmd: 'broadcast'; file: string; clients: number };

const RELAY = '00000000-0000-4000-8000-000000000000';
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const listening = new Promise<void>((r) => wss.once('listening', () => r()));

function groups(file: string): { payload: Buffer; durationMs: number }[] {
  const { frames } = splitMp3(readFileSync(file));
  const out: { payload: Buffer; durationMs: number }[] = [];
  let pending: Buffer[] = [];
  let ms = 0;
  for (const f of frames) {
    pending.push(f.data);
    ms += f.durationMs;
    if (ms >= 100) {
      out.push({ payload: Buffer.concat(pending), durationMs: ms });
      pending = [];
      ms = 0;
    }
  }
  if (pending.length) out.push({ payload: Buffer.concat(pending), durationMs: ms });
  return out;
}

async function broadcast(file: string, clients: number): Promise<void> {
  while (wss.clients.size < clients) await new Promise((r) => setTimeout(r, 50));
  const all = groups(file);
  const anchor = Date.now();
  let media = 0;
  for (const [seq, g] of all.entries()) {
    const at = anchor + media;
    const wait = at - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const message = encodeLiveAudio({ relayId: RELAY, seq, at, first: seq === 0, payload: g.payload });
    for (const ws of wss.clients) ws.send(message, { binary: true });
    media += g.durationMs;
  }
  process.send?.({ done: true, groups: all.length });
}

process.on('message', (m: Command) => {
  switch (m.cmd) {
    case 'listen':
      void listening.then(() => {
        const address = wss.address();
        process.send?.({ port: address !== null && typeof address === 'object' ? address.port : 0 });
      });
      return;
    case 'broadcast':
      broadcast(m.file, m.clients).catch((e: Error) => process.send?.({ error: e.message }));
      return;
  }
});
