import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MIC_RECONNECT_WINDOW_MS, MicLink, type MicSocket } from './mic-link';

/** A browser WebSocket stand-in: the spec opens and closes it as the server would. */
class FakeSocket implements MicSocket {
  readyState = 0;
  binaryType = 'blob';
  onopen: ((e: Event) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  sent: (ArrayBuffer | string)[] = [];
  closedWith: number | undefined | null = null;

  send(data: ArrayBuffer | string): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.drop(code ?? 1005);
  }
  accept(): void {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }
  drop(code: number): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
}

function harness() {
  const sockets: FakeSocket[] = [];
  const states: boolean[] = [];
  const ends: (number | null)[] = [];
  const link = new MicLink({
    open: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    onReconnecting: (on) => states.push(on),
    onEnd: (code) => ends.push(code),
    now: () => Date.now(),
    random: () => 0.5,
  });
  return { link, sockets, states, ends, last: () => sockets[sockets.length - 1] };
}

describe('the microphone link', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-12-05T03:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('opens the socket again after it drops, says so, and sends the microphone on the new one', async () => {
    const h = harness();
    h.last().accept();
    h.link.send(new ArrayBuffer(4));
    expect(h.sockets[0].sent).toHaveLength(1);

    // The instance encoding the relay died: no close frame (1006).
    h.sockets[0].drop(1006);
    expect(h.states).toEqual([true]);
    expect(h.ends).toEqual([]);
    // Nothing is sent while it is down.
    h.link.send(new ArrayBuffer(4));
    expect(h.sockets[0].sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(h.sockets.length).toBeGreaterThanOrEqual(2);

    // The load balancer sends it to a survivor, which has not taken the relay over yet and refuses with a
    // server error; the next try is accepted.
    h.last().drop(1011);
    await vi.advanceTimersByTimeAsync(5_000);
    const back = h.last();
    expect(back).not.toBe(h.sockets[1]);
    back.accept();
    expect(h.states).toEqual([true, false]);
    h.link.send(new ArrayBuffer(4));
    expect(back.sent).toHaveLength(1);
    expect(back.binaryType).toBe('arraybuffer');
    expect(h.ends).toEqual([]);

    h.link.stop();
    expect(back.sent).toEqual([expect.any(ArrayBuffer), 'end']);
    expect(back.closedWith).toBe(1000);
    expect(h.ends).toEqual([null]);
  });

  it('gives up when no instance takes the microphone within the window, and reports the drop', async () => {
    const h = harness();
    h.last().accept();
    h.last().drop(1006);
    for (let t = 0; t < MIC_RECONNECT_WINDOW_MS + 10_000 && !h.ends.length; t += 100) {
      await vi.advanceTimersByTimeAsync(100);
      const s = h.last();
      if (s.readyState === 0) s.drop(1006);
    }
    expect(h.ends).toEqual([1006]);
    expect(Date.now() - Date.parse('2026-12-05T03:00:00Z')).toBeGreaterThanOrEqual(MIC_RECONNECT_WINDOW_MS);
    expect(Date.now() - Date.parse('2026-12-05T03:00:00Z')).toBeLessThan(MIC_RECONNECT_WINDOW_MS + 1_000);
    const opened = h.sockets.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(opened);
  });

  it('does not try again after a refusal: the relay ended, or the session did', async () => {
    for (const code of [4404, 4401, 4403, 4409]) {
      const h = harness();
      h.last().accept();
      h.last().drop(code);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(h.sockets).toHaveLength(1);
      expect(h.ends).toEqual([code]);
      expect(h.states).toEqual([]);
    }
  });

  it('a refusal after a reconnect ends it too: the survivor says the relay is over', async () => {
    const h = harness();
    h.last().accept();
    h.last().drop(1006);
    await vi.advanceTimersByTimeAsync(5_000);
    h.last().drop(4404);
    expect(h.ends).toEqual([4404]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(2);
  });

  it('stopping while it reconnects ends at once and opens nothing more', async () => {
    const h = harness();
    h.last().accept();
    h.last().drop(1006);
    h.link.stop();
    expect(h.ends).toEqual([null]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.sockets).toHaveLength(1);
  });
});
