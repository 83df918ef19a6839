import { fromInstant, minutesOfDay, timeOfDayRange, toInstant } from './time';

describe('times of day and instants, one form for every app', () => {
  it('reads HH:MM as minutes after midnight and refuses anything else', () => {
    expect(minutesOfDay('00:00')).toBe(0);
    expect(minutesOfDay('21:30')).toBe(21 * 60 + 30);
    expect(minutesOfDay('23:59')).toBe(23 * 60 + 59);
    for (const bad of ['24:00', '7:30', '12:60', '12:3', ' 12:30', '12:30:00', '']) expect(minutesOfDay(bad)).toBeNull();
  });

  it('reads HH:MM-HH:MM as a span that may cross midnight', () => {
    expect(timeOfDayRange('22:00-05:00')).toEqual({ start: 22 * 60, end: 5 * 60 });
    expect(timeOfDayRange('08:15-17:45')).toEqual({ start: 8 * 60 + 15, end: 17 * 60 + 45 });
    for (const bad of ['22:00', '22:00-24:00', '22:00 - 05:00', '2200-0500']) expect(timeOfDayRange(bad)).toBeNull();
  });

  it('turns an instant into the wire form and back without loss', () => {
    const ms = Date.UTC(2026, 10, 24, 22, 30, 5, 123);
    expect(toInstant(ms)).toBe('2026-11-24T22:30:05.123Z');
    expect(fromInstant(toInstant(ms))).toBe(ms);
  });
});
