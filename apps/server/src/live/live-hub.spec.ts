import { Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import type { Clock } from '../common/clock';
import { binaryFrame } from './ws-frame';
import { LiveHub, MAX_BUFFERED_BYTES, STALL_MS, STUCK_AFTER_MS, type LiveLink } from './live-hub';

class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: unknown[] = [];
  terminated = false;
  send(data: unknown): void {
    this.sent.push(data);
  }
  /** The connection under it: audio is written here, framed. */
  write(data: unknown): boolean {
    this.sent.push(data);
    return true;
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
}

const RELAY = '2f1c7c3e-8a4b-4c8e-9f0a-1b2c3d4e5f60';

describe('LiveHub fan-out', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let now: number;
  let hub: LiveHub;
  let sockets: FakeSocket[];
  const frame = Buffer.from('audio');

  beforeEach(() => {
    now = 1_000_000;
    hub = new LiveHub({ now: () => now, nowInstant: () => new Date(now).toISOString() } as Clock);
    sockets = [0, 1, 2].map(() => new FakeSocket());
    sockets.forEach((socket, i) => hub.attach({ stationId: `s${i}`, stationName: `Trạm ${i}`, socket: socket as unknown as WebSocket, transport: socket } satisfies LiveLink));
  });

  const status = (id: string) => hub.onStatus(id, { type: 'live.status', relayId: RELAY, round: 1, playing: true, bufferMs: 500, lagMs: 500, gapMs: 0 });

  it('a connection with a full send buffer is skipped, the others get every frame, and it rejoins once drained', () => {
    sockets[1].bufferedAmount = MAX_BUFFERED_BYTES + 1;
    expect(hub.sendAudio(['s0', 's1', 's2'], frame)).toBe(2);
    expect(hub.sendAudio(['s0', 's1', 's2'], frame)).toBe(2);
    expect(sockets.map((s) => s.sent.length)).toEqual([2, 0, 2]);
    expect(sockets[0].sent[0]).toEqual(binaryFrame(frame));
    expect(hub.dropped('s1')).toBe(2);
    sockets[1].bufferedAmount = 0;
    expect(hub.sendAudio(['s0', 's1', 's2'], frame)).toBe(3);
    expect(sockets[1].terminated).toBe(false);
  });

  it('a connection that stays behind is disconnected so it can resync', () => {
    sockets[2].bufferedAmount = MAX_BUFFERED_BYTES + 1;
    for (let t = 0; t <= STUCK_AFTER_MS + 200; t += 100) {
      now += 100;
      ['s0', 's1', 's2'].forEach(status);
      hub.sendAudio(['s0', 's1', 's2'], frame);
    }
    expect(sockets[2].terminated).toBe(true);
    expect(hub.connected('s2')).toBe(false);
    expect(sockets[0].terminated || sockets[1].terminated).toBe(false);
    expect(sockets[0].sent.length).toBe(sockets[1].sent.length);
  });

  it('a connection that stops reporting while a round is on air is disconnected', () => {
    hub.sendControl(['s0', 's1'], { type: 'live.stop', relayId: RELAY, round: 1, reason: 'ended' });
    for (let t = 0; t <= STUCK_AFTER_MS + 200; t += 100) {
      now += 100;
      status('s0');
      hub.sendAudio(['s0', 's1'], frame);
    }
    expect(sockets[0].terminated).toBe(false);
    expect(sockets[1].terminated).toBe(true);
  });

  it('a stall of the instance itself (or of the groups on their way to it) is not blamed on its agents: their reports are read first', () => {
    const all = ['s0', 's1', 's2'];
    for (let t = 0; t < 2000; t += 100) {
      now += 100;
      all.forEach(status);
      hub.sendAudio(all, frame);
    }
    // Seven seconds without a group: the event loop stalled, or the bus held the groups back and now
    // delivers them in a burst. The agents' reports of those seconds wait unread in their sockets.
    now += STUCK_AFTER_MS + 1000;
    for (let k = 0; k < 40; k++) expect(hub.sendAudio(all, frame)).toBe(3);
    expect(sockets.some((s) => s.terminated)).toBe(false);
    expect(hub.stallCount()).toBe(1);
    // The reports are read; s2 has truly gone quiet: it is cut once it has been silent long enough after the stall.
    for (let t = 0; t <= STUCK_AFTER_MS + 200; t += 100) {
      now += 100;
      status('s0');
      status('s1');
      hub.sendAudio(all, frame);
    }
    expect(sockets.map((s) => s.terminated)).toEqual([false, false, true]);
  });

  it('the pause between one relay (or round) and the next is not counted as a stall', () => {
    const all = ['s0', 's1', 's2'];
    for (let t = 0; t < 1000; t += 100) {
      now += 100;
      hub.sendAudio(all, frame);
    }
    // Twenty-six seconds later the next relay starts: its live.start, then its groups every ~100 ms.
    now += 26_000;
    hub.sendControl(all, {
      type: 'live.start',
      relayId: RELAY,
      round: 1,
      kind: 'relay',
      priority: 'priority',
      title: 'Tiếp sóng',
      codec: 'mp3',
      sampleRate: 44100,
      channels: 1,
      startedAt: new Date(now).toISOString(),
    });
    now += 300;
    hub.sendAudio(all, frame);
    expect(hub.stallCount()).toBe(0);
    // A real stall inside the round still counts.
    now += STALL_MS + 500;
    hub.sendAudio(all, frame);
    expect(hub.stallCount()).toBe(1);
  });

  it('a stall does not cut an agent that was behind before it, until it stays behind long enough afterwards', () => {
    const all = ['s0', 's1', 's2'];
    sockets[2].bufferedAmount = MAX_BUFFERED_BYTES + 1;
    now += 100;
    all.forEach(status);
    hub.sendAudio(all, frame);
    now += STUCK_AFTER_MS + STALL_MS;
    all.forEach(status);
    hub.sendAudio(all, frame);
    expect(sockets[2].terminated).toBe(false);
    for (let t = 0; t <= STUCK_AFTER_MS + 200; t += 100) {
      now += 100;
      all.forEach(status);
      hub.sendAudio(all, frame);
    }
    expect(sockets[2].terminated).toBe(true);
    expect(sockets[0].terminated || sockets[1].terminated).toBe(false);
  });

  it('the same target list follows agents that leave, come back on a new socket, or connect late', () => {
    const targets = ['s0', 's1', 's2', 's3'];
    expect(hub.sendAudio(targets, frame)).toBe(3);
    const link = (id: string, socket: FakeSocket): LiveLink => ({ stationId: id, stationName: id, socket: socket as unknown as WebSocket, transport: socket });
    const late = new FakeSocket();
    const lateLink = link('s3', late);
    hub.attach(lateLink);
    const renewed = new FakeSocket();
    hub.attach(link('s1', renewed));
    expect(hub.sendAudio(targets, frame)).toBe(4);
    expect(sockets[1].sent).toHaveLength(1); // the replaced socket gets nothing more
    expect(renewed.sent).toHaveLength(1);
    expect(late.sent).toHaveLength(1);
    hub.detach(link('s3', late)); // not the link that is attached: nothing changes
    expect(hub.sendAudio(targets, frame)).toBe(4);
    hub.detach(lateLink);
    expect(hub.sendAudio(targets, frame)).toBe(3);
    expect(late.sent).toHaveLength(2);
    expect(sockets[0].sent).toHaveLength(4);
  });

  it('sends nothing to stations that are not targets or not connected', () => {
    expect(hub.sendAudio(['s0', 'nowhere'], frame)).toBe(1);
    expect(sockets[1].sent).toHaveLength(0);
  });
});
