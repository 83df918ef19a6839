import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlaybackEvent } from '@loa/protocol';
import type { Clock } from '../clock';
import { silentLogger } from '../log';
import { Outbox } from '../outbox';
import { NullPlayer } from '../player';
import { AgentStore } from '../store';
import { Announcements } from './announcements';
import type { ConsoleOutput } from './ports';

describe('announcements made at the station', () => {
  let dir: string;
  let store: AgentStore;
  let outbox: Outbox;
  let offset = 0;
  const clock: Clock = { localNow: () => Date.now() + offset, serverNow: () => Date.now() + offset, offsetMs: () => 0, systemNow: () => Date.now() + offset };
  const player = new NullPlayer(clock);
  const output: ConsoleOutput = {
    clusters: () => [],
    liveOnAir: () => null,
    take: () => {},
    giveBack: () => {},
    play: async (i, file) => player.start(await player.prepare(i, file)),
  };
  const open = (out: ConsoleOutput = output) => new Announcements({ store, outbox, clock, output: out, log: silentLogger, dir: join(dir, 'local') });
  const audio = (ms: number) => (dest: string) => {
    writeFileSync(dest, Buffer.alloc(64));
    return Promise.resolve(ms);
  };
  const local = { title: 'Thông báo lịch tiêm phòng', kind: 'text' as const, priority: 'normal' as const };
  const events = () => outbox.pending().map((e) => e.event as PlaybackEvent);
  const until = async (check: () => boolean) => {
    const end = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'loa-ann-'));
    store = new AgentStore(join(dir, 'agent.db'));
    outbox = new Outbox(store);
    offset = 0;
  });

  afterEach(async () => {
    await player.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an announcement on air when the box died is recorded as interrupted at the next start, and never aired again', async () => {
    // A playback that never ends: the process dies with it on air, and nothing of the first instance runs on.
    const dying: ConsoleOutput = { ...output, play: () => Promise.resolve({ startedAt: clock.serverNow(), finished: new Promise(() => {}), stop: () => {}, fadeOut: () => {} }) };
    const first = open(dying);
    await first.init();
    const a = await first.create({ local, audio: audio(60_000), at: null });
    await until(() => first.get(a.id)?.state === 'playing');
    const second = open();
    await second.init();
    expect(second.get(a.id)).toMatchObject({ state: 'done', outcome: 'Bị gián đoạn (trạm khởi động lại)' });
    expect(events().map((e) => [e.kind, e.reason, e.occurrenceId, e.local?.title])).toEqual([
      ['started', undefined, a.id, local.title],
      ['failed', 'interrupted', a.id, local.title],
    ]);
    expect(second.current()).toBeNull();
    await second.close();
  });

  it('one due while the box was off for long is recorded as not aired; one cancelled before its time leaves no event', async () => {
    const first = open();
    await first.init();
    const late = await first.create({ local, audio: audio(2000), at: Date.now() + 60_000 });
    const cancelled = await first.create({ local: { ...local, title: 'Huỷ' }, audio: audio(2000), at: Date.now() + 120_000 });
    expect(first.stop(cancelled.id).state).toBe('cancelled');
    await first.close();
    offset = 15 * 60_000;
    const second = open();
    await second.init();
    expect(second.get(late.id)?.state).toBe('done');
    expect(events().map((e) => [e.kind, e.reason, e.occurrenceId])).toEqual([['failed', 'missed', late.id]]);
    await second.close();
  });

  it('the upper level’s live round cuts the announcement on air, and the operator can stop one', async () => {
    const ann = open();
    await ann.init();
    const a = await ann.create({ local, audio: audio(60_000), at: null });
    await until(() => ann.get(a.id)?.state === 'playing');
    ann.preempt('Bị ngắt bởi phát trực tiếp: "Bão số 9".');
    await until(() => ann.get(a.id)?.state === 'done');
    const b = await ann.create({ local: { ...local, priority: 'emergency' }, audio: audio(60_000), at: null });
    await until(() => ann.get(b.id)?.state === 'playing');
    ann.stop(b.id);
    await until(() => ann.get(b.id)?.state === 'done');
    expect(events().filter((e) => e.kind === 'failed').map((e) => [e.occurrenceId, e.reason, e.local?.priority])).toEqual([
      [a.id, 'preempted', 'normal'],
      [b.id, 'cancelled', 'emergency'],
    ]);
    await ann.close();
  });
});
