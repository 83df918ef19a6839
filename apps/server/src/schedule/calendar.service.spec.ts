import { FakeCalendarRepository } from '../../../../test/support/fakes/calendar.repository.fake';
import { FakeClock } from '../../../../test/support/fakes/schedule-fixture';
import type { Principal } from '../auth/principal';
import { LoaError } from '../common/errors';
import { Station } from '../stations/station.entity';
import { Unit } from '../units/unit.entity';
import { CalendarService } from './calendar.service';
import type { PlannedAiring } from './schedule-queries.service';
import type { Slot } from './slot.entity';

const NOW = Date.parse('2026-06-01T00:00:00.000Z');
const DAY = 24 * 3600_000;
const maker: Principal = { kind: 'user', userId: 'u-op', username: 'xa-a', role: 'operator', unitId: 'commune-a' };

function fixture() {
  const store = new FakeCalendarRepository();
  store.unitRows = [
    { id: 'province', parentId: null },
    { id: 'commune-a', parentId: 'province' },
  ];
  store.stationRows = [{ id: 'st-a', name: 'Đài xã A', unitId: 'commune-a' }];
  store.users = [{ id: 'u-op', disabled: false, role: 'operator', unitId: 'commune-a' }];
  store.programmeRows = [{ id: 'news', title: 'Bản tin sáng', chuyenMuc: 'Thời sự' }];
  const slot: Slot = {
    id: 'slot-1',
    programmeId: 'news',
    startAt: '2026-06-01T22:00:00.000Z',
    endAt: '9999-12-31T00:00:00.000Z',
    durationMs: 600_000,
    localStart: '2026-06-02T05:00:00',
    timeZone: 'Asia/Ho_Chi_Minh',
    rule: 'FREQ=DAILY',
    exdates: [],
    priority: 'normal',
    source: 'relay',
    startMode: 'hard',
    holidayRule: 'play',
    waitMs: 0,
    status: 'approved',
    rejectionReason: null,
    createdBy: 'u-op',
    createdAt: '2026-05-01T00:00:00.000Z',
    updatedAt: '2026-05-01T00:00:00.000Z',
  };
  store.slotRows = [slot];
  const planned: PlannedAiring[] = [{ stationId: 'st-a', slotId: 'slot-1', programmeId: 'news', at: Date.parse('2026-06-01T22:00:00.000Z'), durationMs: 600_000, priority: 'normal', source: 'relay' }];
  const clock = new FakeClock(NOW);
  const service = new CalendarService(
    store,
    clock,
    { get: async (id: string) => Object.assign(new Station(), store.stationRows.find((s) => s.id === id)) },
    { get: async (id: string) => Object.assign(new Unit(), { id, name: 'Xã A' }), subtreeIds: async (id: string) => [id] },
    { plannedAirings: async () => planned },
    { calendarFeedAheadMs: 30 * DAY },
    {
      requireAccess: async () => undefined,
      filterOwned: async <T>(_who: Principal, rows: readonly T[]) => [...rows],
      requireOwned: async () => undefined,
    },
  );
  return { store, clock, service };
}

async function gone(work: Promise<unknown>): Promise<string> {
  const e = await work.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof LoaError)) throw new Error('expected a LoaError');
  return e.code;
}

describe('CalendarService on an in-memory store', () => {
  it('a link feeds the station’s airings, keeps only its hash, and dies when revoked', async () => {
    const f = fixture();
    const link = await f.service.issue('station', 'st-a', maker, 10);
    expect(f.store.tokens[0].tokenHash).not.toContain(link.token);
    const ics = await f.service.feed(link.token);
    expect(ics).toContain('SUMMARY:Bản tin sáng');
    expect(ics).toContain('LOCATION:Đài xã A');
    expect(ics).toMatch(/Lịch phát: .*ngày/);
    expect((await f.service.revoke(link.id, maker)).revokedAt).toBe('2026-06-01T00:00:00.000Z');
    expect(await gone(f.service.feed(link.token))).toBe('not_found');
    expect((await f.service.list(maker))[0]).toMatchObject({ id: link.id, active: false });
  });

  it('a link dies when it expires, and when its maker is disabled or leaves a role that issues links', async () => {
    const f = fixture();
    const link = await f.service.issue('unit', 'commune-a', maker, 10);
    expect(await f.service.feed(link.token)).toContain('Bản tin sáng');
    f.store.users[0].role = 'inspector';
    expect(await gone(f.service.feed(link.token))).toBe('not_found');
    f.store.users[0].role = 'operator';
    f.store.users[0].disabled = true;
    expect(await gone(f.service.feed(link.token))).toBe('not_found');
    f.store.users[0].disabled = false;
    f.clock.at += 11 * DAY;
    expect(await gone(f.service.feed(link.token))).toBe('not_found');
    expect(await gone(f.service.feed('loa_cal_not-a-token'))).toBe('not_found');
  });
});
