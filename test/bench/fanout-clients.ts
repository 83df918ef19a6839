import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { LIVE_HEADER_BYTES, type LiveStatusFrame } from '@loa/protocol';

/**
 * The simulated agents of the fan-out benchmark, in their own process: N WebSockets on loopback that take
 * binary audio frames, note each one's latency (server frame instant → receipt; same machine, same clock)
 * and report live status every two seconds like a real agent. Driven by the parent over IPC.
 */

/** `statusFor`: report live status for this relay from the start (the bare baseline sends no live.start). */
/** `events`: log each round's start as a playback event, as a real agent does. */
type Command = { cmd: 'connect'; url: string; tokens: string[]; statusFor?: string; events?: boolean } | { cmd: 'report' } | { cmd: 'close' };

const sockets: WebSocket[] = [];
let latencies: number[] = [];
/** Per group (by sequence number): the latest receipt's latency, to tell stalls of the sender from its loop length. */
let worstBySeq = new Map<number, number>();
let received: number[] = [];
let minSeq = Number.POSITIVE_INFINITY;
let maxSeq = -1;
let statusTimer: NodeJS.Timeout | null = null;
type Round = { relayId: string; round: number; startedAt?: string };
/** The round on air: a new object for each live.start. */
let current: Round | null = null;
/** The round each socket has reported as started, as a real agent reports it once it plays. */
const reported = new WeakMap<WebSocket, Round>();
let reportEvents = false;
/** The agents' jitter delay: they play each group at its instant plus this, all on the same beat. */
const PLAY_DELAY_MS = 500;

function send(msg: unknown): void {
  process.send?.(msg);
}

function open(url: string, token: string, index: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.on('message', (data, binary) => {
      const now = Date.now();
      if (!binary) {
        const text = (data as Buffer).toString();
        if (text.includes('"live.start"')) {
          const f = JSON.parse(text) as { relayId: string; round: number; startedAt: string };
          current = { relayId: f.relayId, round: f.round, startedAt: f.startedAt };
        }
        return;
      }
      // Only the header is read: the clients must cost as little as possible, or they become what is measured.
      const buf = data as Buffer;
      if (buf.length <= LIVE_HEADER_BYTES || buf[0] !== 0x4c || buf[1] !== 0x41) return;
      const seq = buf.readUInt32BE(4);
      const latency = now - buf.readDoubleBE(8);
      latencies.push(latency);
      if (latency > (worstBySeq.get(seq) ?? -Infinity)) worstBySeq.set(seq, latency);
      received[index]++;
      if (reportEvents && current?.startedAt && reported.get(ws) !== current) reportStarted(ws, current, buf.readDoubleBE(8));
      if (seq < minSeq) minSeq = seq;
      if (seq > maxSeq) maxSeq = seq;
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * Like a real agent, each one logs the round's start as a playback event when its first group goes on air
 * (its instant plus the jitter delay): two thousand of them in the same moment, while the audio flows.
 */
function reportStarted(ws: WebSocket, round: Round, firstAt: number): void {
  reported.set(ws, round);
  const plannedAt = round.startedAt!;
  setTimeout(
    () => {
      if (ws.readyState !== WebSocket.OPEN) return;
      const now = Date.now();
      const event = {
        id: randomUUID(),
        kind: 'started',
        occurrenceId: `live:${round.relayId}:${round.round}`,
        slotId: round.relayId,
        plannedAt,
        startedAt: new Date(now).toISOString(),
        startErrorMs: now - Date.parse(plannedAt),
        detail: 'Tiếp sóng trực tiếp.',
      };
      ws.send(JSON.stringify({ type: 'events', events: [event] }));
    },
    Math.max(0, firstAt + PLAY_DELAY_MS - Date.now()),
  );
}

async function connect(url: string, tokens: string[]): Promise<void> {
  received = tokens.map(() => 0);
  for (let i = 0; i < tokens.length; i += 100) {
    const batch = tokens.slice(i, i + 100);
    sockets.push(...(await Promise.all(batch.map((t, j) => open(url, t, i + j)))));
  }
  // Real agents report on their own timers, so their reports are spread over the 2 s: a twentieth every 100 ms.
  let tick = 0;
  statusTimer ??= setInterval(() => {
    if (!current) return;
    const frame: LiveStatusFrame = { type: 'live.status', relayId: current.relayId, round: current.round, playing: true, bufferMs: 500, lagMs: 500, gapMs: 0 };
    const text = JSON.stringify(frame);
    const phase = tick++ % 20;
    for (let i = phase; i < sockets.length; i += 20) if (sockets[i].readyState === WebSocket.OPEN) sockets[i].send(text);
  }, 100);
  send({ connected: sockets.filter((s) => s.readyState === WebSocket.OPEN).length });
}

function report(): void {
  const groups = maxSeq >= minSeq ? maxSeq - minSeq + 1 : 0;
  const dropped = received.reduce((n, r) => n + Math.max(0, groups - r), 0);
  const sorted = Float64Array.from(latencies).sort();
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : null);
  const worst = [...worstBySeq].sort((a, b) => b[1] - a[1]);
  const lastArrivals = Float64Array.from(worst.map(([, ms]) => ms)).sort();
  send({
    frames: groups,
    messages: latencies.length,
    dropped,
    p50: pct(50),
    p99: pct(99),
    open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length,
    lastArrivalMs: lastArrivals.length ? { p50: Math.round(lastArrivals[Math.floor(lastArrivals.length / 2)]), worst: worst.slice(0, 6).map(([seq, ms]) => `#${seq - minSeq}:${Math.round(ms)}`).join(' ') } : null,
  });
}

function closeAll(): void {
  if (statusTimer) clearInterval(statusTimer);
  statusTimer = null;
  for (const ws of sockets) ws.terminate();
  sockets.length = 0;
  latencies = [];
  worstBySeq = new Map();
  minSeq = Number.POSITIVE_INFINITY;
  maxSeq = -1;
  current = null;
  send({ closed: true });
}

process.on('message', (m: Command) => {
  switch (m.cmd) {
    case 'connect':
      if (m.statusFor) current = { relayId: m.statusFor, round: 1 };
      reportEvents = m.events === true;
      connect(m.url, m.tokens).catch((e: Error) => send({ error: e.message }));
      return;
    case 'report':
      report();
      return;
    case 'close':
      closeAll();
      return;
  }
});
