import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { Link } from './link';
import { silentLogger } from './log';

/** A fake server instance: accepts agents' WebSockets and counts them; `kill` drops them all and stops listening. */
class FakeInstance {
  readonly wss: WebSocketServer;
  connections = 0;

  private constructor(wss: WebSocketServer) {
    this.wss = wss;
    wss.on('connection', () => this.connections++);
  }

  static async start(): Promise<FakeInstance> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    return new FakeInstance(wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/api/agent/ws`;
  }

  async kill(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise((r) => this.wss.close(r));
  }
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('an agent link given several server instances', () => {
  const links: Link[] = [];
  const instances: FakeInstance[] = [];
  afterEach(async () => {
    for (const l of links.splice(0)) await l.stop();
    for (const i of instances.splice(0)) await i.kill().catch(() => undefined);
  });

  function link(urls: string[], random: () => number = () => 0.5): Link {
    const l = new Link({ urls, token: 'tok-0123456789', log: silentLogger, onFrame: () => undefined, onOpen: () => undefined, backoffBaseMs: 20, backoffMaxMs: 200, random });
    links.push(l);
    return l;
  }

  it('moves to the next instance when the one it holds dies, and stays there', async () => {
    const a = await FakeInstance.start();
    const b = await FakeInstance.start();
    instances.push(a, b);
    const l = link([a.url, b.url]);
    l.start();
    await until(() => l.connected);
    expect([a.connections, b.connections, l.serverIndex]).toEqual([1, 0, 0]);

    await a.kill();
    await until(() => l.connected && b.connections === 1);
    expect(l.serverIndex).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(b.connections).toBe(1);
  });

  it('skips an instance that is down at start and goes round the list until one answers', async () => {
    const down = await FakeInstance.start();
    const deadUrl = down.url;
    await down.kill();
    const b = await FakeInstance.start();
    instances.push(b);
    const l = link([deadUrl, deadUrl.replace(/:\d+\//, ':1/'), b.url]);
    l.start();
    await until(() => l.connected);
    expect(l.serverIndex).toBe(2);
    expect(b.connections).toBe(1);
  });

  it('waits a jittered, growing delay between failed attempts, so many stations do not come back in step', async () => {
    const down = await FakeInstance.start();
    const deadUrl = down.url;
    await down.kill();
    const draws: number[] = [];
    const l = link([deadUrl, deadUrl], () => {
      draws.push(Date.now());
      return 0.999;
    });
    l.start();
    await until(() => draws.length >= 4, 10_000);
    await l.stop();
    const gaps = draws.slice(1, 4).map((t, i) => t - draws[i]);
    // 20·2^n ms at most, nearly all of it with random() just below 1: about 20, 40, 80 ms between tries.
    expect(gaps[1]).toBeGreaterThanOrEqual(35);
    expect(gaps[2]).toBeGreaterThanOrEqual(75);
    expect(gaps[2]).toBeGreaterThan(gaps[0]);
  });
});
