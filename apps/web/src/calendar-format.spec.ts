import { describe, expect, it } from 'vitest';
import { eventSpan, eventTimeText, hhmm, holidayEvents, slotLabel } from './calendar-format';

const at = (hour: number, minute: number, second = 0) => ({ hour, minute, second });

describe('the schedule calendar writes one 24-hour time and each airing at its true length', () => {
  it('labels every hour line HH:mm, on the hour and between', () => {
    expect([at(1, 0), at(1, 30), at(13, 15), at(0, 0)].map((date) => slotLabel({ date }))).toEqual(['01:00', '01:30', '13:15', '00:00']);
  });

  it('labels an airing from start to end in HH:mm', () => {
    expect(eventTimeText({ start: at(5, 30), end: at(6, 0) }, 'vi')).toBe('05:30 – 06:00');
    expect(eventTimeText({ start: at(17, 0), end: null }, 'vi')).toBe('17:00');
    expect(hhmm(at(9, 5, 59))).toBe('09:05');
  });

  it('a 20-second programme reads as 20 seconds, not five minutes', () => {
    expect(eventTimeText({ start: at(5, 30), end: at(5, 30, 20) }, 'vi')).toBe('05:30 (20 giây)');
    expect(eventTimeText({ start: at(23, 59, 50), end: at(0, 0, 10) }, 'en')).toBe('23:59 (20 s)');
  });

  it('places an airing at its Vietnam wall-clock time with its true end', () => {
    const start = Date.parse('2026-12-01T22:30:00Z');
    expect(eventSpan(start, 20_000)).toEqual({ start: '2026-12-02T05:30:00', end: '2026-12-02T05:30:20' });
    expect(eventSpan(start, 30 * 60_000).end).toBe('2026-12-02T06:00:00');
  });
});

describe('the schedule calendar shows holidays', () => {
  it('shades each day off over the whole day, named, with declared days marked', () => {
    const events = holidayEvents([
      { date: '2027-02-05', name: 'Giao thừa Tết Nguyên Đán', kind: 'public' },
      { date: '2027-02-06', name: 'Tết Nguyên Đán', kind: 'public' },
      { date: '2027-02-10', name: 'Nghỉ bù Tết', kind: 'declared' },
      { date: '2027-12-31', name: 'Nghỉ cuối năm', kind: 'declared' },
    ]);
    expect(events.map((e) => [e.start, e.end, e.title])).toEqual([
      ['2027-02-05T00:00:00', '2027-02-06T00:00:00', 'Giao thừa Tết Nguyên Đán'],
      ['2027-02-06T00:00:00', '2027-02-07T00:00:00', 'Tết Nguyên Đán'],
      ['2027-02-10T00:00:00', '2027-02-11T00:00:00', 'Nghỉ bù Tết'],
      ['2027-12-31T00:00:00', '2028-01-01T00:00:00', 'Nghỉ cuối năm'],
    ]);
    expect(events.every((e) => e.display === 'background')).toBe(true);
    expect(events[1].classNames).toEqual(['holiday']);
    expect(events[2].classNames).toEqual(['holiday', 'holiday-declared']);
  });

  it('names both holidays of a day that has two', () => {
    const [one] = holidayEvents([
      { date: '2027-09-02', name: 'Quốc khánh', kind: 'public' },
      { date: '2027-09-02', name: 'Nghỉ lễ Quốc khánh', kind: 'declared' },
    ]);
    expect(one.title).toBe('Quốc khánh · Nghỉ lễ Quốc khánh');
  });
});
