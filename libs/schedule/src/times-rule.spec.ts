import { occurrencesBetween, validateRecurrence } from './recurrence';
import { ruleForTimes } from './times-rule';
import { describeRecurrence } from './words';

const VN = 'Asia/Ho_Chi_Minh';
const vn = (wall: string) => new Date(Date.parse(`${wall}+07:00`)).toISOString();

describe('the rule for "every day / on these weekdays at these times"', () => {
  it('one time is a plain daily or weekly rule', () => {
    expect(ruleForTimes({ days: null, times: ['05:30'] })).toEqual({ rule: 'FREQ=DAILY', firstTime: '05:30:00' });
    expect(ruleForTimes({ days: ['FR', 'MO', 'WE'], times: ['05:30:00'], until: '2026-12-31' })).toEqual({
      rule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20261231T235959',
      firstTime: '05:30:00',
    });
  });

  it('times on the same minute need no BYSETPOS', () => {
    expect(ruleForTimes({ days: null, times: ['17:00', '05:00'] })?.rule).toBe('FREQ=DAILY;BYHOUR=5,17;BYMINUTE=0;BYSECOND=0');
  });

  it.each([
    [null, ['05:30', '17:00'], '2026-12-01', ['2026-12-01T05:30', '2026-12-01T17:00', '2026-12-02T05:30', '2026-12-02T17:00']],
    [null, ['06:15', '11:00', '17:45:30'], '2026-12-01', ['2026-12-01T06:15', '2026-12-01T11:00', '2026-12-01T17:45:30', '2026-12-02T06:15']],
    [['MO', 'TH'] as const, ['05:30', '16:45'], '2026-11-30', ['2026-11-30T05:30', '2026-11-30T16:45', '2026-12-03T05:30', '2026-12-03T16:45', '2026-12-07T05:30']],
  ])('on %j at %j airs exactly at those times, whatever the server zone', (days, times, first, expected) => {
    const made = ruleForTimes({ days: days === null ? null : [...days], times })!;
    const rec = { start: `${first}T${made.firstTime}`, timeZone: VN, rule: made.rule };
    validateRecurrence(rec);
    const got = occurrencesBetween(rec, Date.parse(vn(`${first}T00:00`)), Date.parse(vn(`${first}T00:00`)) + 8 * 24 * 3600_000);
    expect(got.slice(0, expected.length).map((t) => new Date(t).toISOString())).toEqual(expected.map(vn));
    expect(new Set(got.map((t) => new Date(t + 7 * 3600_000).toISOString().slice(11, 19)))).toEqual(new Set(times.map((t) => (t.length === 5 ? `${t}:00` : t))));
  });

  it('reads back in words with every time', () => {
    const made = ruleForTimes({ days: ['MO', 'FR'], times: ['17:00', '05:30'] })!;
    expect(describeRecurrence({ start: `2026-11-30T${made.firstTime}`, rule: made.rule })).toBe('Thứ Hai, Thứ Sáu lúc 05:30 và 17:00, từ ngày 30/11/2026');
  });

  it('refuses no time, a wrong time or no weekday', () => {
    expect(ruleForTimes({ days: null, times: [] })).toBeNull();
    expect(ruleForTimes({ days: null, times: ['25:00'] })).toBeNull();
    expect(ruleForTimes({ days: [], times: ['05:00'] })).toBeNull();
  });
});
