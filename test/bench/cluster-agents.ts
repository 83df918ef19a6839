import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { CloseCode, LIVE_HEADER_BYTES, PROTOCOL_VERSION, type PlaybackEvent } from '@loa/protocol';
import { backoffDelay, LINK_BACKOFF } from '../../apps/agent/src/link';
import { HIST_FROM_MS, HIST_STEP_MS, type AgentsCommand, type AgentsCounts, type AgentsReport } from './cluster-wire';

/**
 * Simulated station agents for the cluster benchmark: bare `ws` clients that speak the agent protocol
 * (hello, schedule, events and their acks, live.start/stop, binary audio, live.status every 2 s), one
 * forked process holding a share of them. Like the real agent each is given a list of server URLs, moves
 * down it when its connection drops (full-jitter backoff), and resends every unacknowledged event on each
 * new connection. Memory stays bounded: a fixed latency histogram and one counter per agent, whatever the
 * length of the run. Driven by the parent over IPC; pushes its counts every 200 ms.
 */

interface Item {
  occurrenceId: string;
  slotId: string;
  startAt: string;
  durationMs: number;
}

interface Agent {
  token: string;
  urls: string[];
  /** Which of `urls` it is on or trying. */
  at: number;
  ws: WebSocket | null;
  /** The URL of the open connection, or null. */
  on: string | null;
  synced: boolean;
  attempt: number;
  openedAt: number;
  /** Asked to move to `urls[0]`: its next connection goes there, after `moveDelayMs`. */
  moving: boolean;
  items: Item[];
  pending: Map<string, PlaybackEvent>;
  acked: string[];
  live: { relayId: string; round: number } | null;
  /** Audio groups received while measuring. */
  received: number;
}

const HIST_SIZE = 300_000;

const agents: Agent[] = [];
let histogram = new Uint32Array(HIST_SIZE);
let measuring = false;
/** The groups seen while measuring, by sequence number: a takeover's jump in the numbering is not a loss. */
let seqs = new Set<number>();
/** When the first group arrived while measuring (wall-clock ms), 0 before it. */
let firstAt = 0;
let errors = 0;
let closes = 0;
/** Set once the run is over: closed connections are not reopened. */
let stopping = false;

function send(msg: unknown): void {
  process.send?.(msg);
}

/** Wall-clock ms with sub-ms precision, on the same clock as the servers' Date.now() (same machine). */
function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

function sendFrame(a: Agent, frame: unknown): void {
  if (a.ws?.readyState === WebSocket.OPEN) a.ws.send(JSON.stringify(frame));
}

function resend(a: Agent): void {
  if (!a.synced || !a.pending.size) return;
  const events = [...a.pending.values()];
  for (let k = 0; k < events.length; k += 500) sendFrame(a, { type: 'events', events: events.slice(k, k + 500) });
}

function connect(a: Agent): void {
  const url = a.urls[a.at % a.urls.length];
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${a.token}` }, perMessageDeflate: false });
  a.ws = ws;
  ws.on('open', () => {
    a.on = url;
    a.openedAt = Date.now();
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, agentVersion: 'bench', scheduleVersion: null, cached: [] }));
  });
  ws.on('message', (data: Buffer, binary: boolean) => (binary ? onAudio(a, data) : onText(a, data)));
  ws.on('error', () => undefined);
  ws.on('close', (code: number) => {
    if (a.ws !== ws || stopping) return;
    closes++;
    a.ws = null;
    a.on = null;
    a.synced = false;
    a.live = null;
    let delay: number;
    if (a.moving) {
      a.moving = false;
      a.at = 0;
      a.attempt = 0;
      delay = 0;
    } else {
      // As the real agent's link: a replaced connection stays on its server, anything else moves down the list.
      if (code !== CloseCode.Replaced) a.at = (a.at + 1) % a.urls.length;
      // The real agent's pacing, so the failover measured is the one stations would see.
      if (a.openedAt && Date.now() - a.openedAt > LINK_BACKOFF.stableAfterMs) a.attempt = 0;
      delay = backoffDelay(a.attempt, LINK_BACKOFF.backoffBaseMs, LINK_BACKOFF.backoffMaxMs);
      a.attempt = Math.min(a.attempt + 1, 30);
    }
    a.openedAt = 0;
    setTimeout(() => connect(a), delay);
  });
}

function onText(a: Agent, data: Buffer): void {
  const frame = JSON.parse(data.toString()) as { type: string } & Record<string, unknown>;
  switch (frame.type) {
    case 'schedule': {
      const snapshot = frame.snapshot as { items: Item[] };
      a.items = snapshot.items
        .map((i) => ({ occurrenceId: i.occurrenceId, slotId: i.slotId, startAt: i.startAt, durationMs: i.durationMs }))
        .sort((x, y) => x.startAt.localeCompare(y.startAt));
      a.synced = true;
      resend(a);
      return;
    }
    case 'ack':
      for (const id of frame.ids as string[]) if (a.pending.delete(id)) a.acked.push(id);
      return;
    case 'live.start':
      a.live = { relayId: frame.relayId as string, round: frame.round as number };
      return;
    case 'live.stop':
      a.live = null;
      return;
    case 'error':
      if (errors++ < 5) process.stderr.write(`[agents] server error: ${data.toString().slice(0, 300)}\n`);
      return;
  }
}

/** Only the header is read: the simulator must cost little, or it becomes what is measured. */
function onAudio(a: Agent, buf: Buffer): void {
  const now = wallMs();
  if (!measuring || buf.length <= LIVE_HEADER_BYTES || buf[0] !== 0x4c || buf[1] !== 0x41) return;
  const seq = buf.readUInt32BE(4);
  const latency = now - buf.readDoubleBE(8);
  const bucket = Math.min(HIST_SIZE - 1, Math.max(0, Math.floor((latency - HIST_FROM_MS) / HIST_STEP_MS)));
  histogram[bucket]++;
  a.received++;
  seqs.add(seq);
  if (!firstAt) firstAt = now;
}

/** Every agent in a round reports live status every 2 s, on its own phase: a twentieth of them each 100 ms. */
let tick = 0;
const statusTimer = setInterval(() => {
  const phase = tick++ % 20;
  for (let i = phase; i < agents.length; i += 20) {
    const a = agents[i];
    if (a.live) sendFrame(a, { type: 'live.status', relayId: a.live.relayId, round: a.live.round, playing: true, bufferMs: 500, lagMs: 500, gapMs: 0 });
  }
}, 100);

function counts(): AgentsCounts {
  const on: Record<string, number> = {};
  let connected = 0;
  let synced = 0;
  let pending = 0;
  let acked = 0;
  for (const a of agents) {
    if (a.on) {
      connected++;
      on[a.on] = (on[a.on] ?? 0) + 1;
    }
    if (a.synced) synced++;
    pending += a.pending.size;
    acked += a.acked.length;
  }
  return { connected, synced, on, pending, acked, errors, closes };
}
const countsTimer = setInterval(() => send({ counts: counts() }), 200);

/** Opens the connections a hundred at a time, each batch once the previous one is open or failed. */
async function start(list: { token: string; urls: string[] }[]): Promise<void> {
  for (const { token, urls } of list) {
    agents.push({ token, urls, at: 0, ws: null, on: null, synced: false, attempt: 0, openedAt: 0, moving: false, items: [], pending: new Map(), acked: [], live: null, received: 0 });
  }
  for (let i = 0; i < agents.length; i += 100) {
    const batch = agents.slice(i, i + 100);
    for (const a of batch) connect(a);
    const until = Date.now() + 10_000;
    while (batch.some((a) => !a.on) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }
}

/** New URL lists; an agent whose connection is not on the first of its new list moves there, within `spreadMs`. */
function target(urls: string[][], spreadMs: number): void {
  agents.forEach((a, i) => {
    a.urls = urls[i];
    // Its next connection, whenever it comes, goes to the head of the new list.
    a.at = 0;
    if (a.on === a.urls[0]) return;
    const ws = a.ws;
    if (!ws) return;
    setTimeout(() => {
      if (a.ws !== ws || a.on === a.urls[0]) return;
      a.moving = true;
      ws.close(1000, 'moving');
    }, Math.random() * spreadMs);
  });
}

/** Each agent reports `count` airings from item `from` of its snapshot as finished. */
function events(from: number, count: number): void {
  for (const a of agents) {
    for (const item of a.items.slice(from, from + count)) {
      const id = randomUUID();
      a.pending.set(id, {
        id,
        kind: 'finished',
        occurrenceId: item.occurrenceId,
        slotId: item.slotId,
        plannedAt: item.startAt,
        startedAt: item.startAt,
        endedAt: new Date(Date.parse(item.startAt) + item.durationMs).toISOString(),
        startErrorMs: 0,
        playedMs: item.durationMs,
      });
    }
    resend(a);
  }
}

function report(): AgentsReport {
  const pairs: [number, number][] = [];
  for (let i = 0; i < HIST_SIZE; i++) if (histogram[i]) pairs.push([i, histogram[i]]);
  return { histogram: pairs, received: agents.map((a) => a.received), seqs: [...seqs], firstAt };
}

process.on('message', (m: AgentsCommand) => {
  switch (m.cmd) {
    case 'start':
      start(m.agents).then(
        () => send({ started: true }),
        (e: Error) => send({ error: e.message }),
      );
      return;
    case 'target':
      target(m.urls, m.spreadMs);
      send({ targeted: true });
      return;
    case 'measure':
      histogram = new Uint32Array(HIST_SIZE);
      for (const a of agents) a.received = 0;
      seqs = new Set();
      firstAt = 0;
      measuring = true;
      send({ measuring: true });
      return;
    case 'report':
      measuring = false;
      send({ report: report() });
      return;
    case 'events':
      events(m.from, m.count);
      send({ sent: true });
      return;
    case 'acked':
      stopping = true;
      clearInterval(statusTimer);
      clearInterval(countsTimer);
      send({ ackedIds: agents.flatMap((a) => a.acked), counts: counts() });
      for (const a of agents) a.ws?.terminate();
      return;
  }
});
