import { judge, monthsBetween, worst } from './compliance';

const VN = 'Asia/Ho_Chi_Minh';

describe('plan compliance arithmetic', () => {
  it('cuts a period into the zone’s calendar months', () => {
    const months = monthsBetween(Date.parse('2026-06-30T17:00:00Z'), Date.parse('2026-09-30T17:00:00Z'), VN);
    expect(months.map((m) => m.month)).toEqual(['2026-07', '2026-08', '2026-09']);
    // 1 July 00:00 in Việt Nam is 30 June 17:00 UTC.
    expect(new Date(months[0].from).toISOString()).toBe('2026-06-30T17:00:00.000Z');
    expect(new Date(months[2].to).toISOString()).toBe('2026-09-30T17:00:00.000Z');
  });

  it('a seeded quarter with one month without an airing is missed for that month only', () => {
    const now = Date.parse('2026-11-23T00:00:00Z');
    const months = monthsBetween(Date.parse('2026-06-30T17:00:00Z'), Date.parse('2026-09-30T17:00:00Z'), VN);
    const aired: Record<string, number> = { '2026-07': 1, '2026-08': 0, '2026-09': 2 };
    expect(months.map((m) => [m.month, judge(aired[m.month], 0, 1, m.to, now)])).toEqual([
      ['2026-07', 'met'],
      ['2026-08', 'missed'],
      ['2026-09', 'met'],
    ]);
  });

  it('tells a month still running apart: on track when scheduled, at risk when nothing is', () => {
    const end = Date.parse('2026-11-30T17:00:00Z');
    const now = Date.parse('2026-11-23T00:00:00Z');
    expect(judge(0, 1, 1, end, now)).toBe('on_track');
    expect(judge(0, 0, 1, end, now)).toBe('at_risk');
    expect(judge(1, 0, 2, end, now)).toBe('at_risk');
    expect(judge(2, 0, 2, end, now)).toBe('met');
  });

  it('a target over many stations stands as its worst one', () => {
    expect(worst(['met', 'on_track', 'met'])).toBe('on_track');
    expect(worst(['met', 'missed', 'at_risk'])).toBe('missed');
    expect(worst([])).toBe('met');
  });
});
