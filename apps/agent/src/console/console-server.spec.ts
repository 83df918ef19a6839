import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlaybackEvent } from '@loa/protocol';
import type { Clock } from '../clock';
import { silentLogger } from '../log';
import { Outbox } from '../outbox';
import { NullPlayer } from '../player';
import { AgentStore } from '../store';
import { agentItem as item } from '../../../../test/support/agent/items';
import { makeTone } from '../../../../test/support/agent/tone';
import { Announcements } from './announcements';
import { DeclineError, Declines } from './declines';
import { ConsoleServer } from './console-server';
import { LoginLimiter } from './guard';
import { hashPin } from './pin';
import type { ConsoleOutput } from './ports';

const PIN = '482913';
/** The answers are checked field by field. */
const read = (res: Response): Promise<any> => res.json();
const clock: Clock = { localNow: () => Date.now(), serverNow: () => Date.now(), offsetMs: () => 0, systemNow: () => Date.now() };

describe('the local console on the station box', () => {
  let dir: string;
  let store: AgentStore;
  let outbox: Outbox;
  let announcements: Announcements;
  let server: ConsoleServer;
  let options: ConstructorParameters<typeof ConsoleServer>[0];
  let base: string;
  let refuseAll = false;
  const held: string[] = [];
  const player = new NullPlayer(clock);
  const today = item('occ-today', Date.now() + 60_000, { programme: { id: 'p1', title: 'Chuyên mục CCHC tháng 12', chuyenMuc: 'Cải cách hành chính' } });
  const urgent = item('occ-urgent', Date.now() + 90_000, { priority: 'priority' });
  const meeting = item('occ-meeting', Date.now() + 120_000);
  let declines: Declines;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'loa-console-'));
    store = new AgentStore(join(dir, 'agent.db'));
    outbox = new Outbox(store);
    const output: ConsoleOutput = {
      clusters: () => [],
      liveOnAir: () => null,
      take: (h) => held.push(`take ${h.id}`),
      giveBack: (id) => held.push(`give ${id}`),
      play: async (i, file) => player.start(await player.prepare(i, file)),
    };
    announcements = new Announcements({ store, outbox, clock, output, log: silentLogger, dir: join(dir, 'local') });
    await announcements.init();
    declines = new Declines({ store, outbox, clock, log: silentLogger });
    options = {
      listen: '127.0.0.1:0',
      pinHash: await hashPin(PIN),
      announcements,
      schedule: {
        items: () => [today, urgent, meeting],
        isCached: () => true,
        states: () => new Map(),
        nowPlaying: () => null,
        online: () => false,
        pendingEvents: () => outbox.count(),
        declined: () => declines.list(),
        declinable: (i) => declines.refusal(i, false) === null,
        decline: (id, reason) => {
          const found = [today, urgent, meeting].find((i) => i.occurrenceId === id);
          if (!found) throw new DeclineError('not_found', 'Không có chương trình này trong lịch của trạm.');
          declines.decline(found, reason, false);
        },
      },
      output,
      applyVolume: () => Promise.resolve(),
      store,
      clock,
      log: silentLogger,
      tmpDir: join(dir, 'local'),
      limiter: new LoginLimiter({ freeTries: 3 }),
      allowAddress: (a) => !refuseAll && a.length > 0,
    };
    server = new ConsoleServer(options);
    await server.start();
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server.close();
    await announcements.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (path: string, init: RequestInit & { cookie?: string; origin?: string | null } = {}) =>
    fetch(base + path, {
      ...init,
      headers: {
        ...(init.body && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}),
        ...(init.origin !== null ? { origin: init.origin ?? base } : {}),
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...(init.headers as Record<string, string>),
      },
    });

  async function login(): Promise<string> {
    const res = await send('/api/login', { method: 'POST', body: JSON.stringify({ pin: PIN }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    return cookie.split(';')[0];
  }

  it('serves its page to anyone on the LAN but nothing else without the PIN, and refuses addresses from outside', async () => {
    const page = await send('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('Bảng điều khiển tại trạm');
    const state = await send('/api/state');
    expect(state.status).toBe(401);
    expect(await read(state)).toMatchObject({ code: 'login_required' });
    refuseAll = true;
    try {
      const outside = await send('/');
      expect(outside.status).toBe(403);
      expect(await read(outside)).toMatchObject({ code: 'not_local' });
    } finally {
      refuseAll = false;
    }
  });

  it('refuses a login or a change that does not come from its own pages', async () => {
    expect((await send('/api/login', { method: 'POST', body: JSON.stringify({ pin: PIN }), origin: null })).status).toBe(403);
    expect((await send('/api/login', { method: 'POST', body: JSON.stringify({ pin: PIN }), origin: 'http://evil.example' })).status).toBe(403);
    const cookie = await login();
    const forged = await send('/api/volume', { method: 'POST', cookie, origin: 'http://evil.example', body: JSON.stringify({ clusterId: 'all', volume: 10 }) });
    expect(forged.status).toBe(403);
    expect(await read(forged)).toMatchObject({ code: 'cross_origin' });
    // A form post (no JSON) is refused too, even from the page's own origin.
    const form = await send('/api/volume', { method: 'POST', cookie, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ volume: '10' }) });
    expect(form.status).toBe(415);
    const state = await read(await send('/api/state', { cookie }));
    expect(state.clusters).toEqual([{ id: 'all', label: 'Toàn trạm', volume: 100 }]);
    const set = await send('/api/volume', { method: 'POST', cookie, body: JSON.stringify({ clusterId: 'all', volume: 40 }) });
    expect(set.status).toBe(200);
    expect((await read(await send('/api/state', { cookie }))).clusters[0].volume).toBe(40);
  });

  it('declines a normal item of today’s schedule with the operator’s reason, once, into the outbox, and never a priority one', async () => {
    const cookie = await login();
    const before = await read(await send('/api/state', { cookie }));
    expect(before.schedule.map((i: any) => [i.occurrenceId, i.declinable])).toEqual([
      ['occ-today', true],
      ['occ-urgent', false],
      ['occ-meeting', true],
    ]);

    const noReason = await send('/api/decline', { method: 'POST', cookie, body: JSON.stringify({ occurrenceId: 'occ-meeting', reason: '  ' }) });
    expect(noReason.status).toBe(400);
    expect(await read(noReason)).toMatchObject({ code: 'invalid', message: 'Hãy ghi lý do không phát.' });
    const priority = await send('/api/decline', { method: 'POST', cookie, body: JSON.stringify({ occurrenceId: 'occ-urgent', reason: 'Bận' }) });
    expect(priority.status).toBe(409);
    expect(await read(priority)).toMatchObject({ code: 'not_declinable' });
    const unknown = await send('/api/decline', { method: 'POST', cookie, body: JSON.stringify({ occurrenceId: 'occ-none', reason: 'Bận' }) });
    expect(unknown.status).toBe(404);
    const events = () => outbox.pending(1000).map((e) => e.event as PlaybackEvent).filter((e) => e.reason === 'declined');
    expect(events()).toEqual([]);

    const ok = await send('/api/decline', { method: 'POST', cookie, body: JSON.stringify({ occurrenceId: 'occ-meeting', reason: 'Trùng giờ họp dân' }) });
    expect(ok.status).toBe(200);
    const row = (await read(ok)).schedule.find((i: any) => i.occurrenceId === 'occ-meeting');
    expect(row).toMatchObject({ state: 'declined', declinedReason: 'Trùng giờ họp dân', declinable: false });
    const again = await send('/api/decline', { method: 'POST', cookie, body: JSON.stringify({ occurrenceId: 'occ-meeting', reason: 'Lần nữa' }) });
    expect(again.status).toBe(409);
    expect(await read(again)).toMatchObject({ code: 'already_declined' });

    expect(events()).toEqual([
      expect.objectContaining({ kind: 'failed', occurrenceId: 'occ-meeting', slotId: meeting.slotId, plannedAt: new Date(meeting.startMs).toISOString(), detail: 'Xã từ chối phát tại máy trạm: Trùng giờ họp dân' }),
    ]);
    expect(events()[0].startedAt).toBeUndefined();
  });

  it('makes a guesser wait after a few wrong PINs, even when it then finds the right one', async () => {
    for (let i = 0; i < 3; i++) {
      const wrong = await send('/api/login', { method: 'POST', body: JSON.stringify({ pin: '000001' }) });
      expect(wrong.status).toBe(401);
      expect(await read(wrong)).toMatchObject({ code: 'wrong_pin', message: 'Mã PIN không đúng.' });
    }
    const locked = await send('/api/login', { method: 'POST', body: JSON.stringify({ pin: PIN }) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await read(locked)).message).toMatch(/thử lại sau \d+ giây/);
  });

  it('shows today’s schedule with what is cached, and airs a recording now, recording it in the outbox as the station’s own', async () => {
    // A console of its own: the guessing above has locked this address out of the first one.
    const limiterFree = new ConsoleServer({ ...options, limiter: new LoginLimiter() });
    await limiterFree.start();
    const b = `http://127.0.0.1:${limiterFree.port}`;
    try {
      const res = await fetch(`${b}/api/login`, { method: 'POST', headers: { origin: b, 'content-type': 'application/json' }, body: JSON.stringify({ pin: PIN }) });
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
      const state = await read(await fetch(`${b}/api/state`, { headers: { cookie } }));
      expect(state.schedule[0]).toEqual(expect.objectContaining({ occurrenceId: 'occ-today', title: 'Chuyên mục CCHC tháng 12', cached: true, state: 'waiting' }));
      expect(JSON.stringify(state)).not.toMatch(/token/i);

      const tone = join(dir, 'tone.mp3');
      makeTone(tone, 1);
      const up = await fetch(`${b}/api/announcements/recording?title=${encodeURIComponent('Họp dân tối nay')}&clusters=all`, {
        method: 'POST',
        headers: { origin: b, cookie, 'content-type': 'audio/mpeg' },
        body: readFileSync(tone),
      });
      expect(up.status).toBe(201);
      const created = await read(up);
      expect(created).toMatchObject({ local: { title: 'Họp dân tối nay', kind: 'recording', priority: 'normal' } });
      expect(created.id).toMatch(/^local:/);
      expect(created.local.clusterIds).toBeUndefined();
      expect(Math.abs(created.local.durationMs - 1000)).toBeLessThan(100);

      const deadline = Date.now() + 10_000;
      while (announcements.get(created.id)?.state !== 'done' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const events = outbox
        .pending()
        .map((e) => e.event as PlaybackEvent)
        .filter((e) => e.occurrenceId.startsWith('local:'));
      expect(events.map((e) => [e.kind, e.occurrenceId, e.local?.title])).toEqual([
        ['started', created.id, 'Họp dân tối nay'],
        ['finished', created.id, 'Họp dân tối nay'],
      ]);
      expect(held).toEqual([`take ${created.id}`, `give ${created.id}`]);
    } finally {
      await limiterFree.close();
    }
  });

});
