import type { AgentHealth } from '@loa/protocol';
import {
  airingMissedRule,
  cacheNotReadyRule,
  clockDriftRule,
  deadAirRule,
  DEFAULT_SETTINGS,
  deviceFailureRule,
  diskLowRule,
  notConfirmedRule,
  planAlerts,
  relayDroppedRule,
  RULES,
  stationOfflineRule,
  type AiringFacts,
  type AlertFacts,
  type Condition,
  type KnownAlert,
  type StationFacts,
} from './alert-rules';

const SLOT = Date.parse('2026-12-04T22:30:00.000Z'); // 05:30 in Vietnam
const MIN = 60_000;

function station(over: Partial<StationFacts> = {}): StationFacts {
  return { stationId: 'st-1', stationName: 'Xã Cẩm Bình', unitId: 'u-1', connected: true, lastSeenAt: SLOT - 10 * MIN, health: null, output: null, deadAir: null, ...over };
}

function airing(over: Partial<AiringFacts> = {}): AiringFacts {
  return { stationId: 'st-1', occurrenceId: 'occ-1', title: 'Chuyên mục CCHC', startAt: SLOT, durationMs: 10 * MIN, line: null, ...over };
}

function health(over: Partial<AgentHealth> = {}): AgentHealth {
  return {
    clockOffsetMs: 12,
    clockRoundTripMs: 20,
    diskFreeBytes: 8e9,
    diskTotalBytes: 16e9,
    lookaheadHours: 48,
    missing: [],
    agentUptimeS: 100,
    systemUptimeS: 1000,
    temperatureC: 48,
    measuredAt: new Date(SLOT).toISOString(),
    ...over,
  };
}

function facts(now: number, over: Partial<AlertFacts> = {}): AlertFacts {
  return { now, stations: [station()], airings: [airing()], relays: [], ...over };
}

/** Runs the rules and the plan over a sequence of instants, keeping what the store would keep; returns what was sent. */
class FakeStore {
  alerts: (KnownAlert & { resolved?: boolean })[] = [];
  sent: string[] = [];
  private n = 0;
  tick(f: AlertFacts): void {
    const conditions = RULES.flatMap((r) => r.evaluate(f, DEFAULT_SETTINGS));
    const live = this.alerts.filter((a) => !a.resolved);
    for (const step of planAlerts(live, conditions, f, DEFAULT_SETTINGS)) {
      switch (step.do) {
        case 'wait':
          this.alerts.push({ id: `a${++this.n}`, key: step.condition.key, kind: step.condition.kind, state: 'pending', since: step.since });
          break;
        case 'fire': {
          const existing = this.alerts.find((a) => a.id === step.existingId);
          if (existing) existing.state = 'open';
          else this.alerts.push({ id: `a${++this.n}`, key: step.condition.key, kind: step.condition.kind, state: 'open', since: step.since });
          this.sent.push(`fired ${step.condition.key}`);
          break;
        }
        case 'drop':
          this.alerts = this.alerts.filter((a) => a.id !== step.id);
          break;
        case 'resolve':
          this.alerts.find((a) => a.id === step.id)!.resolved = true;
          this.sent.push(`resolved ${this.alerts.find((a) => a.id === step.id)!.key}`);
          break;
        case 'close':
          this.alerts.find((a) => a.id === step.id)!.resolved = true;
          break;
      }
    }
  }
}

describe('alert rules', () => {
  it('a station killed before its slot is raised once, two minutes after the slot began, and resolved when it returns', () => {
    const store = new FakeStore();
    const gone = station({ connected: false, lastSeenAt: SLOT - 5 * MIN });
    for (let t = SLOT - 5 * MIN; t <= SLOT + 8 * MIN; t += 15_000) {
      store.tick(facts(t, { stations: [gone] }));
      if (t < SLOT + 2 * MIN) expect(store.sent).toEqual([]);
    }
    expect(store.sent).toEqual(['fired station_offline:st-1']);
    store.tick(facts(SLOT + 9 * MIN, { stations: [station({ connected: true, lastSeenAt: SLOT + 9 * MIN })] }));
    store.tick(facts(SLOT + 10 * MIN, { stations: [station({ connected: true, lastSeenAt: SLOT + 10 * MIN })] }));
    expect(store.sent).toEqual(['fired station_offline:st-1', 'resolved station_offline:st-1']);
  });

  it('a 30 s reconnect blip at the slot raises nothing', () => {
    const store = new FakeStore();
    const blip = station({ connected: false, lastSeenAt: SLOT - 10_000 });
    for (let t = SLOT - 10_000; t <= SLOT + 20_000; t += 5000) store.tick(facts(t, { stations: [blip] }));
    for (let t = SLOT + 25_000; t <= SLOT + 30 * MIN; t += 15_000) store.tick(facts(t, { stations: [station({ lastSeenAt: t })] }));
    expect(store.sent).toEqual([]);
    expect(store.alerts).toEqual([]);
  });

  it('counts the debounce from the slot, not from when the box went away, and ignores boxes gone after the slot began', () => {
    const longGone = station({ connected: false, lastSeenAt: SLOT - 3 * 3600_000 });
    expect(stationOfflineRule.evaluate(facts(SLOT - MIN, { stations: [longGone] }), DEFAULT_SETTINGS)).toEqual([]);
    const [c] = stationOfflineRule.evaluate(facts(SLOT + MIN, { stations: [longGone] }), DEFAULT_SETTINGS);
    expect(c.since).toBe(SLOT);
    expect(c.title).toBe('Trạm Xã Cẩm Bình mất kết nối khi đến giờ phát');
    expect(c.detail).toContain('05:30 05/12');
    const goneMidway = station({ connected: false, lastSeenAt: SLOT + MIN });
    expect(stationOfflineRule.evaluate(facts(SLOT + 5 * MIN, { stations: [goneMidway] }), DEFAULT_SETTINGS)).toEqual([]);
  });

  it('a missed airing is raised at once, resolved when the station later reports it aired, and closed quietly out of the look-back', () => {
    const missedLine = { result: 'missed' as const, reason: 'station_offline', detail: 'Trạm mất kết nối', createdAt: SLOT + 20 * MIN, airVerdict: null };
    const store = new FakeStore();
    store.tick(facts(SLOT + 21 * MIN, { airings: [airing({ line: missedLine })] }));
    expect(store.sent).toEqual(['fired airing_missed:st-1:occ-1']);
    store.tick(facts(SLOT + 22 * MIN, { airings: [airing({ line: { ...missedLine, result: 'complete', reason: null } })] }));
    expect(store.sent).toEqual(['fired airing_missed:st-1:occ-1', 'resolved airing_missed:st-1:occ-1']);

    const later = new FakeStore();
    later.tick(facts(SLOT + 21 * MIN, { airings: [airing({ line: missedLine })] }));
    later.tick(facts(SLOT + 25 * 3600_000, { airings: [] }));
    expect(later.sent).toEqual(['fired airing_missed:st-1:occ-1']);
    expect(later.alerts.every((a) => a.resolved)).toBe(true);
  });

  it('a declined airing is not a miss', () => {
    const declined = airing({ line: { result: 'missed', reason: 'declined', detail: null, createdAt: SLOT + 20 * MIN, airVerdict: null } });
    expect(airingMissedRule.evaluate(facts(SLOT + 21 * MIN, { airings: [declined] }), DEFAULT_SETTINGS)).toEqual([]);
  });

  it('a file missing for an airing within the lead is raised once it has lacked it five minutes, never for a later airing', () => {
    const lacking = (neededAt: number) => station({ health: health({ missing: [{ sha256: 'a'.repeat(64), neededAt: new Date(neededAt).toISOString(), title: 'Tin CCHC' }] }) });
    const far = cacheNotReadyRule.evaluate(facts(SLOT, { stations: [lacking(SLOT + 3 * 3600_000)] }), DEFAULT_SETTINGS);
    expect(far).toEqual([]);
    const store = new FakeStore();
    // Booked at short notice: the box gets its five minutes, though the lead began long before.
    const seen = SLOT - 30 * MIN;
    store.tick(facts(seen, { stations: [lacking(SLOT)] }));
    store.tick(facts(seen + 4 * MIN, { stations: [lacking(SLOT)] }));
    expect(store.sent).toEqual([]);
    store.tick(facts(seen + 5 * MIN, { stations: [lacking(SLOT)] }));
    expect(store.sent).toEqual(['fired cache_not_ready:st-1']);
    store.tick(facts(seen + 6 * MIN, { stations: [station({ health: health() })] }));
    expect(store.sent).toEqual(['fired cache_not_ready:st-1', 'resolved cache_not_ready:st-1']);
  });

  it('clock drift past 500 ms, a nearly full disk and a failed output are each raised after their debounce', () => {
    const sick = station({
      health: health({ clockOffsetMs: -742, diskFreeBytes: 100 * 1024 * 1024 }),
      output: { device: 'hw:1,0', ok: false, checkedAt: new Date(SLOT).toISOString(), error: 'Không mở được thiết bị âm thanh: No such device' },
    });
    const at = (t: number): Condition[] => [clockDriftRule, diskLowRule, deviceFailureRule].flatMap((r) => r.evaluate(facts(t, { stations: [sick] }), DEFAULT_SETTINGS));
    const conditions = at(SLOT);
    expect(conditions.map((c) => c.kind).sort()).toEqual(['clock_drift', 'device_failure', 'disk_low']);
    expect(conditions.find((c) => c.kind === 'clock_drift')!.title).toBe('Đồng hồ của trạm Xã Cẩm Bình lệch 742 ms so với máy chủ');
    expect(conditions.find((c) => c.kind === 'disk_low')!.detail).toContain('Còn trống 100 MB');

    const store = new FakeStore();
    for (let t = SLOT; t <= SLOT + 6 * MIN; t += MIN) store.tick(facts(t, { stations: [sick], airings: [] }));
    expect(store.sent.sort()).toEqual(['fired clock_drift:st-1', 'fired device_failure:st-1', 'fired disk_low:st-1']);
    const fine = station({ health: health({ clockOffsetMs: 499 }), output: { device: 'hw:1,0', ok: true, checkedAt: new Date(SLOT).toISOString(), error: null } });
    expect([clockDriftRule, diskLowRule, deviceFailureRule].flatMap((r) => r.evaluate(facts(SLOT, { stations: [fine] }), DEFAULT_SETTINGS))).toEqual([]);
  });

  it('a station that carried a live relay and stopped is raised after a minute; one that never joined is not', () => {
    const store = new FakeStore();
    const relays = (carrying: boolean) => [{ relayId: 'r-1', title: 'Thông báo bão số 9', stationId: 'st-1', carried: true, carrying }];
    expect(relayDroppedRule.evaluate(facts(SLOT, { relays: [{ ...relays(false)[0], carried: false }] }), DEFAULT_SETTINGS)).toEqual([]);
    store.tick(facts(SLOT, { relays: relays(true), airings: [] }));
    store.tick(facts(SLOT + 10_000, { relays: relays(false), airings: [] }));
    store.tick(facts(SLOT + 30_000, { relays: relays(false), airings: [] }));
    expect(store.sent).toEqual([]);
    store.tick(facts(SLOT + 70_000, { relays: relays(false), airings: [] }));
    expect(store.sent).toEqual(['fired relay_dropped:r-1:st-1']);
    // The relay ends: nothing holds any more, and the alert says so once.
    store.tick(facts(SLOT + 5 * MIN, { relays: [], airings: [] }));
    store.tick(facts(SLOT + 6 * MIN, { relays: [], airings: [] }));
    expect(store.sent).toEqual(['fired relay_dropped:r-1:st-1', 'resolved relay_dropped:r-1:st-1']);
  });

  it('fires each condition once however often it is evaluated', () => {
    const store = new FakeStore();
    const gone = station({ connected: false, lastSeenAt: SLOT - MIN });
    for (let t = SLOT; t <= SLOT + 60 * MIN; t += 5000) store.tick(facts(t, { stations: [gone] }));
    expect(store.sent).toEqual(['fired station_offline:st-1']);
  });

  it('an airing played but not heard on air by the capture is raised once; one confirmed, or judged without a capture, is not', () => {
    const line = (airVerdict: string | null) => ({ result: 'complete' as const, reason: null, detail: null, createdAt: SLOT + 11 * MIN, airVerdict });
    const store = new FakeStore();
    store.tick(facts(SLOT + 12 * MIN, { airings: [airing({ line: line('not_confirmed') })] }));
    store.tick(facts(SLOT + 13 * MIN, { airings: [airing({ line: line('not_confirmed') })] }));
    expect(store.sent).toEqual(['fired not_confirmed:st-1:occ-1']);
    const [c] = notConfirmedRule.evaluate(facts(SLOT + 12 * MIN, { airings: [airing({ line: line('not_confirmed') })] }), DEFAULT_SETTINGS);
    expect(c.title).toBe('Trạm Xã Cẩm Bình không xác nhận được "Chuyên mục CCHC" lúc 05:30 05/12 trên sóng');
    for (const verdict of ['confirmed', 'no_capture', null]) {
      expect(notConfirmedRule.evaluate(facts(SLOT + 12 * MIN, { airings: [airing({ line: line(verdict) })] }), DEFAULT_SETTINGS)).toEqual([]);
    }
    // A missed airing is the miss rule's matter, whatever a verdict says.
    const missed = { ...line('not_confirmed'), result: 'missed' as const };
    expect(notConfirmedRule.evaluate(facts(SLOT + 12 * MIN, { airings: [airing({ line: missed })] }), DEFAULT_SETTINGS)).toEqual([]);
  });

  it('dead air on a connected station is raised from when it began and resolved when sound returns; on a station gone offline it is not', () => {
    const dead = { since: SLOT + 2 * MIN, occurrenceId: 'occ-1', live: false };
    const store = new FakeStore();
    store.tick(facts(SLOT + 3 * MIN, { stations: [station({ deadAir: dead })] }));
    expect(store.sent).toEqual(['fired dead_air:st-1']);
    const [c] = deadAirRule.evaluate(facts(SLOT + 3 * MIN, { stations: [station({ deadAir: dead })] }), DEFAULT_SETTINGS);
    expect(c).toMatchObject({ since: SLOT + 2 * MIN, title: 'Trạm Xã Cẩm Bình lặng sóng từ 05:32 05/12' });
    expect(c.detail).toContain('"Chuyên mục CCHC"');
    store.tick(facts(SLOT + 4 * MIN, { stations: [station()] }));
    expect(store.sent).toEqual(['fired dead_air:st-1', 'resolved dead_air:st-1']);
    expect(deadAirRule.evaluate(facts(SLOT + 3 * MIN, { stations: [station({ connected: false, deadAir: dead })] }), DEFAULT_SETTINGS)).toEqual([]);
  });
});
